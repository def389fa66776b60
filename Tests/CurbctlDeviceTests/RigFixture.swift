import CurbsideTestKit
import Foundation
import HALRig
import RigProtocol
import RigServer
import Testing

/// A rig from `Firmware-config/rigs/` served in-process, and daemon configurations made from the examples for it.
enum RigFixture {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static func scratch() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
            "curbctl-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }

    /// Serves `rigs/<name>`; `body` gets the rig, a control connection (as a scenario drives the rig) and the socket.
    static func serving(
        _ name: String, _ body: (VirtualRig, RigConnection, String) async throws -> Void
    ) async throws {
        let folder = try scratch()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = root.appendingPathComponent("Firmware-config/rigs/\(name)").path
        let rig = try VirtualRig(
            file: try RigFile.load(file: file, knownChips: SimulatedChipCatalog.names), runDirectory: folder.path)
        let socket = folder.appendingPathComponent("rig.sock").path
        let ready = AsyncStream<Void>.makeStream()
        let server = Task { try await RigServer.run(rig: rig, socketPath: socket) { ready.continuation.yield() } }
        defer { server.cancel() }
        for await _ in ready.stream { break }
        try await body(rig, try await RigConnection.connect(socketPath: socket), socket)
    }

    /// The example configuration of `daemon` pointed at this rig and broker, with a scratch state directory;
    /// `edit` changes the text further.
    static func config(
        _ daemon: String, socket: String, broker: String, in folder: URL, edit: (String) -> String = { $0 }
    ) throws -> String {
        let example = try String(
            contentsOf: root.appendingPathComponent("Firmware-config/examples/\(daemon).yaml"), encoding: .utf8)
        let lines = example.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
            if line.hasPrefix("  rig_socket:") { return "  rig_socket: \(socket)" }
            if line.hasPrefix("state_dir:") { return "state_dir: \(folder.appendingPathComponent("state").path)" }
            if line.hasPrefix("board: ../../") { return "board: \(root.path)/" + line.dropFirst("board: ../../".count) }
            if line.hasPrefix("  url: mqtt://127.0.0.1:1883") { return "  url: \(broker)" }
            return String(line)
        }
        let path = folder.appendingPathComponent("\(daemon).yaml").path
        try edit(lines.joined(separator: "\n")).write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static func op(_ connection: RigConnection, _ op: String, _ fill: (inout RigMessage) -> Void) async -> RigMessage {
        var message = RigMessage(op: op)
        fill(&message)
        return await connection.request(message)
    }
}
