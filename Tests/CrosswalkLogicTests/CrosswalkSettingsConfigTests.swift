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
}
