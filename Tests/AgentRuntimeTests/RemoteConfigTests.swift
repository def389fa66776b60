import AgentRuntime
import ConfigSupport
import CurbsideTestKit
import Foundation
import Locking
import Synchronization
import Testing
import Yams

/// Remote configuration end to end: an operator's retained `config/desired` against the real daemon.
@Suite("Remote configuration", .serialized, .timeLimit(.minutes(3)))
struct RemoteConfigTests {
    let device = "remote"
    var prefix: String { AgentProcess.prefix(device) }

    func startAgent(_ broker: MosquittoBroker) throws -> AgentProcess {
        try AgentProcess.start(
            device: device, brokerPort: broker.port,
            extra: "health: {config_window_ms: 300}\ndevice: {heartbeat_s: 1}")
    }

    func desire(_ broker: MosquittoBroker, _ json: String) async throws {
        let sent = try await ToolRun.run(
            "mosquitto_pub", ["-p", "\(broker.port)", "-q", "1", "-r", "-t", "\(prefix)/config/desired", "-m", json])
        #expect(sent.status == 0, "\(sent.output)")
    }

    /// Waits for the report about `revision`.
    func report(_ broker: MosquittoBroker, revision: Int) async throws -> [String: Any] {
        let report = try await broker.readObject("\(prefix)/config/reported") { $0["revision"] as? Int == revision }
        guard let report else { throw TestKitError("no config/reported for revision \(revision)") }
        return report
    }

    /// The configuration revision in the retained birth once it says online and `accept` takes its revision.
    func birthRevision(_ broker: MosquittoBroker, until accept: (Int?) -> Bool = { _ in true }) async throws
        -> Int?
    {
        let status = try await broker.readObject("\(prefix)/status") {
            $0["state"] as? String == "online" && accept($0["config_revision"] as? Int)
        }
        return status?["config_revision"] as? Int
    }

