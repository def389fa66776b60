import AgentRuntime
import CurbsideTestKit
import Foundation
import Glibc
import HAL
import Locking
import MQTTTransport

/// Measures the agent runtime on loopback and reports each figure as a ratio against a baseline measured in the
/// same run (never as a pass/fail timing):
/// - command round trip (MQTT 5 request → `ping` → result on the response topic) vs a bare echo client built on the
///   same transport (what the runtime's router, JSON and actor hops cost on top of MQTT itself);
/// - resident memory of an idle `curb-agent` vs an idle `mosquitto_sub` (a small C client);
/// - the outbox: durable appends vs a raw write + fsync, and the drain of a queue left by a broker outage vs a bare
///   client publishing as many QoS 1 messages.
///
/// `agent-bench [--quick]`: `--quick` runs one short iteration (what `make test` checks). The last line of output is
/// `json: {…}` with every figure, for Benchmarks/bench.
@main
struct AgentBench {
    static let quick = CommandLine.arguments.contains("--quick")
    static let rounds = quick ? 20 : 400

    static func main() async throws {
        var figures: [String: Double] = [:]
        try await outboxAppendRate(into: &figures)
        try await outboxDrain(into: &figures)
        let broker = try MosquittoBroker(persistence: false)
        try await broker.start()
        let requester = try client(broker, "bench-requester")
        let events = EventQueue(requester)
        requester.start()
        try await events.waitConnected()
        try requester.subscribe("bench/replies/#")

        // Baseline: an echo client on the same transport.
        let echo = try client(broker, "bench-echo")
        let echoEvents = echo.events
        echo.start()
        let echoTask = Task {
            for await event in echoEvents {
                switch event {
                case .connected: _ = try? echo.subscribe("bench/echo")
                case .message(let message):
                    if let topic = message.responseTopic {
                        _ = try? echo.publish(
                            MQTTMessage(
                                topic: topic, payload: message.payload, correlationData: message.correlationData))
                    }
                default: break
                }
            }
        }
        try await Task.sleep(for: .milliseconds(300))
        let baseline = try await roundTrips(requester, events, topic: "bench/echo", count: rounds)
        echoTask.cancel()
        echo.disconnect()

        // The agent.
        let agent = try startAgent(broker)
        try await Task.sleep(for: .seconds(1))
        let agentTimes = try await roundTrips(
            requester, events, topic: "curb/v1/bench/example/bench-01/cmd/ping", count: rounds)

        // Idle memory after a few quiet seconds.
        try await Task.sleep(for: .seconds(3))
        let agentRSS = residentKiB(agent.processIdentifier)
        let sub = try SpawnedProcess("mosquitto_sub", ["-p", "\(broker.port)", "-t", "bench/idle"])
        try await Task.sleep(for: .seconds(1))
        let subRSS = residentKiB(sub.processIdentifier)
        await sub.stop()
        await agent.stop()
        requester.disconnect()

        let base50 = percentile(baseline, 0.5), agent50 = percentile(agentTimes, 0.5)
        let base99 = percentile(baseline, 0.99), agent99 = percentile(agentTimes, 0.99)
        print("agent-bench: \(rounds) sequential round trips on loopback (MQTT 5, QoS 1)")
        print(String(format: "  bare echo (baseline)   p50 %7.3f ms   p99 %7.3f ms", base50 * 1000, base99 * 1000))
        print(String(format: "  curb-agent ping        p50 %7.3f ms   p99 %7.3f ms", agent50 * 1000, agent99 * 1000))
        print(String(format: "  ratio agent/baseline   p50 %7.2f x    p99 %7.2f x", agent50 / base50, agent99 / base99))
        print(
            "  idle RSS: curb-agent \(agentRSS) KiB, mosquitto_sub \(subRSS) KiB, ratio "
                + String(format: "%.2f x", Double(agentRSS) / Double(max(subRSS, 1))) + " (VmRSS from /proc/PID/status)"
        )
        figures["rtt_baseline_p50_ms"] = base50 * 1000
        figures["rtt_baseline_p99_ms"] = base99 * 1000
        figures["rtt_agent_p50_ms"] = agent50 * 1000
        figures["rtt_agent_p99_ms"] = agent99 * 1000
        figures["idle_rss_agent_kib"] = Double(agentRSS)
        figures["idle_rss_mosquitto_sub_kib"] = Double(subRSS)
        let json = figures.sorted { $0.key < $1.key }.map { "\"\($0.key)\": \($0.value)" }.joined(separator: ", ")
        print("json: {\(json)}")
    }

