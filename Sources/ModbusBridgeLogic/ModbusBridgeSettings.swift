/// How modbusd treats devices that stop answering and how often it reports their counters; remotely settable.
public struct ModbusBridgeSettings: Sendable, Hashable {
    /// Transfers in a row without an answer before a device is reported offline and backed off.
    public var offlineAfter = 3
    /// The first backoff of an offline device; it doubles on each failed retry up to `maximumBackoff`.
    public var initialBackoff: Duration = .seconds(1)
    public var maximumBackoff: Duration = .seconds(60)
    /// Period of `telemetry/devices` (per device: online, polls, errors, timeouts, skipped polls).
    public var statusInterval: Duration = .seconds(60)

    public init() {}
}
