/// Where a device controller's observations go: in a daemon, the agent session (telemetry at most once, durable
/// telemetry and events through the outbox, retained state); in tests, a recorder. Device logic depends on this,
/// not on MQTT.
public protocol DeviceSink: Sendable {
    func telemetry(_ stream: String, _ values: [String: JSONValue]) async
    /// Telemetry that must not be lost (stored in the outbox until the broker acknowledges it).
    func durableTelemetry(_ stream: String, _ values: [String: JSONValue]) async
    func event(_ name: String, _ values: [String: JSONValue]) async
    func state(_ values: [String: JSONValue]) async
}

extension DeviceSink {
    public func durableTelemetry(_ stream: String, _ values: [String: JSONValue]) async {
        await telemetry(stream, values)
    }
}
