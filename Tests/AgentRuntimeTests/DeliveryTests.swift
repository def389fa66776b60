import CurbsideTestKit
import Foundation
import MQTTTransport
import Synchronization
import Testing

/// Events survive broker outages: at-least-once delivery, in order per stream once duplicates are dropped by `seq`.
@Suite("Delivery through broker outages", .serialized, .timeLimit(.minutes(2)))
struct DeliveryTests {
    /// A subscriber with a persistent session, as a back-end would run it.
    final class Collector: Sendable {
        let client: MosquittoClient
        private let log = SequenceLog()

        final class SequenceLog: Sendable {
            let sequences = Mutex<[Int]>([])
        }

        init(url: String, topic: String) throws {
            client = try MosquittoClient(
                configuration: MQTTConfiguration(
                    url: url, clientID: "delivery-collector", cleanStart: false, sessionExpiry: .seconds(600),
                    reconnectDelayMin: .milliseconds(100), reconnectDelayMax: .milliseconds(400)))
            let events = client.events
            let client = client
            let log = log
            Task {
                for await event in events {
                    switch event {
                    case .connected: _ = try? client.subscribe(topic, qos: .atLeastOnce)
                    case .message(let message):
                        if let object = try? JSONSerialization.jsonObject(with: Data(message.payload))
                            as? [String: Any],
                            let seq = object["seq"] as? Int
                        {
                            log.sequences.withLock { $0.append(seq) }
                        }
                    default: break
                    }
                }
            }
            client.start()
        }

        var received: [Int] { log.sequences.withLock { $0 } }
    }

    @Test("2,000 QoS 1 events while the broker restarts 5 times: every one arrives, in order after de-duplication")
    func brokerRestarts() async throws {
        let broker = try MosquittoBroker()
        try await broker.start()
        let agent = try AgentProcess.start(
            device: "burst", brokerPort: broker.port, extra: "device: {heartbeat_s: 3600}")
        let prefix = AgentProcess.prefix("burst")
        let collector = try Collector(url: broker.url, topic: "\(prefix)/event/#")
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            let status = try await ToolRun.run(
                "mosquitto_sub", ["-p", "\(broker.port)", "-t", "\(prefix)/status", "-C", "1", "-W", "1"])
            if status.output.contains("online") { break }
        }
        try await Task.sleep(for: .milliseconds(300))  // the collector's subscription is in place

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
