import Foundation
import HAL
import StreetlightLogic
import Testing

@Suite struct LampHealthMonitorTests {
    static let t0 = Timestamp(year: 2026, month: 6, day: 21, hour: 12)

    static func monitor() -> LampHealthMonitor {
        var settings = LampHealthSettings()
        settings.ratedPowerWatts = 60
        settings.powerTolerancePercent = 40
        settings.settleSeconds = 10
        settings.relayStuckAboveWatts = 3
        settings.cyclingMaxTransitions = 6
        settings.cyclingWindowSeconds = 600
        settings.maxSampleGapSeconds = 300
        return LampHealthMonitor(settings: settings, counters: LampCounters())
    }

    @Test func lampFailureAfterSettleTimeThenCleared() {
        var monitor = Self.monitor()
        monitor.commanded(levelPercent: 100, at: Self.t0)
        #expect(monitor.expectedMinimumWatts(levelPercent: 100) == 36)
        // Within the settle time a dark lamp is not judged.
        #expect(monitor.powerSample(watts: 1, at: Self.t0.adding(seconds: 5), utcOffsetMinutes: 540).active.isEmpty)
        let failed = monitor.powerSample(watts: 1, at: Self.t0.adding(seconds: 10), utcOffsetMinutes: 540)
        #expect(failed.raised.map(\.code) == [.lampFailure])
        #expect(failed.raised.first?.expectedMinimumWatts == 36)
        // Raised once, not on every sample.
        #expect(monitor.powerSample(watts: 1, at: Self.t0.adding(seconds: 15), utcOffsetMinutes: 540).raised.isEmpty)
        let repaired = monitor.powerSample(watts: 58, at: Self.t0.adding(seconds: 20), utcOffsetMinutes: 540)
        #expect(repaired.cleared.map(\.code) == [.lampFailure])
        #expect(repaired.active.isEmpty)
    }

    @Test func expectedBandScalesWithTheLevel() {
        var monitor = Self.monitor()
        monitor.commanded(levelPercent: 50, at: Self.t0)
        // 50 % of 60 W is 30 W; 40 % tolerance puts the floor at 18 W.
        #expect(monitor.powerSample(watts: 20, at: Self.t0.adding(seconds: 11), utcOffsetMinutes: 0).active.isEmpty)
        #expect(
            monitor.powerSample(watts: 17, at: Self.t0.adding(seconds: 12), utcOffsetMinutes: 0).raised.map(\.code)
                == [.lampFailure])
    }

    @Test func relayStuckWhenPowerFlowsWhileCommandedOff() {
        var monitor = Self.monitor()
        monitor.commanded(levelPercent: 0, at: Self.t0)
        #expect(monitor.powerSample(watts: 55, at: Self.t0.adding(seconds: 3), utcOffsetMinutes: 0).active.isEmpty)
        let stuck = monitor.powerSample(watts: 55, at: Self.t0.adding(seconds: 11), utcOffsetMinutes: 0)
        #expect(stuck.raised.map(\.code) == [.relayStuck])
        // Standby draw of the driver below the threshold is fine.
        let fixed = monitor.powerSample(watts: 0.8, at: Self.t0.adding(seconds: 20), utcOffsetMinutes: 0)
        #expect(fixed.cleared.map(\.code) == [.relayStuck])
    }

    @Test func cyclingWhenTooManyTransitionsInTheWindow() {
        var monitor = Self.monitor()
        monitor.commanded(levelPercent: 100, at: Self.t0)
        var raisedAt: Int?
        for index in 0..<8 {
            let watts = index.isMultiple(of: 2) ? 60.0 : 0.5
            let report = monitor.powerSample(
                watts: watts, at: Self.t0.adding(seconds: Double(index) * 10), utcOffsetMinutes: 0)
            if report.raised.contains(where: { $0.code == .cycling }) { raisedAt = index }
        }
        // Samples 0…7 make 7 transitions; the 7th (sample 7) exceeds the limit of 6.
        #expect(raisedAt == 7)
        // Slow transitions spread beyond the window do not count.
        var slow = Self.monitor()
        slow.commanded(levelPercent: 100, at: Self.t0)
        for index in 0..<20 {
            let watts = index.isMultiple(of: 2) ? 60.0 : 0.5
            let report = slow.powerSample(
                watts: watts, at: Self.t0.adding(seconds: Double(index) * 120), utcOffsetMinutes: 0)
            #expect(!report.active.contains { $0.code == .cycling })
        }
    }

    @Test func energyIsIntegratedFromTimestampedSamples() {
        var monitor = Self.monitor()
        monitor.commanded(levelPercent: 100, at: Self.t0)
        for minute in 0...60 {
            _ = monitor.powerSample(watts: 60, at: Self.t0.adding(seconds: Double(minute) * 60), utcOffsetMinutes: 540)
        }
        #expect(abs(monitor.counters.energyTodayWattHours - 60) < 1e-9)
        #expect(monitor.counters.burningSecondsTotal == 3_600)
        #expect(monitor.counters.burningHoursTotal == 1)
        // A ramp from 0 to 60 W over 5 minutes is 2.5 Wh (trapezoid).
        var ramp = Self.monitor()
        _ = ramp.powerSample(watts: 0, at: Self.t0, utcOffsetMinutes: 0)
        _ = ramp.powerSample(watts: 60, at: Self.t0.adding(seconds: 300), utcOffsetMinutes: 0)
        #expect(abs(ramp.counters.energyTotalWattHours - 2.5) < 1e-9)
        // A gap longer than max_sample_gap_s is not guessed.
        _ = ramp.powerSample(watts: 60, at: Self.t0.adding(seconds: 300 + 3_600), utcOffsetMinutes: 0)
        #expect(abs(ramp.counters.energyTotalWattHours - 2.5) < 1e-9)
    }

    @Test func dailyCounterSplitsAtLocalMidnightAndSurvivesRestart() throws {
        var monitor = Self.monitor()
        // 23:59:00 and 00:01:00 KST on 2026-06-21/22, 60 W: 1 Wh each side of midnight.
        let before = Timestamp(year: 2026, month: 6, day: 21, hour: 14, minute: 59)
        _ = monitor.powerSample(watts: 60, at: before, utcOffsetMinutes: 540)
        _ = monitor.powerSample(watts: 60, at: before.adding(seconds: 120), utcOffsetMinutes: 540)
        #expect(monitor.counters.day == CivilDate(year: 2026, month: 6, day: 22))
        #expect(abs(monitor.counters.energyTodayWattHours - 1) < 1e-9)
        #expect(abs(monitor.counters.energyTotalWattHours - 2) < 1e-9)
        #expect(monitor.counters.burningSecondsToday == 60)

        let saved = try JSONEncoder().encode(monitor.counters)
        let restored = try JSONDecoder().decode(LampCounters.self, from: saved)
        #expect(restored == monitor.counters)
        var resumed = LampHealthMonitor(settings: monitor.settings, counters: restored)
        _ = resumed.powerSample(watts: 60, at: before.adding(seconds: 180), utcOffsetMinutes: 540)
        #expect(abs(resumed.counters.energyTotalWattHours - 3) < 1e-9)
    }
}
