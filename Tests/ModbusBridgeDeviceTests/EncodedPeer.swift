import AgentRuntime
import CurbsideTestKit
import Foundation
import HAL
import HALLinux
import ModbusBridgeLogic

/// `peers/encoded_server.py`: pymodbus serving registers written by pymodbus's own encoders.
struct EncodedPeer {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("peers/encoded_server.py").path

    struct Entry: Encodable {
        var address: Int
        var kind: String
        var value: EncodedValue
        var byteorder: String
        var wordorder: String
    }

    enum EncodedValue: Encodable {
        case integer(Int64)
        case unsigned(UInt64)
        case double(Double)
        case text(String)
        func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            switch self {
            case .integer(let value): try container.encode(value)
            case .unsigned(let value): try container.encode(value)
            case .double(let value): try container.encode(value)
            case .text(let value): try container.encode(value)
            }
        }
    }

    struct Spec: Encodable {
        var unit = 1
        var holding: [Entry] = []
        var input: [Entry] = []
        var coils: [Bool] = []
        var discrete: [Bool] = []
    }

    let process: SpawnedProcess
    let folder: URL

    /// Writes the spec and starts the server (`tcp 0` or `rtu DEVICE 19200`).
    init(_ spec: Spec, _ arguments: [String]) throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("modbusd-peer-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let file = folder.appendingPathComponent("spec.json")
        try JSONEncoder().encode(spec).write(to: file)
        process = try SpawnedProcess(
            "python3", [Self.script, file.path] + arguments,
            hint: "Tools/bootstrap installs pymodbus from Tools/requirements-test.txt")
    }

    /// The TCP port it printed once listening (python starts slowly on a loaded machine).
    func tcpPort() async throws -> Int {
        try await process.printedPort(after: "listening on 127.0.0.1:", within: .seconds(30))
    }

    /// Waits until unit `unit` answers through `client` (pymodbus opens a pty some time after it starts).
    func waitUntilAnswering(_ client: any ModbusClient, unit: ModbusUnitID = 1) async throws {
        let answered = try await waitUntil(.seconds(30), every: .milliseconds(100)) {
            guard process.isRunning else { throw TestKitError("encoded_server.py exited:\n\(process.output)") }
            do {
                _ = try await client.readHoldingRegisters(unit: unit, address: 0, count: 1, timeout: .milliseconds(300))
                return true
            } catch {
                return false
            }
        }
        guard answered else { throw TestKitError("encoded_server.py did not answer:\n\(process.output)") }
    }

    func stop() {
        process.signal(SIGKILL)
        try? FileManager.default.removeItem(at: folder)
    }
}

/// A sink that keeps what a device published.
actor RecordingSink: DeviceSink {
    private(set) var telemetry: [(stream: String, values: [String: JSONValue])] = []
    private(set) var events: [(name: String, values: [String: JSONValue])] = []
    private(set) var states: [[String: JSONValue]] = []

    func telemetry(_ stream: String, _ values: [String: JSONValue]) async { telemetry.append((stream, values)) }
    func event(_ name: String, _ values: [String: JSONValue]) async { events.append((name, values)) }
    func state(_ values: [String: JSONValue]) async { states.append(values) }

    func last(_ stream: String) -> [String: JSONValue]? { telemetry.last { $0.stream == stream }?.values }
    func count(_ stream: String) -> Int { telemetry.filter { $0.stream == stream }.count }
}
