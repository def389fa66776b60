/// When the school-zone profile applies: weekly windows of local time (`mon-fri 07:30-09:00`).
public struct SchoolZoneWindow: Sendable, Hashable {
    /// ISO weekdays, 1 = Monday … 7 = Sunday.
    public var weekdays: ClosedRange<Int>
    /// Minutes after local midnight; the window includes its start and excludes its end.
    public var minutes: Range<Int>

    public init(weekdays: ClosedRange<Int>, minutes: Range<Int>) {
        self.weekdays = weekdays
        self.minutes = minutes
    }

    /// Whether the window holds at `unixSeconds` (UTC) in a zone `utcOffsetMinutes` east of UTC.
    public func contains(unixSeconds: Double, utcOffsetMinutes: Int) -> Bool {
        let local = Int((unixSeconds + Double(utcOffsetMinutes * 60)).rounded(.down))
        let day = local.floorDivided(by: 86_400)
        // 1970-01-01 was a Thursday (ISO 4).
        let weekday = (day + 3).floorModulo(7) + 1
        let minute = (local - day * 86_400) / 60
        return weekdays.contains(weekday) && minutes.contains(minute)
    }
}

extension Int {
    fileprivate func floorDivided(by divisor: Int) -> Int {
        let quotient = self / divisor
        return (self % divisor != 0 && (self < 0) != (divisor < 0)) ? quotient - 1 : quotient
    }

    fileprivate func floorModulo(_ divisor: Int) -> Int {
        ((self % divisor) + divisor) % divisor
    }
}
