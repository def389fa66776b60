public import HAL

/// Lamp-failure, relay-stuck and cycling detection, plus the energy and burning-hours counters.
///
/// Feed it every commanded level change and every power sample with its instant; it never reads a clock.
public struct LampHealthMonitor: Sendable {
    /// The thresholds in force.
    public var settings: LampHealthSettings
    /// The counters; persist them (they are `Codable`) and pass them back in after a restart.
    public private(set) var counters: LampCounters

    private var commandedLevelPercent = 0.0
    private var commandedSince: Timestamp?
    private var observedBurning: Bool?
    private var transitions: [Timestamp] = []
    private var findings: [LampFinding.Code: LampFinding] = [:]

    /// A monitor continuing from `counters` (fresh ones on first start).
    public init(settings: LampHealthSettings, counters: LampCounters) {
        self.settings = settings
        self.counters = counters
    }

    /// The lamp was commanded to `levelPercent` at `instant` (0 = relay open); power is judged after the settle time.
    public mutating func commanded(levelPercent: Double, at instant: Timestamp) {
        // Only on/off edges and level changes restart the settle time; repeating the same command does not.
        guard levelPercent != commandedLevelPercent || commandedSince == nil else { return }
        commandedLevelPercent = levelPercent
        commandedSince = instant
    }

    /// The expected lower edge of lamp power at `levelPercent`, watts.
    public func expectedMinimumWatts(levelPercent: Double) -> Double {
        settings.ratedPowerWatts * levelPercent / 100 * (1 - settings.powerTolerancePercent / 100)
    }

    /// A power sample from the lamp supply at `instant`: integrates energy, counts transitions, and judges the lamp.
    public mutating func powerSample(watts: Double, at instant: Timestamp, utcOffsetMinutes: Int) -> LampHealthReport {
        counters.add(
            powerWatts: watts, at: instant, burningAboveWatts: settings.relayStuckAboveWatts,
            maxGapSeconds: settings.maxSampleGapSeconds, utcOffsetMinutes: utcOffsetMinutes)

        let burning = watts > settings.relayStuckAboveWatts
        if let previous = observedBurning, previous != burning { transitions.append(instant) }
        observedBurning = burning
        transitions.removeAll { instant.seconds(since: $0) > settings.cyclingWindowSeconds }

        var holding: [LampFinding.Code: LampFinding] = [:]
        let settled = commandedSince.map { instant.seconds(since: $0) >= settings.settleSeconds } ?? false
        if settled, commandedLevelPercent > 0 {
            let minimum = expectedMinimumWatts(levelPercent: commandedLevelPercent)
            if watts < minimum {
                holding[.lampFailure] = LampFinding(
                    code: .lampFailure, since: instant, powerWatts: watts, commandedLevelPercent: commandedLevelPercent,
                    expectedMinimumWatts: minimum)
            }
        }
        if settled, commandedLevelPercent == 0, burning {
            holding[.relayStuck] = LampFinding(
                code: .relayStuck, since: instant, powerWatts: watts, commandedLevelPercent: 0)
        }
        if transitions.count > settings.cyclingMaxTransitions {
            holding[.cycling] = LampFinding(
                code: .cycling, since: instant, powerWatts: watts, commandedLevelPercent: commandedLevelPercent,
                transitions: transitions.count)
        }

        var raised: [LampFinding] = []
        var cleared: [LampFinding] = []
        for code in [LampFinding.Code.lampFailure, .relayStuck, .cycling] {
            switch (findings[code], holding[code]) {
            case (nil, let new?):
                findings[code] = new
                raised.append(new)
            case (let old?, nil):
                findings[code] = nil
                cleared.append(old)
            default:
                break
            }
        }
        let active = [LampFinding.Code.lampFailure, .relayStuck, .cycling].compactMap { findings[$0] }
        return LampHealthReport(raised: raised, cleared: cleared, active: active)
    }
}
