public import HAL

/// The streetlight's dimming policy: a deterministic state machine driven by injected time and inputs.
///
/// Layers, highest first: manual override → presence boost → ambient light (hysteresis and dwell) → time-of-night
/// profile → astronomical clock. Ambient light or, when the lux sensor is failed, the astronomical clock decides
/// whether the lamp is on; the profile sets the on-level; presence raises it; an override replaces everything.
/// Every input takes the instant it happened; nothing reads a clock, so tests step time directly.
public struct DimmingPolicy: Sendable {
    /// The settings in force.
    public private(set) var settings: StreetlightSettings
    /// The night envelope: while dark, the level never goes below this (an override included); 0 for none.
    public let nightFloorPercent: Double
    private let solar: SolarCalculator

    private var lastLux: (value: Double, at: Timestamp)?
    private var luxFailed = true
    /// The ambient layer's debounced decision; nil until the first usable reading.
    private var ambientDark: Bool?
    /// Since when the latest readings have been past the threshold that would flip ``ambientDark``.
    private var ambientPendingSince: Timestamp?
    private var boostUntil: Timestamp?
    private var override: (levelPercent: Double, until: Timestamp?)?
    private var fade: Fade
    private var target: (levelPercent: Double, layer: DimmingLayer, switching: DimmingLayer)?

    /// A policy with the lamp off at `start` and no lux reading yet (so the astronomical clock rules until one
    /// arrives).
    public init(settings: StreetlightSettings, start: Timestamp, nightFloorPercent: Double = 0) {
        self.settings = settings
        self.nightFloorPercent = nightFloorPercent
        solar = settings.solarCalculator
        fade = Fade(
            fromPercent: 0, toPercent: 0, start: start, end: start,
            minimumOnLevelPercent: settings.minimumOnLevelPercent)
    }

    // MARK: Inputs

    /// A lux reading from the ambient light sensor. An impossible reading (NaN, infinite, negative) counts as a
    /// sensor failure: the lamp degrades to the astronomical clock instead of trusting garbage or stopping.
    @discardableResult
    public mutating func luxReading(_ lux: Double, at instant: Timestamp) -> DimmingOutput {
        guard lux.isFinite, lux >= 0 else { return luxSensorFailed(at: instant) }
        lastLux = (lux, instant)
        if luxFailed {
            // Recovering (or first reading): decide at once from a clear reading rather than waiting a dwell in
            // the dark; between the thresholds keep what the astronomical clock says.
            luxFailed = false
            ambientPendingSince = nil
            if lux < settings.luxOn {
                ambientDark = true
            } else if lux > settings.luxOff {
                ambientDark = false
            } else {
                ambientDark = astronomicalDark(at: instant)
            }
        } else if let dark = ambientDark {
            let pastThreshold = dark ? lux > settings.luxOff : lux < settings.luxOn
            if !pastThreshold {
                // A cloud that passes before the dwell is over resets the wait.
                ambientPendingSince = nil
            } else if ambientPendingSince == nil {
                ambientPendingSince = instant
            }
        }
        return update(at: instant)
    }

    /// The lux sensor could not be read; ambient control stops until the next good reading.
    @discardableResult
    public mutating func luxSensorFailed(at instant: Timestamp) -> DimmingOutput {
        markLuxFailed()
        return update(at: instant)
    }

    /// A motion edge: boost (if the lamp is on) for ``StreetlightSettings/boostHoldSeconds`` from now.
    @discardableResult
    public mutating func motionDetected(at instant: Timestamp) -> DimmingOutput {
        boostUntil = instant.adding(seconds: settings.boostHoldSeconds)
        return update(at: instant)
    }

    /// A manual override to `levelPercent` (0 = off) until `until` (nil: until cleared).
    @discardableResult
    public mutating func setOverride(levelPercent: Double, until: Timestamp?, at instant: Timestamp) -> DimmingOutput {
        // Commands validate their arguments; clamping here keeps a missed check from ever crashing the daemon.
        let levelPercent = levelPercent.isFinite ? min(max(levelPercent, 0), 100) : 0
        override = (levelPercent, until)
        return update(at: instant)
    }

    /// Ends a manual override now.
    @discardableResult
    public mutating func clearOverride(at instant: Timestamp) -> DimmingOutput {
        override = nil
        return update(at: instant)
    }

    /// Replaces the time-of-night profile (the `set-profile` command).
    @discardableResult
    public mutating func setProfile(_ profile: [StreetlightSettings.ProfileEntry], at instant: Timestamp)
        -> DimmingOutput
    {
        settings.profile = profile
        return update(at: instant)
    }

