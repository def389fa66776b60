import Synchronization

/// Whether a controller's control loop still steps, readable from outside the controller's actor (which may be the
/// thing that is stuck). Armed by the loop's first step — until the loops run the daemon is still starting, not
/// stalled — and disarmed by the safe state.
public final class LoopStallWatch: Sendable {
    /// How long the loop may go without a step before `check` reports a stall.
    public let limit: Duration
    private let progress = Mutex(Progress())

    private struct Progress {
        var armed = false
        var lastStep: Duration = .zero
        var stalled = false
    }

    public init(limit: Duration) {
        self.limit = limit
    }

    /// One step of the loop at `now`; arms the watch. - Returns: whether a stall was found since the last step (the
    /// watchdog has written the safe levels behind the controller's back).
    public func step(at now: Duration) -> Bool {
        progress.withLock { progress in
            defer { progress = Progress(armed: true, lastStep: now, stalled: false) }
            return progress.stalled
        }
    }

    /// Whether the loop has just been found stalled (`limit` passed since its last step); reported once per stall.
    public func check(at now: Duration) -> Bool {
        progress.withLock { progress in
            guard progress.armed, !progress.stalled, now - progress.lastStep > limit else { return false }
            progress.stalled = true
            return true
        }
    }

    /// Stops watching until the next step (the outputs are in their safe state; no loop steps them).
    public func disarm() {
        progress.withLock { $0 = Progress() }
    }
}
