import HAL
import StreetlightLogic
import Testing

/// Seoul, KST (+09:00). On 2026-06-21 the sun sets about 19:57 KST and rises about 05:11 KST.
@Suite struct DimmingPolicyTests {
    static func settings(profile: [StreetlightSettings.ProfileEntry] = []) -> StreetlightSettings {
        var settings = StreetlightSettings()
        settings.luxOn = 30
        settings.luxOff = 60
        settings.luxDwellSeconds = 120
        settings.luxTimeoutSeconds = 60
        settings.fadeSeconds = 4
        settings.minimumOnLevelPercent = 10
        settings.boostLevelPercent = 100
        settings.boostHoldSeconds = 60
        settings.profile = profile
        return settings
    }

    static let nightProfile = [
        StreetlightSettings.ProfileEntry(startMinuteOfDay: 23 * 60, levelPercent: 50),
        StreetlightSettings.ProfileEntry(startMinuteOfDay: 5 * 60, levelPercent: 100),
    ]

    /// A local (KST) time on 2026-06-21, or the next morning for hours below 12 when `nextMorning`.
    static func kst(_ hour: Int, _ minute: Int = 0, second: Double = 0, day: Int = 21) -> Timestamp {
        Timestamp(year: 2026, month: 6, day: day, hour: hour, minute: minute, second: second).adding(
            seconds: -9 * 3_600)
    }

    @Test func astronomicalClockWithoutLuxSensor() {
        var policy = DimmingPolicy(settings: Self.settings(), start: Self.kst(12))
        let noon = policy.update(at: Self.kst(12))
        #expect(noon.targetLevelPercent == 0)
        #expect(noon.activeLayer == .astronomical)
        #expect(noon.luxSensorDegraded)
        #expect(!policy.astronomicalDark(at: Self.kst(19, 50)))
        #expect(policy.astronomicalDark(at: Self.kst(20, 5)))
        #expect(policy.astronomicalDark(at: Self.kst(5, 5, day: 22)))
        #expect(!policy.astronomicalDark(at: Self.kst(5, 20, day: 22)))
        let evening = policy.update(at: Self.kst(21))
        #expect(evening.targetLevelPercent == 100)
        #expect(evening.activeLayer == .astronomical)
        #expect(evening.relayOn)
    }

    @Test func astronomicalOffsetsShiftTheSwitchingTimes() {
        var settings = Self.settings()
        settings.sunsetOffsetMinutes = -30
        settings.sunriseOffsetMinutes = 30
        let policy = DimmingPolicy(settings: settings, start: Self.kst(12))
        #expect(policy.astronomicalDark(at: Self.kst(19, 35)))
        #expect(policy.astronomicalDark(at: Self.kst(5, 30, day: 22)))
        #expect(!policy.astronomicalDark(at: Self.kst(5, 50, day: 22)))
    }

    @Test func profileSetsTheOnLevelByLocalTime() {
        var policy = DimmingPolicy(settings: Self.settings(profile: Self.nightProfile), start: Self.kst(21))
        let early = policy.update(at: Self.kst(22))
        #expect(early.targetLevelPercent == 100)
        #expect(early.activeLayer == .profile)
        #expect(early.switchingLayer == .astronomical)
        #expect(policy.update(at: Self.kst(23, 30)).targetLevelPercent == 50)
        #expect(policy.update(at: Self.kst(3, day: 22)).targetLevelPercent == 50)
        #expect(policy.update(at: Self.kst(5, 1, day: 22)).targetLevelPercent == 100)
        // After sunrise the profile no longer matters: the lamp is off.
        let morning = policy.update(at: Self.kst(6, day: 22))
        #expect(morning.targetLevelPercent == 0)
        #expect(morning.activeLayer == .astronomical)
    }

    @Test func profileLevelBelowMinimumIsRaisedAndZeroTurnsOff() {
        let profile = [
            StreetlightSettings.ProfileEntry(startMinuteOfDay: 0, levelPercent: 4),
            StreetlightSettings.ProfileEntry(startMinuteOfDay: 2 * 60, levelPercent: 0),
        ]
        var policy = DimmingPolicy(settings: Self.settings(profile: profile), start: Self.kst(21))
        #expect(policy.update(at: Self.kst(1, day: 22)).targetLevelPercent == 10)
        #expect(policy.update(at: Self.kst(3, day: 22)).targetLevelPercent == 0)
    }

