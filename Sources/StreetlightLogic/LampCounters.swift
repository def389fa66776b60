public import HAL

/// Energy and burning-time counters for one lamp; the daemon persists this value so it survives restarts.
public struct LampCounters: Hashable, Sendable, Codable {
    /// The local date ``energyTodayWattHours`` and ``burningSecondsToday`` belong to.
    public var day: CivilDate?
    /// Energy since local midnight, watt-hours.
    public var energyTodayWattHours = 0.0
    /// Energy since the counters were created, watt-hours.
    public var energyTotalWattHours = 0.0
    /// Time the lamp drew power since local midnight, seconds.
    public var burningSecondsToday = 0.0
    /// Time the lamp drew power since the counters were created, seconds.
    public var burningSecondsTotal = 0.0
    /// The previous sample, the start of the next integration interval.
    public var lastSampleAt: Timestamp?
    /// Power of the previous sample, watts.
    public var lastSampleWatts: Double?

    /// Fresh counters.
    public init() {}

    /// Burning hours since the counters were created.
    public var burningHoursTotal: Double { burningSecondsTotal / 3_600 }

    /// Integrates power with the trapezoidal rule from the previous sample to this one. An interval longer than
    /// `maxGapSeconds` (the daemon was down, the sensor silent) is skipped rather than guessed. An interval that
    /// crosses local midnight is split there so each day gets its share.
    mutating func add(
        powerWatts: Double, at instant: Timestamp, burningAboveWatts: Double, maxGapSeconds: Double,
        utcOffsetMinutes: Int
    ) {
        let offsetSeconds = Double(utcOffsetMinutes) * 60
        let localDay = instant.adding(seconds: offsetSeconds).utcDate
        defer {
            lastSampleAt = instant
            lastSampleWatts = powerWatts
        }
        guard let start = lastSampleAt, let startWatts = lastSampleWatts else {
            rollOver(to: localDay)
            return
        }
        let seconds = instant.seconds(since: start)
        guard seconds > 0, seconds <= maxGapSeconds else {
            rollOver(to: localDay)
            return
        }
        let startDay = start.adding(seconds: offsetSeconds).utcDate
        rollOver(to: startDay)
        // Burning time counts an interval whose two ends both draw power, so a switch-on mid-interval is not
        // counted early.
        let burning = startWatts > burningAboveWatts && powerWatts > burningAboveWatts
        if startDay != localDay {
            let midnight = Timestamp(year: localDay.year, month: localDay.month, day: localDay.day)
                .adding(seconds: -offsetSeconds)
            let before = midnight.seconds(since: start)
            let midnightWatts = startWatts + (powerWatts - startWatts) * before / seconds
            accumulate(seconds: before, averageWatts: (startWatts + midnightWatts) / 2, burning: burning)
            rollOver(to: localDay)
            accumulate(seconds: seconds - before, averageWatts: (midnightWatts + powerWatts) / 2, burning: burning)
        } else {
            accumulate(seconds: seconds, averageWatts: (startWatts + powerWatts) / 2, burning: burning)
        }
    }

    private mutating func accumulate(seconds: Double, averageWatts: Double, burning: Bool) {
        let wattHours = averageWatts * seconds / 3_600
        energyTodayWattHours += wattHours
        energyTotalWattHours += wattHours
        if burning {
            burningSecondsToday += seconds
            burningSecondsTotal += seconds
        }
    }

    private mutating func rollOver(to localDay: CivilDate) {
        guard day != localDay else { return }
        if let day, localDay < day { return }
        day = localDay
        energyTodayWattHours = 0
        burningSecondsToday = 0
    }
}
