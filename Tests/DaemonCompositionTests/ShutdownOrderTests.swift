import CurbsideTestKit
import Foundation
import Locking
import ServiceLifecycle
import Testing

@testable import DaemonComposition

@Suite("Daemon composition: one shutdown order", .serialized, .timeLimit(.minutes(3)))
struct ShutdownOrderTests {
    func actuate(_ broker: MosquittoBroker, _ prefix: String, _ tag: String) async throws {
        _ = try await ToolRun.run(
            "mosquitto_pub",
            [
                "-p", "\(broker.port)", "-t", "\(prefix)/cmd/actuate", "-m",
                #"{"id":""# + tag + #"","args":{"tag":""# + tag + #""}}"#,
            ])
    }

    static func writeConfig(brokerPort: Int, extra: String = "") throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "daemon-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let boards = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Boards/sim.yaml")
        let file = directory.appendingPathComponent("daemon.yaml")
        try """
        identity: {site: t-site, kind: test, device: stop}
        mqtt: {url: "mqtt://127.0.0.1:\(brokerPort)", reconnect_min_ms: 200, reconnect_max_ms: 1000}
        board: \(boards.path)
        hal: {backend: rig, rig_socket: /tmp/curb-rig-unused.sock}
        state_dir: \(directory.path)/state
        device: {hardware: lineA, level: 1}
        \(extra)
        """.write(to: file, atomically: true, encoding: .utf8)
        return file
    }

    @Test("a command running or arriving during shutdown never acts after the safe state")
    func commandDuringShutdown() async throws {
        let running = try await RunningDaemon.start()
        let (broker, prefix, results, daemon) = (running.broker, running.prefix, running.results, running.task)

        // One command in flight (its write takes 300 ms), then the stop, then commands every 20 ms until one is
        // refused: from then on the daemon takes none. Where the stop lands among them is the machine's business;
        // what is checked is the order of what ran. The stop's last step waits until a refusal was seen, not 500 ms
        // that a loaded machine could spend before the first of these commands is out.
        try await actuate(broker, prefix, "1")
        #expect(await TestDaemon.log.waitFor("begin 1"))
        await TestDaemon.log.holdStop(until: "refusal seen")
        try await running.stop()
        var refused: Int?
        for attempt in 2..<200 where refused == nil {
            try await actuate(broker, prefix, "\(attempt)")
            try await Task.sleep(for: .milliseconds(20))
            let lines = results.output.split(separator: "\n")
            refused = (2...attempt).first { id in
                lines.contains { $0.contains(#""id":"\#(id)""#) && $0.contains(#""reason":"shutting-down""#) }
            }
        }
        await TestDaemon.log.add("refusal seen")
        try await daemon.value
        results.signal(SIGTERM)
        _ = await results.wait(timeout: .seconds(5))

        let firstRefused = try #require(refused, "no command was refused during the stop: \(results.output)")
        let entries = await TestDaemon.log.entries
        // Safe first of all, then started; the stop's safe state comes after every actuation.
        #expect(Array(entries.prefix(2)) == ["safe", "started"], "\(entries)")
        let safe = try #require(entries.lastIndex(of: "safe"), "\(entries)")
        #expect(
            entries.firstIndex(of: "end 1").map { $0 < safe } == true,
            "in-flight write after the safe state: \(entries)")
        #expect(!entries[safe...].contains { $0.hasPrefix("begin") || $0.hasPrefix("end") }, "\(entries)")
        #expect(entries.last == "stopped", "\(entries)")
        // Once one command was refused, no later one ran.
        #expect(
            !entries.contains { entry in
                guard entry.hasPrefix("begin "), let id = Int(entry.dropFirst(6)) else { return false }
                return id >= firstRefused
            }, "\(entries)")
        await broker.stop()
    }

    @Test("more commands than commands.max_concurrent at once: the extra one is answered busy, never run")
    func busyCommands() async throws {
        let running = try await RunningDaemon.start(extra: "commands: {max_concurrent: 1}", results: 2)
        let (broker, prefix, results, daemon) = (running.broker, running.prefix, running.results, running.task)
        try await actuate(broker, prefix, "a")
        #expect(await TestDaemon.log.waitFor("begin a"))
        try await actuate(broker, prefix, "b")
        _ = await results.wait(timeout: .seconds(60))
        let lines = results.output.split(separator: "\n")
        let second = lines.first { $0.contains(#""id":"b""#) }
        #expect(second?.contains(#""reason":"busy""#) == true, "\(results.output)")
        #expect(lines.first { $0.contains(#""id":"a""#) }?.contains(#""status":"accepted""#) == true)
        #expect(await !TestDaemon.log.entries.contains("begin b"))
        try await running.stop()
        try await daemon.value
        await broker.stop()
    }
}

/// The test daemon run in this process against a fresh broker, online, with a subscriber to its command results that
/// is active before this returns.
struct RunningDaemon {
    final class GroupBox: Sendable {
        let group = Lock<ServiceGroup?>(nil)
    }

    let broker: MosquittoBroker
    let prefix = "curb/v1/t-site/test/stop"
    let box: GroupBox
    let task: Task<Void, any Error>
    let results: SpawnedProcess

    static func start(extra: String = "", results count: Int? = nil) async throws -> RunningDaemon {
        await TestDaemon.log.clear()
        let broker = try MosquittoBroker()
        try await broker.start()
        let file = try ShutdownOrderTests.writeConfig(brokerPort: broker.port, extra: extra)
        let box = GroupBox()
        let task = Task {
            try await DaemonRunner<TestDaemon>.run(
                configFile: file.path, checkOnly: false, shutdownSignals: [],
                started: { started in box.group.withLock { $0 = started } })
        }
        let prefix = "curb/v1/t-site/test/stop"
        let online = try await broker.read("\(prefix)/status") { $0.contains(#""state":"online""#) }
        #expect(online.contains(#""state":"online""#), "\(online)")
        let results = try await broker.subscriber(["\(prefix)/cmd/+/result"], count: count)
        return RunningDaemon(broker: broker, box: box, task: task, results: results)
    }

    /// Starts the graceful stop, as SIGTERM would.
    func stop() async throws {
        let group = try #require(box.group.withLock { $0 })
        await group.triggerGracefulShutdown()
    }
}
