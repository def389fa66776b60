import CurbsideTestKit
import Foundation
import Testing

/// Files nested 20 000 levels deep (which overflowed the parser's stack) are refused in one line by every loader:
/// the daemons' configuration, board files and rig files, each checked through the built executables.
@Suite("Deeply nested YAML", .timeLimit(.minutes(1)))
struct DeepNestingTests {
    static let levels = 20_000
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
        "curb-deep-\(UUID().uuidString.prefix(8))")

    /// Two harmless lines, then `a: [[[…]]]` on line 3.
    static let flow =
        "identity: {site: s, kind: k, device: d}\n# flow\na: " + String(repeating: "[", count: levels)
        + String(repeating: "]", count: levels) + "\n"
    /// Block sequences, one inside the other, on line 3: `- - - … 1`.
    static let block = "board: deep\nx:\n" + String(repeating: "- ", count: levels) + "1\n"

    func write(_ name: String, _ text: String) throws -> String {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let file = folder.appendingPathComponent(name)
        try text.write(to: file, atomically: true, encoding: .utf8)
        return file.path
    }

    @Test("--check-config of a daemon exits 1 with one line", arguments: ["streetlightd", "vibrationd"])
    func daemonConfiguration(daemon: String) async throws {
        let file = try write("deep.yaml", Self.flow)
        let result = try await ToolRun.run(
            try ExecutableLookup.builtProduct(daemon), ["--config", file, "--check-config"])
        #expect(result.status == 1, "\(result.output.prefix(500))")
        #expect(result.output == "\(file): nesting deeper than 64 levels at line 3\n", "\(result.output.prefix(500))")
    }

    @Test("curb-rig check refuses a deep rig file and a rig file naming a deep board file")
    func rigAndBoardFiles() async throws {
        let rig = try ExecutableLookup.builtProduct("curb-rig")
        let deepRig = try write("deep-rig.yaml", Self.flow)
        let rigResult = try await ToolRun.run(rig, ["check", deepRig])
        #expect(rigResult.status == 1, "\(rigResult.output.prefix(500))")
        #expect(rigResult.output == "\(deepRig): nesting deeper than 64 levels at line 3\n")

        let board = try write("deep.yaml", Self.block)
        let rigOnDeepBoard = try write("rig.yaml", "rig: deep-board\nboard: \(board)\n")
        let boardResult = try await ToolRun.run(rig, ["check", rigOnDeepBoard])
        #expect(boardResult.status == 1, "\(boardResult.output.prefix(500))")
        #expect(boardResult.output == "\(board): nesting deeper than 64 levels at line 3\n")
    }
}
