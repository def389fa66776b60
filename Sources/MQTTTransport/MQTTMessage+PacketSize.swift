extension MQTTMessage {
    /// The size of the PUBLISH packet that carries this message, fixed header included: what a broker compares with
    /// the Maximum Packet Size it announces in CONNACK (MQTT 5.0, 3.2.2.3.6).
    public func packetSize(protocolVersion: MQTTConfiguration.ProtocolVersion) -> Int {
        Self.packetSize(
            topicBytes: topic.utf8.count, payloadBytes: payload.count, qos: qos,
            propertyBytes: protocolVersion == .v5 ? propertyBytes : nil)
    }

    /// The bytes left for the payload of a message on `topic` without properties, if packets may be at most
    /// `maximumPacketSize` bytes long.
    public static func maxPayloadBytes(
        topic: String, qos: MQTTQoS, protocolVersion: MQTTConfiguration.ProtocolVersion, maximumPacketSize: Int
    ) -> Int {
        let withoutPayload = packetSize(
            topicBytes: topic.utf8.count, payloadBytes: 0, qos: qos, propertyBytes: protocolVersion == .v5 ? 0 : nil)
        // The remaining-length field grows with the payload (1…4 bytes); count it at its largest.
        return maximumPacketSize - withoutPayload - 3
    }

    /// Fixed header (type byte, remaining length), topic (2-byte length + UTF-8), packet id for QoS ≥ 1, properties
    /// (MQTT 5 only: their length as a variable byte integer, then the properties), payload.
    private static func packetSize(topicBytes: Int, payloadBytes: Int, qos: MQTTQoS, propertyBytes: Int?) -> Int {
        var remaining = 2 + topicBytes + (qos == .atMostOnce ? 0 : 2) + payloadBytes
        if let propertyBytes { remaining += variableByteIntegerSize(propertyBytes) + propertyBytes }
        return 1 + variableByteIntegerSize(remaining) + remaining
    }

    /// The MQTT 5 properties `MosquittoClient.publish` sends: identifier byte plus value each.
    private var propertyBytes: Int {
        var bytes = 0
        if let responseTopic { bytes += 1 + 2 + responseTopic.utf8.count }
        if let correlationData { bytes += 1 + 2 + min(correlationData.count, Int(UInt16.max)) }
        if let contentType { bytes += 1 + 2 + contentType.utf8.count }
        if messageExpirySeconds != nil { bytes += 1 + 4 }
        return bytes
    }

    private static func variableByteIntegerSize(_ value: Int) -> Int {
        switch value {
        case ..<128: 1
        case ..<16_384: 2
        case ..<2_097_152: 3
        default: 4
        }
    }
}
