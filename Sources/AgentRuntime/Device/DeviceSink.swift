/// Where a device controller's observations go: in a daemon, the agent session (telemetry at most once, durable
/// telemetry and events through the outbox, retained state); in tests, a recorder. Device logic depends on this,
/// not on MQTT.
public protocol DeviceSink: Sendable {
    func telemetry(_ stream: String, _ values: [String: JSONValue]) async
    /// Telemetry that must not be lost (stored in the outbox until the broker acknowledges it). Throws when it could
    /// not be stored (the outbox refused it: larger than the broker accepts, disk full), so a caller that promised it
    /// (a `get-capture` answer) can say so.
    func durableTelemetry(_ stream: String, _ values: [String: JSONValue]) async throws
    func event(_ name: String, _ values: [String: JSONValue]) async
    func state(_ values: [String: JSONValue]) async
    /// Counts a bus fault the transfers themselves did not show (a chip found reset to its defaults, say) into the
    /// `bus_errors` figure of `telemetry/health`.
    func busError(_ bus: String) async
}

extension DeviceSink {
    public func busError(_ bus: String) async {}

    public func durableTelemetry(_ stream: String, _ values: [String: JSONValue]) async throws {
        await telemetry(stream, values)
    }
}
