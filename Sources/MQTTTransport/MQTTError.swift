/// A failed MQTT operation, naming the broker, the topic where there is one, and libmosquitto's reason.
///
/// Reads like `mqtt://127.0.0.1:1883 publish curb/v1/…/event/x: The client is not currently connected (MOSQ_ERR 4)`.
public struct MQTTError: Error, Hashable, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        let name: String
        /// The broker URL or options are unusable.
        public static let invalidConfiguration = Code(name: "invalid configuration")
        /// Certificates, keys or the password file could not be read.
        public static let credentials = Code(name: "credentials")
        /// Not connected now (the message was not queued by libmosquitto).
        public static let notConnected = Code(name: "not connected")
        /// Payload or topic rejected before sending (too large, invalid UTF-8, wildcards in a publish topic).
        public static let invalidMessage = Code(name: "invalid message")
        /// Larger than the broker's maximum packet size: it can never be sent to this broker.
        public static let packetTooLarge = Code(name: "packet too large")
        /// Any other libmosquitto failure.
        public static let library = Code(name: "libmosquitto error")
        public var description: String { name }
    }

    public var code: Code
    public var broker: String
    public var operation: String
    public var topic: String?
    /// libmosquitto's `MOSQ_ERR_*` value, when the failure came from the library.
    public var libraryCode: Int32?
    public var detail: String

    public init(
        _ code: Code, broker: String, operation: String, topic: String? = nil, libraryCode: Int32? = nil,
        detail: String
    ) {
        self.code = code
        self.broker = broker
        self.operation = operation
        self.topic = topic
        self.libraryCode = libraryCode
        self.detail = detail
    }

    public var description: String {
        var text = "\(broker) \(operation)"
        if let topic { text += " \(topic)" }
        text += ": \(detail)"
        if let libraryCode { text += " (MOSQ_ERR \(libraryCode))" }
        return text
    }
}
