public import AgentRuntime
public import Locking

/// A `DeviceSink` that records what a device controller publishes, for tests that drive a controller without a
/// session or a broker.
public final class RecordingSink: DeviceSink {
    public let events = Lock<[(String, [String: JSONValue])]>([])
    public let telemetry = Lock<[(String, [String: JSONValue])]>([])
    public let states = Lock<[[String: JSONValue]]>([])
    public let busErrors = Lock<[String]>([])

    public init() {}

    public func telemetry(_ stream: String, _ values: [String: JSONValue]) async {
        telemetry.withLock { $0.append((stream, values)) }
    }
    public func event(_ name: String, _ values: [String: JSONValue]) async {
        events.withLock { $0.append((name, values)) }
    }
    public func state(_ values: [String: JSONValue]) async { states.withLock { $0.append(values) } }
    public func busError(_ bus: String) async { busErrors.withLock { $0.append(bus) } }

    /// The documents of every event called `name`, in order.
    public func events(named name: String) -> [[String: JSONValue]] {
        events.withLock { $0.filter { $0.0 == name }.map(\.1) }
    }

    /// The names of the events published so far, in order.
    public var eventNames: [String] { events.withLock { $0.map(\.0) } }

    /// The document of the last event called `name`, nil when there was none.
    public func lastEvent(_ name: String) -> [String: JSONValue]? { events.withLock { $0.last { $0.0 == name }?.1 } }

    /// How many documents went to the telemetry stream `stream`.
    public func count(_ stream: String) -> Int { telemetry.withLock { $0.filter { $0.0 == stream }.count } }
}

/// A monotonic clock (a `Duration` since an origin, as the controllers take it) the test moves by hand.
public final class ManualMonotonicClock: Sendable {
    private let instant = Lock<Duration>(.seconds(100))

    public init() {}

    public var now: Duration { instant.withLock { $0 } }
    public func advance(_ duration: Duration) { instant.withLock { $0 += duration } }
}
