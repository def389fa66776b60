import HAL

/// Paces the outbox drain after a reconnect so a fleet coming back at once does not flood the broker.
public struct TokenBucket: Sendable {
    public let ratePerSecond: Double
    public let burst: Double
    private var tokens: Double
    private var last: ContinuousClock.Instant

    public init(ratePerSecond: Double, burst: Double, now: ContinuousClock.Instant = .now) {
        self.ratePerSecond = ratePerSecond
        self.burst = burst
        tokens = burst
        last = now
    }

    /// Takes one token if there is one.
    public mutating func take(now: ContinuousClock.Instant = .now) -> Bool {
        let elapsed = now - last
        last = now
        tokens = min(burst, tokens + elapsed.totalSeconds * ratePerSecond)
        guard tokens >= 1 else { return false }
        tokens -= 1
        return true
    }

    /// How long until the next token.
    public var wait: Duration { .milliseconds(max(1, Int((1 - min(tokens, 1)) / ratePerSecond * 1000))) }
}
