/// A software debouncer for one input line: a pure, deterministic state machine with no clock of its own.
///
/// Feed it raw logical edges with their timestamps, ask it for the next deadline, and `tick` it at (or after) that
/// time. It reports a new logical level only once the raw line has stayed at that level for `window`:
/// bounces inside the window restart the wait and produce no extra events, and a glitch that returns to the
/// reported level before the window ends produces none at all. Timestamps are monotonic nanoseconds in whatever
/// domain the caller uses for both edges and `tick` (the kernel's `CLOCK_MONOTONIC` on Linux).
///
/// A `window` of `.zero` reports every change of level at the next `tick` (the deadline is the edge itself), so one
/// code path serves debounced and plain lines alike; repeated edges of the same kind collapse into one event.
public struct GPIODebouncer: Sendable, Hashable {
    /// The stability window in nanoseconds.
    public let windowNanoseconds: UInt64
    /// Which reported transitions become events; the level is tracked regardless, so a filtered-out edge still
    /// moves the debounced level.
    public let edges: GPIOEdgeDetection

    /// The last level reported (or the initial level).
    public private(set) var stableValue: GPIOValue
    /// The raw level as of the last edge fed.
    public private(set) var rawValue: GPIOValue
    /// When the raw line last changed level; the start of the current stability window.
    public private(set) var lastChangeNanoseconds: UInt64

    /// - Parameters:
    ///   - window: how long the line must hold a new level before it is reported; negative counts as zero.
    ///   - initialValue: the level the line has when debouncing starts (read once from the line).
    ///   - edges: which transitions to report.
    public init(window: Duration, initialValue: GPIOValue, edges: GPIOEdgeDetection = .both) {
        self.windowNanoseconds = Self.nanoseconds(window)
        self.edges = edges
        self.stableValue = initialValue
        self.rawValue = initialValue
        self.lastChangeNanoseconds = 0
    }

    /// Records one raw edge. Edges that do not change the raw level (a repeated kind after a missed edge) still
    /// restart the window, because the line evidently moved in between.
    public mutating func feed(_ edge: GPIOEdgeEvent) {
        rawValue = edge.kind.value
        lastChangeNanoseconds = edge.timestampNanoseconds
    }

    /// When `tick` may next report an event, or `nil` while the raw level equals the reported one.
    public var nextDeadlineNanoseconds: UInt64? {
        guard rawValue != stableValue else { return nil }
        let (sum, overflow) = lastChangeNanoseconds.addingReportingOverflow(windowNanoseconds)
        return overflow ? UInt64.max : sum
    }

    /// Advances time to `now`. Returns at most one event: the new level, once the line has been stable at it for the
    /// window. The event carries the timestamp of the raw edge that began the stable period, i.e. when the line
    /// actually reached the level it then kept.
    public mutating func tick(nowNanoseconds now: UInt64) -> GPIOEdgeEvent? {
        guard let deadline = nextDeadlineNanoseconds, now >= deadline else { return nil }
        stableValue = rawValue
        let kind: GPIOEdgeEvent.Kind = rawValue.isActive ? .rising : .falling
        guard Self.reports(kind, edges) else { return nil }
        return GPIOEdgeEvent(kind: kind, timestampNanoseconds: lastChangeNanoseconds)
    }

    static func reports(_ kind: GPIOEdgeEvent.Kind, _ edges: GPIOEdgeDetection) -> Bool {
        switch edges {
        case .none: false
        case .both: true
        case .rising: kind == .rising
        case .falling: kind == .falling
        }
    }

    static func nanoseconds(_ duration: Duration) -> UInt64 {
        let (seconds, attoseconds) = duration.components
        guard seconds >= 0 else { return 0 }
        guard UInt64(seconds) < UInt64.max / 1_000_000_000 else { return UInt64.max }
        return UInt64(seconds) * 1_000_000_000 + UInt64(max(0, attoseconds) / 1_000_000_000)
    }
}
