import CrosswalkLogic
import Testing

/// The beacons' lit level on a dimmable output: day or night from a local-time window, full in the fail-safe state.
@Suite struct BeaconIntensityTests {
    /// 2026-12-02 00:00 UTC, a Wednesday.
    static let midnightUTC = 1_796_169_600.0

    static func at(_ hours: Int, _ minutes: Int = 0) -> Double { midnightUTC + Double(hours * 3_600 + minutes * 60) }

    static var intensity: CrosswalkSettings.BeaconIntensity {
        var intensity = CrosswalkSettings.BeaconIntensity()
        intensity.dayPercent = 80
        intensity.nightPercent = 25
        intensity.nightHours = NightWindow(start: 22 * 60, end: 6 * 60)
        return intensity
    }

    @Test func aLitBeaconTakesTheDayOrTheNightLevel() {
        #expect(Self.intensity.onLevel(night: false) == 0.8)
        #expect(Self.intensity.onLevel(night: true) == 0.25)
    }

    @Test(arguments: [
        (21, 59, false), (22, 0, true), (23, 59, true), (24, 0, true), (29, 59, true), (30, 0, false), (12, 0, false),
    ])
    func aNightWindowRunsPastMidnight(hours: Int, minutes: Int, night: Bool) {
        #expect(Self.intensity.isNight(unixSeconds: Self.at(hours, minutes), utcOffsetMinutes: 0) == night)
    }

    @Test func theNightWindowIsInLocalTime() {
        // 13:30 UTC is 22:30 in Seoul (UTC+9): night there, afternoon in UTC.
        #expect(Self.intensity.isNight(unixSeconds: Self.at(13, 30), utcOffsetMinutes: 540))
        #expect(!Self.intensity.isNight(unixSeconds: Self.at(13, 30), utcOffsetMinutes: 0))
    }

    @Test func aWindowWithinOneDayEndsBeforeMidnight() {
        let window = NightWindow(start: 18 * 60, end: 1_440)
        #expect(window.contains(unixSeconds: Self.at(23, 59), utcOffsetMinutes: 0))
        #expect(!window.contains(unixSeconds: Self.at(24, 0), utcOffsetMinutes: 0))
        #expect(!window.contains(unixSeconds: Self.at(17, 59), utcOffsetMinutes: 0))
    }

    @Test func withoutNightHoursItIsNeverNight() {
        #expect(!CrosswalkSettings.BeaconIntensity().isNight(unixSeconds: Self.at(23), utcOffsetMinutes: 0))
    }

    @Test func theMachineDimsInItsWarningStatesAndLightsFullyInFailSafe() {
        var settings = CrosswalkSettings()
        settings.beaconIntensity = Self.intensity
        var machine = CrosswalkMachine(settings: settings, start: .zero)
        machine.handle(.detected(.button(0)), at: .seconds(1))
        #expect(machine.state == .warning)
        #expect(machine.beaconLevel(night: true) == 0.25)
        #expect(machine.beaconLevel(night: false) == 0.8)
        machine.handle(.faultFound(.outputMismatch(output: "beacon_left")), at: .seconds(2))
        #expect(machine.state == .failSafe)
        #expect(machine.beaconLevel(night: true) == 1)
    }
}
