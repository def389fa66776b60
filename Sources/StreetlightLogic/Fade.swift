public import HAL

/// A linear ramp between two levels; the level at any instant is ``levelPercent(at:)``.
public struct Fade: Hashable, Sendable, Codable {
    /// Level at ``start``, percent.
    public var fromPercent: Double
    /// Level at and after ``end``, percent.
    public var toPercent: Double
    /// When the ramp began.
    public var start: Timestamp
    /// When the ramp reaches ``toPercent``.
    public var end: Timestamp
    /// The LED driver's lowest on-level, percent: a lit lamp is never driven below it.
    public var minimumOnLevelPercent: Double

    /// A ramp from `fromPercent` at `start` to `toPercent` at `end`, never lit below `minimumOnLevelPercent`.
    public init(fromPercent: Double, toPercent: Double, start: Timestamp, end: Timestamp, minimumOnLevelPercent: Double)
    {
        precondition(end >= start, "a fade ends after it starts")
        self.fromPercent = fromPercent
        self.toPercent = toPercent
        self.start = start
        self.end = end
        self.minimumOnLevelPercent = minimumOnLevelPercent
    }

    /// The level at `instant`: linear between the end points; intermediate levels below the minimum on-level are
    /// raised to it, so a lamp fading out stays lit at the minimum until the fade ends and then goes off.
    public func levelPercent(at instant: Timestamp) -> Double {
        if instant >= end { return toPercent }
        if instant <= start { return fromPercent }
        let fraction = instant.seconds(since: start) / end.seconds(since: start)
        let level = fromPercent + (toPercent - fromPercent) * fraction
        return level > 0 ? max(level, minimumOnLevelPercent) : 0
    }

    /// True while the ramp is still moving at `instant`.
    public func isRunning(at instant: Timestamp) -> Bool { instant < end && fromPercent != toPercent }
}
