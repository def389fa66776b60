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
        let local = LocalTime(unixSeconds: unixSeconds, utcOffsetMinutes: utcOffsetMinutes)
        return weekdays.contains(local.weekday) && minutes.contains(local.minute)
    }
}

/// The nightly window in which dimmable beacons run at their night level: the same local times every day
/// (`"19:00-07:00"`), running past midnight when it ends at or before its start.
public struct NightWindow: Sendable, Hashable {
    /// Minutes after local midnight: the start is included, the end (up to 1440) excluded.
    public var start: Int
    public var end: Int

    public init(start: Int, end: Int) {
        precondition(start != end && (0..<1_440).contains(start) && (0...1_440).contains(end), "a night needs hours")
        self.start = start
        self.end = end
    }

    /// Whether the window holds at `unixSeconds` (UTC) in a zone `utcOffsetMinutes` east of UTC.
    public func contains(unixSeconds: Double, utcOffsetMinutes: Int) -> Bool {
        let minute = LocalTime(unixSeconds: unixSeconds, utcOffsetMinutes: utcOffsetMinutes).minute
        return start < end ? (start..<end).contains(minute) : minute >= start || minute < end
    }
}

/// A moment in local time in the schedules' terms: the ISO weekday and the minute after midnight.
struct LocalTime {
    /// 1 = Monday … 7 = Sunday.
    let weekday: Int
    /// 0…1439.
    let minute: Int

    init(unixSeconds: Double, utcOffsetMinutes: Int) {
        let local = Int((unixSeconds + Double(utcOffsetMinutes * 60)).rounded(.down))
        let day = local.floorDivided(by: 86_400)
        // 1970-01-01 was a Thursday (ISO 4).
        weekday = (day + 3).floorModulo(7) + 1
        minute = (local - day * 86_400) / 60
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