    @Test func ambientSwitchesOnlyAfterTheDwell() {
        var policy = DimmingPolicy(settings: Self.settings(), start: Self.kst(18))
        // A clear first reading decides at once.
        let day = policy.luxReading(500, at: Self.kst(18))
        #expect(day.targetLevelPercent == 0)
        #expect(day.activeLayer == .ambient)
        #expect(!day.luxSensorDegraded)
        // Dusk: below lux_on, but only for 90 s so far.
        var t = Self.kst(18, 30)
        for _ in 0..<4 {
            #expect(policy.luxReading(20, at: t).targetLevelPercent == 0)
            t = t.adding(seconds: 30)
        }
        // 120 s below lux_on: on.
        let on = policy.luxReading(20, at: t)
        #expect(on.targetLevelPercent == 100)
        #expect(on.activeLayer == .ambient)
    }

    @Test func passingCloudDoesNotFlickerTheLamp() {
        var policy = DimmingPolicy(settings: Self.settings(), start: Self.kst(12))
        policy.luxReading(5_000, at: Self.kst(12))
        var t = Self.kst(12)
        // A cloud: 25 lx for 100 s, bright again, then 25 lx for another 100 s. Each stretch is shorter than the
        // dwell and the bright reading restarts the wait, so the lamp never moves.
        let readings: [Double] = [25, 25, 25, 25, 25, 5_000, 25, 25, 25, 25, 25, 5_000]
        for lux in readings {
            t = t.adding(seconds: 20)
            let output = policy.luxReading(lux, at: t)
            #expect(output.targetLevelPercent == 0)
            #expect(output.levelPercent == 0)
            #expect(!output.relayOn)
        }
    }

    @Test func hysteresisKeepsTheLampOnBetweenThresholds() {
        var policy = DimmingPolicy(settings: Self.settings(), start: Self.kst(20))
        policy.luxReading(5, at: Self.kst(20))
        var t = Self.kst(20)
        // 45 lx is above lux_on but below lux_off: no reason to switch, however long it lasts.
        for _ in 0..<20 {
            t = t.adding(seconds: 30)
            #expect(policy.luxReading(45, at: t).targetLevelPercent == 100)
        }
        // Morning: above lux_off for the dwell switches off.
        for _ in 0..<4 {
            t = t.adding(seconds: 30)
            #expect(policy.luxReading(80, at: t).targetLevelPercent == 100)
        }
        t = t.adding(seconds: 30)
        #expect(policy.luxReading(80, at: t).targetLevelPercent == 0)
    }

    @Test func ambientOutranksTheAstronomicalClock() {
        // A dark storm at noon: ambient turns the lamp on although the sun is up.
        var policy = DimmingPolicy(settings: Self.settings(), start: Self.kst(12))
        let output = policy.luxReading(3, at: Self.kst(12))
        #expect(output.targetLevelPercent == 100)
        #expect(output.switchingLayer == .ambient)
        // And a bright evening keeps it off after sunset.
        var bright = DimmingPolicy(settings: Self.settings(), start: Self.kst(20, 30))
        #expect(bright.luxReading(200, at: Self.kst(20, 30)).targetLevelPercent == 0)
    }

    @Test func presenceBoostsThenFadesBack() {
        var policy = DimmingPolicy(settings: Self.settings(profile: Self.nightProfile), start: Self.kst(23, 30))
        let settled = policy.update(at: Self.kst(23, 30))
        #expect(settled.targetLevelPercent == 50)
        let motion = Self.kst(23, 40)
        #expect(policy.update(at: motion).levelPercent == 50)
        let boost = policy.motionDetected(at: motion)
        #expect(boost.targetLevelPercent == 100)
        #expect(boost.activeLayer == .presence)
        #expect(policy.levelPercent(at: motion.adding(seconds: 2)) == 75)
        #expect(policy.levelPercent(at: motion.adding(seconds: 4)) == 100)
        // Still within the hold time.
        #expect(policy.update(at: motion.adding(seconds: 59)).activeLayer == .presence)
        // Hold over: back to the profile, fading over fade_s.
        let end = motion.adding(seconds: 60)
        let back = policy.update(at: end)
        #expect(back.targetLevelPercent == 50)
        #expect(back.activeLayer == .profile)
        #expect(back.levelPercent == 100)
        #expect(policy.levelPercent(at: end.adding(seconds: 1)) == 87.5)
        #expect(policy.levelPercent(at: end.adding(seconds: 4)) == 50)
    }