    /// Durable appends (record framing, JSON, CRC, write, fsync) vs the floor: a raw write + fsync of the same
    /// number of bytes to a file in the same folder.
    static func outboxAppendRate(into figures: inout [String: Double]) async throws {
        let count = quick ? 100 : 2000
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
            "curb-bench-outbox-\(UUID().uuidString.prefix(6))"
        ).path
        let outbox = try FileOutbox(directory: folder)
        let payload = [UInt8](repeating: UInt8(ascii: "x"), count: 200)
        let start = ContinuousClock.now
        for _ in 0..<count {
            try await outbox.append(stream: "event/bench", topic: "bench/event") { _ in payload }
        }
        let outboxTime = ContinuousClock.now - start
        let fd = open(folder + "/raw.log", O_WRONLY | O_CREAT | O_APPEND, 0o600)
        let record = [UInt8](repeating: 0x78, count: 330)  // about the size of one framed outbox record
        let rawStart = ContinuousClock.now
        for _ in 0..<count {
            _ = record.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            fsync(fd)
        }
        let rawTime = ContinuousClock.now - rawStart
        close(fd)
        func rate(_ d: Duration) -> Double {
            Double(count) / d.totalSeconds
        }
        print("agent-bench: outbox, \(count) durable appends of 200-byte events (fsync each)")
        print(String(format: "  raw write+fsync (baseline) %9.0f /s", rate(rawTime)))
        print(
            String(
                format: "  FileOutbox.append          %9.0f /s   ratio %.2f x the baseline's time", rate(outboxTime),
                outboxTime.totalSeconds > 0
                    ? rate(rawTime) / rate(outboxTime) : 0))
        figures["outbox_append_per_s"] = rate(outboxTime)
        figures["raw_fsync_append_per_s"] = rate(rawTime)
    }

    /// The drain after a broker outage: `count` events queued in a session's outbox while it has no connection, then
    /// it connects and a subscriber counts them arriving (first to last). The session's drain pacing (200/s
    /// in the daemons) is lifted so that the runtime's own ceiling is what is measured. Filling 100 000 fsynced
    /// appends on this machine's disk would take minutes, so the queue is filled on tmpfs; it drains from tmpfs (the
    /// runtime's cost) and, for a smaller queue, from the disk (where each acknowledgement's fsync is the cost).
    /// Baseline: a bare client on the same transport publishing the same number of QoS 1 messages.
    static func outboxDrain(into figures: inout [String: Double]) async throws {
        let big = quick ? 500 : 100_000
        let small = quick ? 100 : 2_000
        let memory = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
        let bare = try await bareQoS1Rate(count: big)
        let tmpfs = try await drainRate(count: big, folder: memory)
        let disk = try await drainRate(count: small, folder: NSTemporaryDirectory())
        print("agent-bench: outbox drain after a broker outage (QoS 1, pacing lifted)")
        print(String(format: "  bare client, %6d QoS 1 publishes   %9.0f /s   (baseline)", big, bare))
        for (label, queued, rates) in [("tmpfs", big, tmpfs), ("disk ", small, disk)] {
            print(
                String(
                    format: "  drain of %6d queued, on \(label): delivered %9.0f /s (ratio %.2f x), emptied %9.0f /s",
                    queued, rates.delivered, rates.delivered / bare, rates.emptied))
        }
        figures["drain_queued"] = Double(big)
        figures["drain_tmpfs_per_s"] = tmpfs.delivered
        figures["drain_tmpfs_emptied_per_s"] = tmpfs.emptied
        figures["drain_disk_emptied_per_s"] = disk.emptied
        figures["drain_disk_queued"] = Double(small)
        figures["drain_disk_per_s"] = disk.delivered
        figures["bare_qos1_publish_per_s"] = bare
    }

    /// mosquitto keeps at most 1 000 QoS 1 messages queued for a slow subscriber by default and drops the rest, which
    /// would be counted as the drain's loss: the drain benchmarks lift that limit.
    static let unboundedQueues = ["max_queued_messages 0"]

    /// Messages per second arriving at the subscriber, and entries per second from connecting to an empty outbox.
    static func drainRate(count: Int, folder: String) async throws -> (delivered: Double, emptied: Double) {
        let directory = folder + "/curb-bench-drain-\(UUID().uuidString.prefix(6))"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let outbox = try FileOutbox(directory: directory)
        let broker = try MosquittoBroker(extraConfiguration: unboundedQueues, persistence: false)
        let identity = "bench-drain-\(UUID().uuidString.prefix(6))"
        let yaml = """
            identity: {site: bench, kind: example, device: \(identity)}
            mqtt: {url: "\(broker.url)", reconnect_min_ms: 100, reconnect_max_ms: 200}
            board: sim.yaml
            hal: {backend: rig, rig_socket: /tmp/unused.sock}
            state_dir: \(directory)
            """
        let (configuration, _) = try AgentConfiguration.parse(yaml: yaml) { _, _, _ in () }
        let session = try AgentSession(
            configuration: configuration,
            birth: .init(agent: "agent-bench", version: "0", board: "sim", configRevision: 0, bootTime: Date()),
            outbox: outbox, drainRatePerSecond: 1e9)
        // The outage: the session is not connected while the events are accepted (it is started once the counter
        // listens, so that none is delivered before anyone subscribed).
        // The entries go straight into the outbox, as `publishEvent` puts them there (100 000 `publishEvent` calls on
        // an unconnected session stopped progressing after about 20 000 in one run here; not yet explained).
        let topic = "curb/v1/bench/example/\(identity)/event/bench"
        for index in 0..<count {
            try await outbox.append(stream: "event/bench", topic: topic) { seq in
                Array(#"{"n":\#(index),"seq":\#(seq),"ts":"2026-01-01T00:00:00.000Z"}"#.utf8)
            }
        }
        try await broker.start()
        let counter = try DeliveryCounter(url: broker.url, topic: "curb/v1/bench/example/\(identity)/event/#")
        try await counter.waitSubscribed()
        let started = ContinuousClock.now
        let running = Task { await session.run() }
        let rate = try await counter.rate(expecting: count)
        // Emptied: every entry's PUBACK recorded in the log (one fsync each), not only sent.
        while await outbox.stats.depth > 0 {
            guard ContinuousClock.now - started < .seconds(900) else { throw TestKitError("the outbox did not empty") }
            try await Task.sleep(for: .milliseconds(5))
        }
        let emptied = Double(count) / (ContinuousClock.now - started).totalSeconds
        await session.shutdown()
        running.cancel()
        counter.stop()
        await broker.stop()
        return (rate, emptied)
    }

    static func bareQoS1Rate(count: Int) async throws -> Double {
        let broker = try MosquittoBroker(extraConfiguration: unboundedQueues, persistence: false)
        try await broker.start()
        let counter = try DeliveryCounter(url: broker.url, topic: "bench/bare")
        try await counter.waitSubscribed()
        let publisher = try client(broker, "bench-bare-publisher")
        let events = EventQueue(publisher)
        publisher.start()
        try await events.waitConnected()
        let payload = Array(#"{"value":1,"seq":0,"ts":"2026-01-01T00:00:00.000Z"}"#.utf8)
        for _ in 0..<count {
            try publisher.publish(MQTTMessage(topic: "bench/bare", payload: payload, qos: .atLeastOnce))
        }
        let rate = try await counter.rate(expecting: count)
        publisher.disconnect()
        counter.stop()
        await broker.stop()
        return rate
    }

    static func client(_ broker: MosquittoBroker, _ id: String) throws -> MosquittoClient {
        try MosquittoClient(configuration: MQTTConfiguration(url: broker.url, clientID: id, cleanStart: true))
    }

    static func roundTrips(_ client: MosquittoClient, _ events: EventQueue, topic: String, count: Int) async throws
        -> [Double]
    {
        var times: [Double] = []
        for index in 0..<count {
            let correlation = Array("c\(index)-\(UUID().uuidString.prefix(6))".utf8)
            let start = ContinuousClock.now
            try client.publish(
                MQTTMessage(
                    topic: topic, payload: Array(#"{"id":"bench-\#(UUID().uuidString)"}"#.utf8),
                    responseTopic: "bench/replies/x", correlationData: correlation))
            try await events.waitReply(correlation)
            let elapsed = ContinuousClock.now - start
            times.append(elapsed.totalSeconds)
        }
        return times
    }

    static func percentile(_ values: [Double], _ p: Double) -> Double {
        let sorted = values.sorted()
        return sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]
    }

    static func residentKiB(_ pid: pid_t) -> Int {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") })
        else { return 0 }
        return Int(line.split(separator: " ").dropFirst().first ?? "0") ?? 0
    }

    static func startAgent(_ broker: MosquittoBroker) throws -> SpawnedProcess {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
            "curb-bench-\(UUID().uuidString.prefix(6))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let config = folder.appendingPathComponent("agent.yaml")
        try """
        identity: {site: bench, kind: example, device: bench-01}
        mqtt: {url: "\(broker.url)"}
        board: \(root.appendingPathComponent("Boards/sim.yaml").path)
        hal: {backend: rig, rig_socket: /tmp/unused.sock}
        state_dir: \(folder.path)/state
        device: {heartbeat_s: 3600}
        """.write(to: config, atomically: true, encoding: .utf8)
        let executable = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            .appendingPathComponent("curb-agent").path
        return try SpawnedProcess(executable, ["--config", config.path])
    }
}

/// Single consumer of a client's events; waits for CONNACK and for replies by correlation data.
actor EventQueue {
    private var replies: Set<[UInt8]> = []
    private var connected = false

    init(_ client: MosquittoClient) {
        let stream = client.events
        Task { for await event in stream { await self.record(event) } }
    }

    private func record(_ event: MQTTEvent) {
        switch event {
        case .connected: connected = true
        case .message(let message): if let correlation = message.correlationData { replies.insert(correlation) }
        default: break
        }
    }

    func waitConnected() async throws {
        while !connected { try await Task.sleep(for: .milliseconds(5)) }
    }

    func waitReply(_ correlation: [UInt8]) async throws {
        let deadline = ContinuousClock.now + .seconds(5)
        while replies.remove(correlation) == nil {
            guard ContinuousClock.now < deadline else { throw TestKitError("no reply within 5 s") }
            await Task.yield()
        }
    }
}

/// Counts the messages arriving on a topic filter (QoS 1) and the time from the first to the last.
final class DeliveryCounter: Sendable {
    let client: MosquittoClient
    /// Whether the subscription is in place, how many arrived, when the first and the last did.
    final class Tally: Sendable {
        typealias Counts = (
            subscribed: Bool, count: Int, first: ContinuousClock.Instant?, last: ContinuousClock.Instant?
        )
        let state = Lock<Counts>((false, 0, nil, nil))
    }
    let tally = Tally()
    let task: Task<Void, Never>

    init(url: String, topic: String) throws {
        let client = try MosquittoClient(
            configuration: MQTTConfiguration(url: url, clientID: "bench-counter-\(UUID().uuidString.prefix(6))"))
        self.client = client
        let events = client.events
        let tally = self.tally
        task = Task {
            for await event in events {
                switch event {
                case .connected: _ = try? client.subscribe(topic, qos: .atLeastOnce)
                case .subscribed: tally.state.withLock { $0.subscribed = true }
                case .message:
                    client.messageHandled()
                    let now = ContinuousClock.now
                    tally.state.withLock {
                        $0.count += 1
                        if $0.first == nil { $0.first = now }
                        $0.last = now
                    }
                default: break
                }
            }
        }
        client.start()
    }

    func waitSubscribed() async throws {
        let deadline = ContinuousClock.now + .seconds(10)
        while !tally.state.withLock({ $0.subscribed }) {
            guard ContinuousClock.now < deadline else { throw TestKitError("the counter did not subscribe in 10 s") }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    /// Messages per second from the first to the last of `expecting` (waits while they keep coming).
    func rate(expecting: Int) async throws -> Double {
        var seen = 0
        var quietSince = ContinuousClock.now
        while true {
            let (count, first, last) = tally.state.withLock { ($0.count, $0.first, $0.last) }
            if count >= expecting, let first, let last {
                return Double(count - 1) / max((last - first).totalSeconds, 1e-9)
            }
            if count != seen {
                seen = count
                quietSince = .now
            } else if ContinuousClock.now - quietSince > .seconds(15) {
                throw TestKitError("the drain stalled: \(count) of \(expecting) arrived, none in the last 15 s")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    func stop() {
        client.disconnect()
        task.cancel()
    }
}
