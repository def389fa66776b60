/// Counters that device logic and the runtime report into, published on `telemetry/health`.
public actor HealthRegistry {
    private var busErrors: [String: Int] = [:]
    private var extra: [String: JSONValue] = [:]
    private var counters: [String: [String: Int]] = [:]

    public init() {}

    /// Counts one failed transfer on a bus (`i2c-1`, `rtu:/dev/ttyAMA0@9600`, `gpiochip0`).
    public func recordBusError(_ bus: String) {
        busErrors[bus, default: 0] += 1
    }

    /// Sets a value the health report carries (outbox depth and drops, for example).
    public func set(_ key: String, _ value: JSONValue) {
        extra[key] = value
    }

    /// Counts one occurrence of `what` for `item` (`edge_events_dropped` for `sim-gpio0:3`), reported as an object
    /// of counts by item under `what`.
    public func count(_ what: String, for item: String) {
        counters[what, default: [:]][item, default: 0] += 1
    }

    public var busErrorCounts: [String: Int] { busErrors }
    public var values: [String: JSONValue] {
        var values = extra
        for (what, counts) in counters { values[what] = .object(counts.mapValues { .number(Double($0)) }) }
        return values
    }
}
