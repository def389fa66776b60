import CurbsideTestKit
import Foundation
import Locking
import MQTTTransport
import Testing

/// Events survive broker outages: at-least-once delivery, in order per stream once duplicates are dropped by `seq`.
@Suite("Delivery through broker outages", .serialized, .timeLimit(.minutes(3)))
struct DeliveryTests {
    /// A subscriber with a persistent session, as a back-end would run it.
    final class Collector: Sendable {
        let client: MosquittoClient
        private let log = SequenceLog()

        final class SequenceLog: Sendable {
            let sequences = Lock<[Int]>([])
            let byTopic = Lock<[String: [Int]]>([:])
            let subscribed = Lock(false)
        }

        init(url: String, topic: String) throws {
            let log = log
            client = try MosquittoClient.subscriber(
                url: url, clientID: "delivery-collector", topics: [topic], cleanStart: false,
                onSubscribed: { log.subscribed.withLock { $0 = true } }
            ) { message in
                if let object = try? JSONSerialization.jsonObject(with: Data(message.payload)) as? [String: Any],
                    let seq = object["seq"] as? Int
                {
                    log.sequences.withLock { $0.append(seq) }
                    log.byTopic.withLock { $0[message.topic, default: []].append(seq) }
                }
            }
        }

        var received: [Int] { log.sequences.withLock { $0 } }

        /// Waits for the broker's SUBACK, so nothing published afterwards can miss the collector.
        func subscribed() async throws {
            let acknowledged = try await waitUntil(.seconds(30)) { log.subscribed.withLock { $0 } }
            guard acknowledged else { throw TestKitError("the collector's subscription was never acknowledged") }
        }
        func received(on topic: String) -> [Int] { log.byTopic.withLock { $0[topic] ?? [] } }
    }

