/// Counters that device logic and the runtime report into, published on `telemetry/health`.
public actor HealthRegistry {
    private var busErrors: [String: Int] = [:]
    private var extra: [String: JSONValue] = [:]

    public init() {}

    /// Counts one failed transfer on a bus (`i2c-1`, `rtu:/dev/ttyAMA0@9600`, `gpiochip0`).
    public func recordBusError(_ bus: String) {
        busErrors[bus, default: 0] += 1
    }

    /// Sets a value the health report carries (outbox depth and drops, for example).
    public func set(_ key: String, _ value: JSONValue) {
        extra[key] = value
    }

    public var busErrorCounts: [String: Int] { busErrors }
    public var values: [String: JSONValue] { extra }
}