    /// Advances time to `instant`: expires the override and boost, completes dwells, notices a silent lux sensor,
    /// and starts a fade when the target changes. Call it on every tick; inputs call it themselves.
    public mutating func update(at instant: Timestamp) -> DimmingOutput {
        if let until = override?.until, instant >= until { override = nil }
        if let until = boostUntil, instant >= until { boostUntil = nil }
        if !luxFailed, let last = lastLux, instant.seconds(since: last.at) > settings.luxTimeoutSeconds {
            markLuxFailed()
        }
        if let since = ambientPendingSince, let dark = ambientDark,
            instant.seconds(since: since) >= settings.luxDwellSeconds
        {
            ambientDark = !dark
            ambientPendingSince = nil
        }

        let next = decide(at: instant)
        if target == nil || target?.levelPercent != next.levelPercent {
            let current = fade.levelPercent(at: instant)
            fade = Fade(
                fromPercent: current, toPercent: next.levelPercent, start: instant,
                end: instant.adding(seconds: settings.fadeSeconds),
                minimumOnLevelPercent: settings.minimumOnLevelPercent)
        }
        target = next
        let level = fade.levelPercent(at: instant)
        return DimmingOutput(
            targetLevelPercent: next.levelPercent, levelPercent: level, activeLayer: next.layer,
            switchingLayer: next.switching, relayOn: level > 0 || next.levelPercent > 0, luxSensorDegraded: luxFailed,
            fade: fade)
    }

    /// The level to drive at `instant` on the current fade, without advancing the state machine.
    public func levelPercent(at instant: Timestamp) -> Double { fade.levelPercent(at: instant) }

    // MARK: Decision

    private mutating func markLuxFailed() {
        luxFailed = true
        ambientDark = nil
        ambientPendingSince = nil
    }

    private func decide(at instant: Timestamp) -> (levelPercent: Double, layer: DimmingLayer, switching: DimmingLayer) {
        let switching: DimmingLayer
        let dark: Bool
        if !luxFailed, let ambientDark {
            switching = .ambient
            dark = ambientDark
        } else {
            switching = .astronomical
            dark = astronomicalDark(at: instant)
        }
        if let override {
            // Commands below the envelope are refused before they get here; this holds one set by day at night.
            let level = dark ? max(onLevel(override.levelPercent), onLevel(nightFloorPercent)) : override.levelPercent
            return (onLevel(level), .override, switching)
        }
        guard dark else { return (0, switching, switching) }
        var level = onLevel(settings.onLevelPercent)
        var layer = switching
        if let step = profileLevel(at: instant) {
            level = onLevel(step)
            layer = .profile
        }
        if boostUntil != nil, settings.boostLevelPercent > level {
            level = onLevel(settings.boostLevelPercent)
            layer = .presence
        }
        return (max(level, onLevel(nightFloorPercent)), layer, switching)
    }

    /// 0 stays off; anything else is at least the driver's minimum on-level.
    private func onLevel(_ percent: Double) -> Double {
        percent <= 0 ? 0 : min(100, max(percent, settings.minimumOnLevelPercent))
    }

    /// The profile step in force at the local time of `instant`: the latest start not after it, wrapping to the
    /// last step of the previous evening.
    private func profileLevel(at instant: Timestamp) -> Double? {
        guard !settings.profile.isEmpty else { return nil }
        let minute = settings.localMinuteOfDay(at: instant)
        let sorted = settings.profile.sorted { $0.startMinuteOfDay < $1.startMinuteOfDay }
        let step = sorted.last { Double($0.startMinuteOfDay) <= minute } ?? sorted[sorted.count - 1]
        return step.levelPercent
    }

    /// Night by the astronomical clock: after sunset + offset, before sunrise + offset. Polar night counts as
    /// night all day, midnight sun as day.
    public func astronomicalDark(at instant: Timestamp) -> Bool {
        let day = solar.day(solar.solarDate(of: instant))
        if instant < day.solarNoon {
            switch day.sunrise {
            case .at(let sunrise): return instant < sunrise.adding(seconds: settings.sunriseOffsetMinutes * 60)
            case .neverBelow: return false
            case .neverAbove: return true
            }
        } else {
            switch day.sunset {
            case .at(let sunset): return instant >= sunset.adding(seconds: settings.sunsetOffsetMinutes * 60)
            case .neverBelow: return false
            case .neverAbove: return true
            }
        }
    }
}