    @Test(
        "applied, persisted and reported; invalid rejected with paths; unhealthy rolled back; old ignored; kept across restart"
    )
    func lifecycle() async throws {
        let broker = try MosquittoBroker()
        try await broker.start()
        var agent = try startAgent(broker)
        #expect(try await birthRevision(broker) == 0)

        try await desire(broker, #"{"revision":5,"config":{"device":{"heartbeat_s":2}}}"#)
        let applied = try await report(broker, revision: 5)
        #expect(applied["status"] as? String == "applied", "\(applied)")
        #expect(applied["active_revision"] as? Int == 5)
        let persisted = agent.directory.appendingPathComponent("state/applied-config.json")
        let stored = try JSONDecoder().decode(AppliedConfiguration.self, from: Data(contentsOf: persisted))
        #expect(stored.revision == 5)
        #expect(stored.config == ["device": ["heartbeat_s": 2]])

        try await desire(
            broker, #"{"revision":6,"config":{"device":{"heartbeat_s":"fast","colour":"red"},"mqtt":{"url":"x"}}}"#)
        let rejected = try await report(broker, revision: 6)
        #expect(rejected["status"] as? String == "rejected")
        #expect(rejected["active_revision"] as? Int == 5)
        let errors = rejected["errors"] as? [String] ?? []
        #expect(errors.contains(#"$.config.device.heartbeat_s: expected integer 1…86400 s, got "fast""#), "\(errors)")
        #expect(errors.contains { $0.hasPrefix("$.config.device.colour: expected a key of") }, "\(errors)")
        #expect(errors.contains { $0.hasPrefix("$.config.mqtt: not remotely configurable") }, "\(errors)")

        try await desire(broker, #"{"revision":7,"config":{"device":{"heartbeat_s":1,"simulate_unhealthy":true}}}"#)
        let rolledBack = try await report(broker, revision: 7)
        #expect(rolledBack["status"] as? String == "rolled-back", "\(rolledBack)")
        #expect(rolledBack["active_revision"] as? Int == 5)
        #expect(try JSONDecoder().decode(AppliedConfiguration.self, from: Data(contentsOf: persisted)).revision == 5)

        try await desire(broker, #"{"revision":4,"config":{"device":{"heartbeat_s":9}}}"#)
        let ignored = try await report(broker, revision: 4)
        #expect(ignored["status"] as? String == "ignored")
        #expect(ignored["active_revision"] as? Int == 5)

        // Restart: the applied revision comes back from disk and the birth document says so.
        agent.process.signal(SIGTERM)
        #expect(await agent.process.wait(timeout: .seconds(30)) == 0)
        agent = try AgentProcess(configFile: agent.configFile, directory: agent.directory)
        let revision = try await birthRevision(broker) { $0 == 5 }
        #expect(revision == 5, "\(agent.process.output)")
        await agent.process.stop()
    }

    @Test("a rolled-back revision left retained is not tried again after a restart: ignored, with the reason kept")
    func refusedAcrossRestart() async throws {
        let broker = try MosquittoBroker()
        try await broker.start()
        var agent = try startAgent(broker)
        #expect(try await birthRevision(broker) == 0)
        try await desire(broker, #"{"revision":3,"config":{"device":{"heartbeat_s":1,"simulate_unhealthy":true}}}"#)
        #expect(try await report(broker, revision: 3)["status"] as? String == "rolled-back")

        agent.process.signal(SIGTERM)
        #expect(await agent.process.wait(timeout: .seconds(30)) == 0)
        agent = try AgentProcess(configFile: agent.configFile, directory: agent.directory)
        let last =
            try await broker.readObject("\(prefix)/config/reported") { $0["status"] as? String == "ignored" } ?? [:]
        #expect(last["status"] as? String == "ignored", "\(last)\n\(agent.process.output)")
        let errors = last["errors"] as? [String] ?? []
        #expect(errors.first == "$.revision: 3 was rolled-back before; send a new revision to try again", "\(errors)")
        #expect(errors.dropFirst().first?.hasPrefix("health check failed") == true, "\(errors)")
        await agent.process.stop()
    }
}

/// A crash while persisting leaves the old file or the new one.
@Suite("Atomic persistence")
struct AtomicPersistenceTests {
    final class Probe: RemotelyConfigurable {
        func read(_ reader: inout NodeReader, _ node: Node?, at path: JSONPath) -> Int? { 1 }
        func apply(_ settings: Int) async throws {}
        func isHealthy() async -> Bool { true }
    }

    @Test("a leftover temporary file (a write cut short before rename) does not affect what is restored")
    func tornWriteIsInvisible() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
            "curb-atomic-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let target = folder.appendingPathComponent("applied-config.json").path
        try AtomicFile.write(Array(#"{"config":{"device":{}},"revision":3}"#.utf8), to: target)
        // What a crash between write and rename leaves behind: half a document under the temporary name.
        try Data(#"{"config":{"dev"#.utf8).write(to: URL(fileURLWithPath: target + AtomicFile.temporarySuffix))
        let configurator = RemoteConfigurator(
            device: Probe(), baseline: 0, stateDirectory: folder.path, healthWindow: .zero)
        #expect(await configurator.restore().isEmpty)
        #expect(await configurator.activeRevision == 3)
        // The next write replaces the leftover cleanly.
        try AtomicFile.write(Array(#"{"config":{},"revision":4}"#.utf8), to: target)
        #expect(try String(contentsOfFile: target, encoding: .utf8) == #"{"config":{},"revision":4}"#)
        #expect(!FileManager.default.fileExists(atPath: target + AtomicFile.temporarySuffix))
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["applied-config.json"])
    }

    @Test("a write into a missing folder fails with the path and errno, and leaves nothing behind")
    func failureNamesThePath() {
        #expect {
            try AtomicFile.write([1, 2, 3], to: "/nonexistent-curb/state/x.json")
        } throws: { error in
            let description = (error as? AtomicFile.Failure)?.description ?? ""
            return description.hasPrefix("/nonexistent-curb/state/x.json.tmp-write.")
                && description.hasSuffix(" create: No such file or directory (errno 2)")
        }
    }
}

/// Refused revisions and the way back from a too-high revision, on the configurator itself, across restarts (a new
/// configurator on the same state directory, as a restarted daemon makes).
@Suite("Refused revisions")
struct RefusedRevisionTests {
    /// Settings are one integer; 13 applies but is unhealthy, a negative number does not validate.
    final class Probe: RemotelyConfigurable {
        private let log = Lock<[Int]>([])
        var applied: [Int] { log.withLock { $0 } }

        func read(_ reader: inout NodeReader, _ node: Node?, at path: JSONPath) -> Int? {
            node.flatMap { reader.integer($0, at: path, in: 0...1000) }
        }
        func apply(_ settings: Int) async throws { log.withLock { $0.append(settings) } }
        func isHealthy() async -> Bool { log.withLock { $0.last != 13 } }
    }

    let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
        "curb-refused-\(UUID().uuidString.prefix(8))")

    func configurator(_ probe: Probe) throws -> RemoteConfigurator<Probe> {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return RemoteConfigurator(
            device: probe, baseline: 0, stateDirectory: folder.path, healthWindow: .zero, maxPayloadBytes: 4096)
    }

    func desired(_ revision: Int, _ value: Int, reset: Bool? = nil) -> [UInt8] {
        Array(
            #"{"revision":\#(revision),"config":{"device":\#(value)}\#(reset.map { #","reset":\#($0)"# } ?? "")}"#.utf8)
    }

    @Test("rolled-back and rejected revisions delivered again are ignored, not applied again, across a restart")
    func refusedStayRefused() async throws {
        let probe = Probe()
        var configurator = try configurator(probe)
        #expect(await configurator.handleDesired(desired(5, 2)).status == .applied)
        #expect(await configurator.handleDesired(desired(6, 13)).status == .rolledBack)
        #expect(await configurator.handleDesired(desired(7, -1)).status == .rejected)
        #expect(probe.applied == [2, 13, 2])

        let again = await configurator.handleDesired(desired(6, 13))
        #expect(again.status == .ignored)
        #expect(
            again.errors == [
                "$.revision: 6 was rolled-back before; send a new revision to try again",
                "health check failed within 0.0 seconds; revision 5 restored",
            ])
        #expect(await configurator.handleDesired(desired(7, -1)).status == .ignored)
        #expect(probe.applied == [2, 13, 2])

        let restarted = Probe()
        configurator = try self.configurator(restarted)
        #expect(await configurator.restore().isEmpty)
        #expect(restarted.applied == [2])
        #expect(await configurator.handleDesired(desired(6, 13)).status == .ignored)
        #expect(await configurator.handleDesired(desired(7, -1)).status == .ignored)
        #expect(restarted.applied == [2])
        // A new revision is tried as usual.
        #expect(await configurator.handleDesired(desired(8, 3)).status == .applied)
        #expect(await configurator.activeRevision == 8)
    }

    @Test("an oversized config/desired is rejected unread")
    func oversized() async throws {
        let probe = Probe()
        let configurator = try configurator(probe)
        let padding = String(repeating: " ", count: 5000)
        let report = await configurator.handleDesired(Array(#"{"revision":2,\#(padding)"config":{"device":1}}"#.utf8))
        #expect(report.status == .rejected)
        #expect(report.errors == ["$: payload is 5036 bytes, limit 4096"])
        #expect(probe.applied.isEmpty)
    }

    /// The deep payloads of the `commands` fuzz target reach this decoder too: at fcdcfdb a 400-deep document was
    /// decoded (seconds of CPU in a debug build) before it was judged.
    @Test("a config/desired nested deeper than 64 levels is rejected unread")
    func tooDeep() async throws {
        let probe = Probe()
        let configurator = try configurator(probe)
        let deep = String(repeating: "[", count: 400) + String(repeating: "]", count: 400)
        let report = await configurator.handleDesired(Array(#"{"revision":2,"config":{"device":1},"x":\#(deep)}"#.utf8))
        #expect(report.status == .rejected)
        #expect(report.errors == ["$: nests deeper than 64 levels"])
        #expect(probe.applied.isEmpty)
    }

    @Test("a too-high revision locks out normal ones until a reset document, which survives a restart")
    func resetFromTooHighRevision() async throws {
        let probe = Probe()
        var configurator = try configurator(probe)
        #expect(await configurator.handleDesired(desired(8_999_999_999_999_999, 4)).status == .applied)
        #expect(await configurator.handleDesired(desired(12, 5)).status == .ignored)
        #expect(await configurator.handleDesired(desired(8_999_999_999_999_999, 4, reset: true)).status == .ignored)
        #expect(await configurator.handleDesired(desired(20, 13, reset: true)).status == .rolledBack)
        #expect(await configurator.activeRevision == 8_999_999_999_999_999)
        #expect(await configurator.handleDesired(desired(20, 13, reset: true)).status == .ignored)
        let reset = await configurator.handleDesired(desired(12, 6, reset: true))
        #expect(reset.status == .applied, "\(reset)")
        #expect(reset.activeRevision == 12)
        #expect(await configurator.handleDesired(desired(11, 7)).status == .ignored)
        #expect(await configurator.handleDesired(desired(13, 13)).status == .rolledBack)
        // The reset forgot what was refused before it: revision 20 may be used again.
        #expect(await configurator.handleDesired(desired(20, 9)).status == .applied)
        #expect(probe.applied == [4, 13, 4, 6, 13, 6, 9])

        let restarted = Probe()
        configurator = try self.configurator(restarted)
        #expect(await configurator.restore().isEmpty)
        #expect(await configurator.activeRevision == 20)
        #expect(restarted.applied == [9])
        #expect(await configurator.handleDesired(desired(21, 8)).status == .applied)
        #expect(restarted.applied == [9, 8])
    }

    @Test("reset must be a boolean")
    func resetType() async throws {
        let configurator = try configurator(Probe())
        let report = await configurator.handleDesired(
            Array(#"{"revision":3,"config":{"device":1},"reset":"yes"}"#.utf8))
        #expect(report.status == .rejected)
        #expect(report.errors == [#"$.reset: expected boolean, got "yes""#])
    }
}
