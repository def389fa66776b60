import AgentRuntime
import CurbsideTestKit
import Foundation
import Glibc
import HAL
import MQTTTransport

/// Measures the agent runtime on loopback and reports each figure as a ratio against a baseline measured in the
/// same run (never as a pass/fail timing):
/// - command round trip (MQTT 5 request → `ping` → result on the response topic) vs a bare echo client built on the
///   same transport (what the runtime's router, JSON and actor hops cost on top of MQTT itself);
/// - resident memory of an idle `curb-agent` vs an idle `mosquitto_sub` (a small C client).
@main
struct AgentBench {
    static let rounds = 400

    static func main() async throws {
        try await outboxAppendRate()
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
    }

    /// Durable appends (record framing, JSON, CRC, write, fsync) vs the floor: a raw write + fsync of the same
    /// number of bytes to a file in the same folder.
    static func outboxAppendRate() async throws {
        let count = 2000
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
