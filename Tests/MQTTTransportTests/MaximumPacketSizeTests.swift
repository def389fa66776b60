import CurbsideTestKit
import Foundation
import MQTTTransport
import Testing

/// The broker's Maximum Packet Size from CONNACK (MQTT 5 property 0x27), against a real mosquitto with
/// `max_packet_size`: a packet exactly at the limit goes through, one byte more is refused before it is sent.
@Suite("Broker maximum packet size")
struct MaximumPacketSizeTests {
    func connect(_ broker: MosquittoBroker, id: String) async throws -> (MosquittoClient, EventRecorder) {
        let client = try MosquittoClient(configuration: MQTTConfiguration(url: broker.url, clientID: id))
        let events = EventRecorder(client)
        client.start()
        _ = try await events.connected()
        return (client, events)
    }

    @Test(
        "CONNACK's maximum packet size is known; at the limit a publish is acknowledged, over it refused",
        arguments: [MQTTQoS.atMostOnce, .atLeastOnce])
    func maximumPacketSize(qos: MQTTQoS) async throws {
        let limit = 2048
        let broker = try MosquittoBroker(extraConfiguration: ["max_packet_size \(limit)"])
        try await broker.start()
        let (client, events) = try await connect(broker, id: "curb-test-max-packet-\(qos.rawValue)")
        #expect(client.maximumPacketSize == limit)

        let topic = "curb/v1/test/kind/dev/event/big"
        try client.subscribe(topic, qos: .atLeastOnce)
        let room = MQTTMessage.maxPayloadBytes(
            topic: topic, qos: qos, protocolVersion: .v5, maximumPacketSize: limit)
        var message = MQTTMessage(topic: topic, payload: Array(repeating: 0x61, count: room), qos: qos)
        // The bound leaves room for the largest remaining-length field; fill the packet to the byte.
        while message.packetSize(protocolVersion: .v5) < limit { message.payload.append(0x61) }
        #expect(message.packetSize(protocolVersion: .v5) == limit)
        try client.publish(message)
        // The broker delivers it back: the size is counted as the specification does (mosquitto 2.0 itself leaves
        // out the remaining-length field, so it would take up to 3 bytes more; the spec's count is the safe one).
        let echoed = try await events.message(on: topic)
        #expect(echoed.payload.count == message.payload.count)

        message.payload.append(0x61)
        let refused = #expect(throws: MQTTError.self) { try client.publish(message) }
        #expect(refused?.code == .packetTooLarge)
        #expect(refused?.description.contains("maximum packet size of \(limit)") == true)
        client.disconnect()
    }

    @Test("a broker that announces no limit leaves it unknown")
    func noLimit() async throws {
        let broker = try MosquittoBroker()
        try await broker.start()
        let (client, _) = try await connect(broker, id: "curb-test-no-max-packet")
        #expect(client.maximumPacketSize == nil)
        client.disconnect()
    }
}