    @Test func motionInDaylightDoesNotLightTheLamp() {
        var policy = DimmingPolicy(settings: Self.settings(), start: Self.kst(12))
        let output = policy.motionDetected(at: Self.kst(12))
        #expect(output.targetLevelPercent == 0)
        #expect(output.activeLayer == .astronomical)
    }

    @Test func overrideWinsUntilItExpires() {
        var policy = DimmingPolicy(settings: Self.settings(profile: Self.nightProfile), start: Self.kst(12))
        let set = policy.setOverride(levelPercent: 80, until: Self.kst(12, 10), at: Self.kst(12))
        #expect(set.targetLevelPercent == 80)
        #expect(set.activeLayer == .override)
        // Motion does not beat an override.
        #expect(policy.motionDetected(at: Self.kst(12, 5)).activeLayer == .override)
        #expect(policy.update(at: Self.kst(12, 9, second: 59)).targetLevelPercent == 80)
        let expired = policy.update(at: Self.kst(12, 10))
        #expect(expired.targetLevelPercent == 0)
        #expect(expired.activeLayer == .astronomical)
    }

    @Test func overrideOffAtNightAndClear() {
        var policy = DimmingPolicy(settings: Self.settings(), start: Self.kst(22))
        #expect(policy.update(at: Self.kst(22)).targetLevelPercent == 100)
        let off = policy.setOverride(levelPercent: 0, until: nil, at: Self.kst(22, 1))
        #expect(off.targetLevelPercent == 0)
        #expect(off.relayOn)  // still fading out
        #expect(!policy.update(at: Self.kst(22, 2)).relayOn)
        #expect(policy.update(at: Self.kst(23)).activeLayer == .override)
        let cleared = policy.clearOverride(at: Self.kst(23))
        #expect(cleared.targetLevelPercent == 100)
        #expect(cleared.activeLayer == .astronomical)
    }

    @Test func luxSensorFailureFallsBackToTheAstronomicalClock() {
        var policy = DimmingPolicy(settings: Self.settings(profile: Self.nightProfile), start: Self.kst(21))
        // Bright floodlight next to the pole keeps ambient "light" after sunset.
        let lit = policy.luxReading(500, at: Self.kst(21))
        #expect(lit.targetLevelPercent == 0)
        #expect(lit.switchingLayer == .ambient)
        let failed = policy.luxSensorFailed(at: Self.kst(21, 0, second: 30))
        #expect(failed.luxSensorDegraded)
        #expect(failed.switchingLayer == .astronomical)
        #expect(failed.targetLevelPercent == 100)
        // A good reading again restores ambient control at once.
        let back = policy.luxReading(500, at: Self.kst(21, 5))
        #expect(!back.luxSensorDegraded)
        #expect(back.targetLevelPercent == 0)
    }

    @Test func silentLuxSensorCountsAsFailed() {
        var policy = DimmingPolicy(settings: Self.settings(), start: Self.kst(21))
        policy.luxReading(500, at: Self.kst(21))
        #expect(!policy.update(at: Self.kst(21, 1)).luxSensorDegraded)
        let silent = policy.update(at: Self.kst(21, 1, second: 1))
        #expect(silent.luxSensorDegraded)
        #expect(silent.targetLevelPercent == 100)
    }

