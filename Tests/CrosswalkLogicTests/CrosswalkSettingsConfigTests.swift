import ConfigSupport
import CrosswalkLogic
import Testing
import Yams

@Suite struct CrosswalkSettingsConfigTests {
    func read(_ yaml: String) throws(DocumentError) -> CrosswalkSettings {
        try YAMLDocument.readSection(yaml, section: "device") { CrosswalkSettings.read(&$0, $1, at: $2) }
    }

    @Test func absentSectionGivesTheDefaults() throws {
        #expect(try read("agent: {}\n") == CrosswalkSettings())
    }

    @Test func readsTimesAndTheSchoolSchedule() throws {
        let settings = try read(
            """
            device:
              clearance_s: 12
              heartbeat_timeout_ms: 1500
              utc_offset_min: 540
              school_zone:
                clearance_s: 20
                schedule:
                  - {days: mon-fri, hours: "07:30-09:00"}
                  - {days: sat, hours: "08:00-12:00"}
                  - {days: sun, hours: "22:00-24:00"}
            """)
        #expect(settings.clearance == .seconds(12))
        #expect(settings.heartbeatTimeout == .milliseconds(1_500))
        #expect(settings.schoolZone.clearance == .seconds(20))
        #expect(
            settings.schoolZone.schedule == [
                SchoolZoneWindow(weekdays: 1...5, minutes: 450..<540),
                SchoolZoneWindow(weekdays: 6...6, minutes: 480..<720),
                SchoolZoneWindow(weekdays: 7...7, minutes: 1320..<1440),
            ])
    }

    @Test func aSchoolClearanceShorterThanTheNormalOneIsRefusedWithItsPath() {
        #expect {
            _ = try read("device:\n  clearance_s: 20\n  school_zone: {clearance_s: 10}\n")
        } throws: { error in
            "\(error)".contains("$.device.school_zone.clearance_s: expected at least clearance_s (20 s)")
        }
    }

    @Test func badWindowsAreRefusedWithTheirPaths() {
        #expect {
            _ = try read("device:\n  school_zone:\n    schedule: [{days: fri-mon, hours: \"09:00-07:30\"}]\n")
        } throws: { error in
            let text = "\(error)"
            return text.contains("$.device.school_zone.schedule[0].days")
                && text.contains("$.device.school_zone.schedule[0].hours")
        }
    }

    @Test func aWindowHoldsInLocalTime() {
        // 2026-12-02 22:45 UTC is Thursday 07:45 in Seoul (UTC+9) and Wednesday evening in UTC.
        let window = SchoolZoneWindow(weekdays: 4...4, minutes: 450..<540)
        #expect(window.contains(unixSeconds: 1_796_251_500, utcOffsetMinutes: 540))
        #expect(!window.contains(unixSeconds: 1_796_251_500, utcOffsetMinutes: 0))
        #expect(!window.contains(unixSeconds: 1_796_251_500 + 5_400, utcOffsetMinutes: 540))
    }

    @Test func readsTheBeaconIntensityWithANightAcrossMidnight() throws {
        let settings = try read(
            """
            device:
              beacon_intensity: {day_pct: 90, night_pct: 40, night_hours: "19:30-06:45"}
            """)
        #expect(settings.beaconIntensity.dayPercent == 90)
        #expect(settings.beaconIntensity.nightPercent == 40)
        #expect(settings.beaconIntensity.nightHours == NightWindow(start: 1_170, end: 405))
        #expect(try read("device:\n  beacon_intensity: {night_hours: none}\n").beaconIntensity.nightHours == nil)
        #expect(CrosswalkSettings().beaconIntensity.nightHours == nil)
    }

    @Test(arguments: ["07:00-07:00", "25:00-06:00", "dusk"])
    func aNightWithoutHoursIsRefusedWithItsPath(hours: String) {
        #expect {
            _ = try read("device:\n  beacon_intensity: {night_hours: \"\(hours)\"}\n")
        } throws: { error in
            "\(error)".contains("$.device.beacon_intensity.night_hours")
        }
    }

    @Test func aNightBrighterThanTheDayIsRefused() {
        #expect {
            _ = try read("device:\n  beacon_intensity: {day_pct: 50, night_pct: 60}\n")
        } throws: { error in
            "\(error)".contains("$.device.beacon_intensity.night_pct: expected at most day_pct (50 %)")
        }
    }
}
