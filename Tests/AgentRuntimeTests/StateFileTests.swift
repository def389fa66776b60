import AgentRuntime
import ConfigSupport
import Foundation
import Testing
import Yams

/// State files are never reached through a symbolic link: one planted by anyone who can write the state directory
/// makes the write or read fail with a clear error, and the file it points to stays untouched.
@Suite("State files and symbolic links")
struct StateFileTests {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
        "curb-links-\(UUID().uuidString.prefix(8))")

    /// A file outside the state directory that a planted link points to, and its contents.
    func victim() throws -> (path: String, contents: String) {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let path = folder.appendingPathComponent("victim.txt").path
        let contents = #"{"revision":9,"config":{"device":{}}}"#
        try contents.write(toFile: path, atomically: false, encoding: .utf8)
        return (path, contents)
    }

    func stateDirectory() throws -> String {
        let path = folder.appendingPathComponent("state").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    func isLinkRefusal(_ error: any Error, _ path: String) -> Bool {
        guard let failure = error as? AtomicFile.Failure else { return false }
        return failure.errno == ELOOP && failure.path == path
            && failure.description.contains("is a symbolic link; state files are not followed through links")
    }

    @Test("a link at the target: the write fails with ELOOP and the link's target is untouched")
    func linkAtTheTarget() throws {
        let (victim, contents) = try victim()
        let target = try stateDirectory() + "/applied-config.json"
        try FileManager.default.createSymbolicLink(atPath: target, withDestinationPath: victim)
        #expect { try AtomicFile.write(Array("new".utf8), to: target) } throws: { isLinkRefusal($0, target) }
        #expect(try String(contentsOfFile: victim, encoding: .utf8) == contents)
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: target) == victim)
        #expect { _ = try AtomicFile.read(target) } throws: { isLinkRefusal($0, target) }
    }

    @Test("a link at the old fixed temporary name is neither followed nor truncated: temporaries are new, O_EXCL")
    func linkAtTheTemporaryName() throws {
        let (victim, contents) = try victim()
        let target = try stateDirectory() + "/lamp-counters.json"
        try FileManager.default.createSymbolicLink(
            atPath: target + AtomicFile.temporarySuffix, withDestinationPath: victim)
        try AtomicFile.write(Array("new".utf8), to: target)
        #expect(try String(contentsOfFile: victim, encoding: .utf8) == contents)
        #expect(try AtomicFile.read(target) == Array("new".utf8))
        // The leftover link went with the write, the file it pointed to did not.
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: (target as NSString).deletingLastPathComponent) == [
                "lamp-counters.json"
            ])
    }

    final class Probe: RemotelyConfigurable {
        func read(_ reader: inout NodeReader, _ node: Node?, at path: JSONPath) -> Int? {
            node.flatMap { reader.integer($0, at: path, in: 0...1000) }
        }
        func apply(_ settings: Int) async throws {}
        func isHealthy() async -> Bool { true }
    }

    @Test("applied-config.json as a link: not restored from, and a new revision is rolled back saying why")
    func appliedConfigurationLink() async throws {
        let (victim, contents) = try victim()
        let state = try stateDirectory()
        try FileManager.default.createSymbolicLink(atPath: state + "/applied-config.json", withDestinationPath: victim)
        let configurator = RemoteConfigurator(
            device: Probe(), baseline: 0, stateDirectory: state, healthWindow: .zero)
        let problems = await configurator.restore()
        #expect(problems.count == 1 && problems[0].contains("applied-config.json open: is a symbolic link"))
        #expect(await configurator.activeRevision == 0)
        let report = await configurator.handleDesired(Array(#"{"revision":3,"config":{"device":7}}"#.utf8))
        #expect(report.status == .rolledBack)
        #expect(report.errors?.contains { $0.contains("applied-config.json replace: is a symbolic link") } == true)
        #expect(try String(contentsOfFile: victim, encoding: .utf8) == contents)
    }

    @Test("refused-revisions.json as a link: not read, and the restore says so")
    func refusedRevisionsLink() async throws {
        let (victim, _) = try victim()
        let state = try stateDirectory()
        try #"{"refused":[{"errors":["x"],"revision":4,"status":"rejected"}]}"#.write(
            toFile: victim, atomically: false, encoding: .utf8)
        try FileManager.default.createSymbolicLink(
            atPath: state + "/refused-revisions.json", withDestinationPath: victim)
        let configurator = RemoteConfigurator(
            device: Probe(), baseline: 0, stateDirectory: state, healthWindow: .zero)
        let problems = await configurator.restore()
        #expect(problems.contains { $0.contains("refused-revisions.json open: is a symbolic link") }, "\(problems)")
        // Not remembered from the link's target: revision 4 is handled, not ignored.
        #expect(
            await configurator.handleDesired(Array(#"{"revision":4,"config":{"device":7}}"#.utf8)).status != .ignored)
    }
}