    /// Waits until the retained status says online; throws with the last one read otherwise.
    static func waitOnline(_ broker: MosquittoBroker, _ prefix: String) async throws {
        let status = try await broker.read("\(prefix)/status") { $0.contains(#""state":"online""#) }
        guard status.contains(#""state":"online""#) else { throw TestKitError("never online: \(status)") }
    }

    @Test("2,000 QoS 1 events while the broker restarts 5 times: every one arrives, in order after de-duplication")
    func brokerRestarts() async throws {
        let broker = try MosquittoBroker()
        try await broker.start()
        let agent = try AgentProcess.start(
            device: "burst", brokerPort: broker.port, extra: "device: {heartbeat_s: 3600}")
        let prefix = AgentProcess.prefix("burst")
        let collector = try Collector(url: broker.url, topic: "\(prefix)/event/#")
        try await DeliveryTests.waitOnline(broker, prefix)
        try await collector.subscribed()

        let total = 2000
        let sent = try await ToolRun.run(
            "mosquitto_pub",
            [
                "-p", "\(broker.port)", "-q", "1", "-t", "\(prefix)/cmd/emit-events", "-m",
                #"{"id":"burst-1","args":{"count":\#(total),"interval_ms":2}}"#,
            ])
        #expect(sent.status == 0)
        for _ in 1...5 {
            try await Task.sleep(for: .milliseconds(500))
            await broker.stop()
            try await Task.sleep(for: .milliseconds(150))
            try await broker.start()
        }
        let arrival = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < arrival, Set(collector.received).count < total {
            try await Task.sleep(for: .milliseconds(100))
        }
        let received = collector.received
        var seen = Set<Int>()
        let firstArrivals = received.filter { seen.insert($0).inserted }
        #expect(Set(received) == Set(1...total), "missing: \(Set(1...total).subtracting(received).sorted().prefix(20))")
        #expect(firstArrivals == firstArrivals.sorted(), "out of order after de-duplication")
        #expect(agent.process.isRunning)
        print(
            "delivery: \(received.count) messages received for \(total) events (\(received.count - total) duplicates)")
        collector.client.disconnect()
        await agent.process.stop()
    }
}

/// The example agent SIGKILLed in the middle of a burst and started again: every event it accepted arrives.
@Suite("Delivery across an agent crash", .serialized, .timeLimit(.minutes(3)))
struct CrashDeliveryTests {
    @Test("events accepted while the broker is down survive a SIGKILL of the agent and arrive after both return")
    func acceptedOfflineSurviveCrash() async throws {
        let broker = try MosquittoBroker()
        try await broker.start()
        let prefix = AgentProcess.prefix("offline")
        let collector = try DeliveryTests.Collector(url: broker.url, topic: "\(prefix)/event/#")
        var agent = try AgentProcess.start(
            device: "offline", brokerPort: broker.port, extra: "device: {heartbeat_s: 3600}")
        try await DeliveryTests.waitOnline(broker, prefix)
        // The command is queued for the agent's persistent session and delivered once the broker is back;
        // instead, ask now and take the broker away right after the result.
        let reply = try await ToolRun.run(
            "mosquitto_rr",
            [
                "-p", "\(broker.port)", "-t", "\(prefix)/cmd/emit-events", "-e", "\(prefix)/cmd/emit-events/result",
                "-m", #"{"id":"offline-1","args":{"count":200,"interval_ms":5,"stream":"offline"}}"#, "-W", "30",
            ])
        #expect(reply.output.contains("accepted"), "\(reply.output)")
        await broker.stop()
        // The agent accepts the rest of the 200 into its outbox, unsent.
        let outboxLog = agent.directory.appendingPathComponent("state/outbox/outbox.log")
        _ = try await eventually(within: .seconds(60)) {
            (try? Self.highestSeq(in: outboxLog, stream: "event/offline")) ?? 0
        } until: {
            $0 == 200
        }
        agent.process.signal(SIGKILL)
        _ = await agent.process.wait(timeout: .seconds(5))
        // What the killed agent had accepted: the highest seq of the stream in its outbox file.
        let accepted = try Self.highestSeq(
            in: agent.directory.appendingPathComponent("state/outbox/outbox.log"), stream: "event/offline")
        let receivedBeforeRestart = Set(collector.received(on: "\(prefix)/event/offline"))
        #expect(
            accepted > receivedBeforeRestart.max() ?? 0, "some events must have been accepted while the broker was down"
        )
        try await broker.start()
        agent = try AgentProcess(configFile: agent.configFile, directory: agent.directory)
        let topic = "\(prefix)/event/offline"
        let arrival = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < arrival, Set(collector.received(on: topic)) != Set(1...accepted) {
            try await Task.sleep(for: .milliseconds(200))
        }
        let received = collector.received(on: topic)
        #expect(
            Set(received) == Set(1...accepted),
            "accepted 1…\(accepted); missing: \(Set(1...accepted).subtracting(received).sorted().prefix(20))")
        collector.client.disconnect()
        await agent.process.stop()
    }

    /// Reads the outbox log's records (`[length][crc][JSON]`) and returns the highest `seq` of `stream`: of its
    /// entries, or of the counters a compaction wrote when the entries themselves are acknowledged and gone.
    static func highestSeq(in file: URL, stream: String) throws -> Int {
        let bytes = [UInt8](try Data(contentsOf: file))
        var offset = 0
        var highest = 0
        while offset + 8 <= bytes.count {
            let length =
                Int(bytes[offset]) | Int(bytes[offset + 1]) << 8 | Int(bytes[offset + 2]) << 16
                | Int(bytes[offset + 3]) << 24
            guard offset + 8 + length <= bytes.count else { break }
            let body = Data(bytes[(offset + 8)..<(offset + 8 + length)])
            if let record = try? JSONSerialization.jsonObject(with: body) as? [String: Any] {
                if let entry = record["entry"] as? [String: Any], entry["stream"] as? String == stream,
                    let seq = entry["seq"] as? Int
                {
                    highest = max(highest, seq)
                }
                if let seqs = record["seqs"] as? [String: Any], let seq = seqs[stream] as? Int {
                    highest = max(highest, seq)
                }
            }
            offset += 8 + length
        }
        return highest
    }

    @Test("SIGKILL mid-stream, restart: the received seqs are exactly 1…N, no gaps")
    func sigkillMidStream() async throws {
        let broker = try MosquittoBroker()
        try await broker.start()
        let prefix = AgentProcess.prefix("crash")
        let collector = try DeliveryTests.Collector(url: broker.url, topic: "\(prefix)/event/#")
        var agent = try AgentProcess.start(
            device: "crash", brokerPort: broker.port, extra: "device: {heartbeat_s: 3600}")
        try await DeliveryTests.waitOnline(broker, prefix)
        try await collector.subscribed()
        // Paced so that the kill lands inside the burst.
        _ = try await ToolRun.run(
            "mosquitto_pub",
            [
                "-p", "\(broker.port)", "-q", "1", "-t", "\(prefix)/cmd/emit-events", "-m",
                #"{"id":"crash-1","args":{"count":3000,"interval_ms":1,"stream":"burst"}}"#,
            ])
        // The kill lands inside the burst: once some of it has arrived, long before its 3 000 are out.
        _ = try await eventually(within: .seconds(60)) {
            collector.received(on: "\(prefix)/event/burst").count
        } until: {
            $0 >= 100
        }
        agent.process.signal(SIGKILL)
        _ = await agent.process.wait(timeout: .seconds(5))
        // Same configuration and state folder: the outbox is still there.
        agent = try AgentProcess(configFile: agent.configFile, directory: agent.directory)
        try await DeliveryTests.waitOnline(broker, prefix)
        _ = try await ToolRun.run(
            "mosquitto_pub",
            [
                "-p", "\(broker.port)", "-q", "1", "-t", "\(prefix)/cmd/emit-events", "-m",
                #"{"id":"after-crash","args":{"count":10,"stream":"after"}}"#,
            ])
        let burstTopic = "\(prefix)/event/burst"
        let afterTopic = "\(prefix)/event/after"
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline, Set(collector.received(on: afterTopic)) != Set(1...10) {
            try await Task.sleep(for: .milliseconds(200))
        }
        // Everything the killed agent had accepted was sent by the restarted one before the new events.
        let burst = collector.received(on: burstTopic)
        let top = try #require(burst.max())
        #expect(Set(burst) == Set(1...top), "gaps: \(Set(1...top).subtracting(burst).sorted().prefix(20))")
        #expect(top < 3000, "the kill must land inside the burst (top seq \(top))")
        #expect(Set(collector.received(on: afterTopic)) == Set(1...10))
        print(
            "crash delivery: burst seqs 1…\(top) of 3000 accepted before SIGKILL all arrived; \(burst.count) messages")
        collector.client.disconnect()
        await agent.process.stop()
    }
}