    @Test func polarNightKeepsTheLampOnAllDay() {
        var settings = Self.settings()
        settings.latitudeDegrees = 69.6492
        settings.longitudeDegrees = 18.9553
        settings.utcOffsetMinutes = 60
        var policy = DimmingPolicy(settings: settings, start: Timestamp(year: 2026, month: 12, day: 21, hour: 11))
        #expect(policy.update(at: Timestamp(year: 2026, month: 12, day: 21, hour: 11)).targetLevelPercent == 100)
        var summer = DimmingPolicy(settings: settings, start: Timestamp(year: 2026, month: 6, day: 21, hour: 23))
        #expect(summer.update(at: Timestamp(year: 2026, month: 6, day: 21, hour: 23)).targetLevelPercent == 0)
    }

    @Test func fadeInterpolatesAndRespectsTheMinimumOnLevel() {
        let start = Timestamp(secondsSinceEpoch: 1_000)
        let up = Fade(
            fromPercent: 0, toPercent: 100, start: start, end: start.adding(seconds: 10), minimumOnLevelPercent: 10)
        #expect(up.levelPercent(at: start) == 0)
        #expect(up.levelPercent(at: start.adding(seconds: 0.5)) == 10)
        #expect(up.levelPercent(at: start.adding(seconds: 5)) == 50)
        #expect(up.levelPercent(at: start.adding(seconds: 10)) == 100)
        #expect(up.levelPercent(at: start.adding(seconds: 99)) == 100)
        #expect(up.isRunning(at: start.adding(seconds: 9)))
        #expect(!up.isRunning(at: start.adding(seconds: 10)))
        let down = Fade(
            fromPercent: 50, toPercent: 0, start: start, end: start.adding(seconds: 10), minimumOnLevelPercent: 10)
        #expect(down.levelPercent(at: start.adding(seconds: 2)) == 40)
        #expect(down.levelPercent(at: start.adding(seconds: 9)) == 10)
        #expect(down.levelPercent(at: start.adding(seconds: 10)) == 0)
    }

    @Test func retargetingMidFadeStartsFromTheCurrentLevel() {
        var policy = DimmingPolicy(settings: Self.settings(profile: Self.nightProfile), start: Self.kst(23, 30))
        _ = policy.update(at: Self.kst(23, 30))
        let motion = Self.kst(23, 31)
        policy.motionDetected(at: motion)
        // Halfway up (75 %) an override to 20 % arrives: the new fade starts at 75, not at 50 or 100.
        let override = policy.setOverride(levelPercent: 20, until: nil, at: motion.adding(seconds: 2))
        #expect(override.fade.fromPercent == 75)
        #expect(policy.levelPercent(at: motion.adding(seconds: 4)) == 47.5)
    }
}

@Suite("Dimming policy input robustness")
struct DimmingPolicyRobustnessTests {
    @Test("an impossible lux reading degrades like a failed sensor instead of crashing")
    func impossibleLux() {
        var policy = DimmingPolicy(settings: StreetlightSettings(), start: Timestamp(secondsSinceEpoch: 1_795_000_000))
        let output = policy.luxReading(.nan, at: Timestamp(secondsSinceEpoch: 1_795_000_001))
        #expect(output.luxSensorDegraded)
        let negative = policy.luxReading(-3, at: Timestamp(secondsSinceEpoch: 1_795_000_002))
        #expect(negative.luxSensorDegraded)
    }
}

@Suite("Dimming policy night envelope")
struct DimmingEnvelopeTests {
    @Test("at night nothing goes below the floor: an override to 0, a low profile; by day the lamp may be off")
    func floor() {
        let night = DimmingPolicyTests.kst(22)
        var policy = DimmingPolicy(
            settings: DimmingPolicyTests.settings(profile: [.init(startMinuteOfDay: 21 * 60, levelPercent: 5)]),
            start: night, nightFloorPercent: 20)
        #expect(policy.update(at: night).targetLevelPercent == 20)
        let off = policy.setOverride(levelPercent: 0, until: nil, at: night.adding(seconds: 60))
        #expect(off.targetLevelPercent == 20)
        #expect(off.activeLayer == .override)
        #expect(policy.update(at: DimmingPolicyTests.kst(23)).relayOn)
        var day = DimmingPolicy(
            settings: DimmingPolicyTests.settings(), start: DimmingPolicyTests.kst(12), nightFloorPercent: 20)
        #expect(day.update(at: DimmingPolicyTests.kst(12)).targetLevelPercent == 0)
    }
}
