/// A device's link as the poller sees it: online while it answers, offline after `offlineAfter` transfers in a row
/// failed without an answer, and while offline tried again only after a backoff that doubles up to a maximum, so a
/// silent slave costs its line one timeout per backoff instead of one per poll. Time is injected.
public struct LinkSupervisor: Sendable {
    public enum State: String, Sendable, Hashable {
        /// Not asked yet.
        case unknown
        case online
        case offline
    }

    /// A change of state to report.
    public enum Transition: Sendable, Hashable {
        case wentOnline
        case wentOffline
    }

    public var offlineAfter: Int
    public var initialBackoff: Duration
    public var maximumBackoff: Duration
    public private(set) var state = State.unknown
    public private(set) var consecutiveFailures = 0
    /// The backoff in force while offline.
    public private(set) var backoff: Duration = .zero
    private var retryAt: Duration?

    public init(offlineAfter: Int, initialBackoff: Duration, maximumBackoff: Duration) {
        self.offlineAfter = offlineAfter
        self.initialBackoff = initialBackoff
        self.maximumBackoff = maximumBackoff
    }

    /// Whether a poll may talk to the device at `now`; false while an offline device's backoff runs.
    public func mayPoll(at now: Duration) -> Bool {
        guard state == .offline, let retryAt else { return true }
        return now >= retryAt
    }

    /// When the next attempt is allowed, if the device is backed off.
    public var nextAttempt: Duration? { state == .offline ? retryAt : nil }

    /// The device answered (an exception answer counts: the device is there).
    public mutating func answered() -> Transition? {
        consecutiveFailures = 0
        backoff = .zero
        retryAt = nil
        defer { state = .online }
        return state == .online ? nil : .wentOnline
    }

    /// A transfer got no (valid) answer at `now`.
    public mutating func failed(at now: Duration) -> Transition? {
        consecutiveFailures += 1
        if state == .offline {
            backoff = min(backoff * 2, maximumBackoff)
            retryAt = now + backoff
            return nil
        }
        guard consecutiveFailures >= offlineAfter else { return nil }
        state = .offline
        backoff = initialBackoff
        retryAt = now + backoff
        return .wentOffline
    }
}
