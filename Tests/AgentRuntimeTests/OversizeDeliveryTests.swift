import AgentRuntime
import CurbsideTestKit
import Foundation
import MQTTTransport
import Testing

/// An entry larger than the broker accepts must not hold up the outbox: the broker's Maximum Packet Size (CONNACK)
/// is respected when enqueueing, and an entry stored before it was known is set aside and counted.
@Suite("Oversize outbox entries", .serialized, .timeLimit(.minutes(2)))
struct OversizeDeliveryTests {
    static let maxPacketSize = 4096

    func session(brokerPort: Int, outbox: FileOutbox, directory: String, drainRatePerSecond: Double = 200) throws
        -> AgentSession
    {
        let yaml = """
            identity: {site: \(AgentProcess.site), kind: \(AgentProcess.kind), device: oversize}
            mqtt: {url: "mqtt://127.0.0.1:\(brokerPort)", reconnect_min_ms: 200, reconnect_max_ms: 1000}
            board: sim.yaml
            hal: {backend: rig, rig_socket: /tmp/curb-rig-unused.sock}
            state_dir: \(directory)
            """
        let (configuration, _) = try AgentConfiguration.parse(yaml: yaml) { _, _, _ in () }
        return try AgentSession(
            configuration: configuration,
            birth: .init(agent: "oversize-test", version: "0", board: "sim", configRevision: 0, bootTime: Date()),
            outbox: outbox, drainRatePerSecond: drainRatePerSecond)
    }

    /// Waits until `condition` holds or `within` has passed; returns whether it held.
    func wait(within: Duration = .seconds(20), _ condition: () async -> Bool) async -> Bool {
        let deadline = ContinuousClock.now + within
        while ContinuousClock.now < deadline {
            if await condition() { return true }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return await condition()
    }

    @Test("an oversize event ahead of normal ones: the normal ones arrive, the oversize one is counted, nothing stalls")
    func oversizeDoesNotStall() async throws {
        let broker = try MosquittoBroker(extraConfiguration: ["max_packet_size \(Self.maxPacketSize)"])
        try await broker.start()
        let prefix = AgentProcess.prefix("oversize")
        let collector = try DeliveryTests.Collector(url: broker.url, topic: "\(prefix)/event/#")
        defer { collector.client.disconnect() }
        // The subscription is in place once a probe comes back.
        let probe = "\(prefix)/event/probe"
        let subscribed = await wait {
            _ = try? await ToolRun.run(
                "mosquitto_pub", ["-p", "\(broker.port)", "-q", "1", "-t", probe, "-m", #"{"seq":0}"#])
            return !collector.received(on: probe).isEmpty
        }
        try #require(subscribed)

        // Stored while the broker's limit was unknown (an outage, or an older outbox): one entry too large for it.
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "curb-oversize-\(UUID().uuidString.prefix(8))"
        ).path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let outbox = try FileOutbox(directory: directory + "/outbox")
        func store(_ name: String, padding: Int) async throws {
            try await outbox.append(stream: "event/\(name)", topic: "\(prefix)/event/\(name)") { seq in
                Array(#"{"seq":\#(seq),"pad":"\#(String(repeating: "x", count: padding))"}"#.utf8)
            }
        }
        try await store("normal", padding: 10)
        try await store("capture", padding: 3 * Self.maxPacketSize)
        try await store("normal", padding: 10)
        try await store("normal", padding: 10)

        let session = try session(brokerPort: broker.port, outbox: outbox, directory: directory)
        let running = Task { await session.run() }
        let normal = "\(prefix)/event/normal"
        let arrived = await wait { Set(collector.received(on: normal)) == [1, 2, 3] }
        #expect(arrived, "received \(collector.received(on: normal)); broker log:\n\(broker.log)")
        let emptied = await wait { await outbox.stats.depth == 0 }
        let stats = await outbox.stats
        #expect(emptied, "the outbox empties: \(stats)")
        #expect(stats.dropped["too_large"] == 1)
        #expect(collector.received(on: "\(prefix)/event/capture").isEmpty)

        // Now the limit is known: an event that can never be sent is refused to the caller, and later ones flow.
        let blob = JSONValue.string(String(repeating: "y", count: 2 * Self.maxPacketSize))
        let refused = await #expect(throws: FileOutbox.Failure.self) {
            try await session.publishEvent("capture", ["blob": blob])
        }
        #expect(refused?.code == .tooLarge)
        #expect(refused?.description.contains("the broker accepts") == true, "\(String(describing: refused))")
        try await session.publishEvent("normal", ["ok": true])
        #expect(await wait { collector.received(on: normal).contains(4) }, "received \(collector.received(on: normal))")
        #expect(
            await outbox.stats.dropped["too_large"] == 1, "refused at enqueue, so not stored nor counted as dropped")

        await session.shutdown()
        running.cancel()
        await broker.stop()
    }
}
