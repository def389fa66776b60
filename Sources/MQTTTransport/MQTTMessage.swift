/// MQTT delivery guarantee.
public enum MQTTQoS: Int32, Sendable, Hashable, Codable {
    case atMostOnce = 0
    case atLeastOnce = 1
    case exactlyOnce = 2
}

/// One application message, in either direction, with the MQTT 5 properties Curbside uses.
public struct MQTTMessage: Sendable, Hashable {
    public var topic: String
    public var payload: [UInt8]
    public var qos: MQTTQoS
    public var retain: Bool
    /// MQTT 5 request/response: where the answer goes (`Response Topic`, 3.3.2.3.5).
    public var responseTopic: String?
    /// MQTT 5 request/response: opaque bytes the answer echoes (`Correlation Data`, 3.3.2.3.6).
    public var correlationData: [UInt8]?
    /// MQTT 5 `Content Type` (e.g. `application/json`).
    public var contentType: String?
    /// MQTT 5 `Message Expiry Interval` in seconds.
    public var messageExpirySeconds: UInt32?

    public init(
        topic: String, payload: [UInt8], qos: MQTTQoS = .atLeastOnce, retain: Bool = false,
        responseTopic: String? = nil, correlationData: [UInt8]? = nil, contentType: String? = nil,
        messageExpirySeconds: UInt32? = nil
    ) {
        self.topic = topic
        self.payload = payload
        self.qos = qos
        self.retain = retain
        self.responseTopic = responseTopic
        self.correlationData = correlationData
        self.contentType = contentType
        self.messageExpirySeconds = messageExpirySeconds
    }

    public init(topic: String, string: String, qos: MQTTQoS = .atLeastOnce, retain: Bool = false) {
        self.init(topic: topic, payload: Array(string.utf8), qos: qos, retain: retain)
    }

    /// The payload as UTF-8 text (invalid sequences repaired), for logs and tests.
    public var payloadString: String { String(decoding: payload, as: UTF8.self) }
}

/// What the session reports, in the order libmosquitto's network thread saw it.
public enum MQTTEvent: Sendable, Hashable {
    /// CONNACK with success; `sessionPresent` says whether the broker kept our session (subscriptions, queued QoS 1).
    case connected(sessionPresent: Bool)
    /// CONNACK refused, with the MQTT reason code and its text (bad credentials, not authorised, …).
    case connectionRefused(reasonCode: Int32, reason: String)
    /// The connection ended. `expected` is true after our own `disconnect()`.
    case disconnected(reasonCode: Int32, reason: String, expected: Bool)
    /// An application message on a subscribed topic.
    case message(MQTTMessage)
    /// SUBACK for the subscription `subscribe` returned `messageID` for: one reason code per filter, the granted QoS
    /// (0…2) or a refusal (≥ 0x80: 0x80 unspecified, 0x87 not authorised, …).
    case subscribed(messageID: Int32, reasonCodes: [Int32])
    /// The broker acknowledged a QoS ≥ 1 publish (PUBACK/PUBCOMP), identified by the message id `publish` returned.
    case published(messageID: Int32)
}
