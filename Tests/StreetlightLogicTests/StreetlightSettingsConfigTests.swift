import ConfigSupport
import StreetlightLogic
import Testing
import Yams

@Suite struct StreetlightSettingsConfigTests {
    @Test func readsAFullDeviceSection() throws {
        let settings = try StreetlightSettings.fromConfiguration(
            yaml: """
                device:
                  latitude: 37.5665
                  longitude: 126.978
                  utc_offset_min: 540
                  sunset_offset_min: -10
                  sunrise_offset_min: 15
                  lux_on: 25
                  lux_off: 70.5
                  lux_dwell_s: 90
                  lux_timeout_s: 30
                  boost_level: 90
                  boost_hold_s: 45
                  fade_s: 2.5
                  min_on_level: 12
                  on_level: 95
                  pwm_frequency_hz: 500
                  profile:
                    - { from: "23:00", level: 50 }
                    - { from: "05:00", level: 100 }
                  lamp:
                    rated_power_w: 80
                    settle_s: 5
                    cycling_max_transitions: 4
                """)
        #expect(settings.longitudeDegrees == 126.978)
        #expect(settings.sunsetOffsetMinutes == -10)
        #expect(settings.luxOff == 70.5)
        #expect(settings.fadeSeconds == 2.5)
        #expect(settings.pwmFrequencyHz == 500)
        #expect(
            settings.profile == [
                .init(startMinuteOfDay: 1_380, levelPercent: 50), .init(startMinuteOfDay: 300, levelPercent: 100),
            ])
        #expect(settings.lamp.ratedPowerWatts == 80)
        #expect(settings.lamp.cyclingMaxTransitions == 4)
        #expect(settings.lamp.powerTolerancePercent == LampHealthSettings().powerTolerancePercent)
    }

    @Test func absentSectionGivesDefaults() throws {
        #expect(try StreetlightSettings.fromConfiguration(yaml: "agent: {}\n") == StreetlightSettings())
    }

    @Test func reportsEveryProblemWithItsPath() {
        let yaml = """
            device:
              latitude: 95
              lux_on: 30
              lux_off: 20
              lux_dwel_s: 60
              pwm_frequency_hz: 5000
              fade_s: fast
              profile:
                - { from: "23:00", level: 50 }
                - { from: "25:00", level: 30 }
                - { from: "05:00", level: 140 }
                - { from: "23:00", level: 40 }
                - { level: 20 }
              lamp:
                rated_power_w: -1
            """
        #expect {
            try StreetlightSettings.fromConfiguration(yaml: yaml)
        } throws: { error in
            guard let error = error as? DocumentError else { return false }
            let lines = error.issues.map(\.description)
            let expected = [
                "$.device.latitude: expected number -90…90 °, got 95 (line 2)",
                "$.device.lux_off: expected number above lux_on (30 lx) for hysteresis, got 20 (line 4)",
                "$.device.lux_dwel_s: expected a key of $.device (boost_hold_s, boost_level, fade_s, lamp, latitude, "
                    + "longitude, lux_dwell_s, lux_off, lux_on, lux_timeout_s, min_on_level, on_level, profile, "
                    + "pwm_frequency_hz, sunrise_offset_min, sunset_offset_min, utc_offset_min), got unknown key "
                    + "\"lux_dwel_s\"; did you mean \"lux_dwell_s\"? (line 5)",
                "$.device.pwm_frequency_hz: expected integer 24…1526 Hz, got 5000 (line 6)",
                "$.device.fade_s: expected number 0…600 s, got \"fast\" (line 7)",
                "$.device.profile[1].from: expected local time \"HH:MM\" 00:00…23:59, got \"25:00\" (line 10)",
                "$.device.profile[2].level: expected number 0…100, got 140 (line 11)",
                "$.device.profile[3].from: expected a start time not already used by $.device.profile[0], "
                    + "got \"23:00\" again (line 12)",
                "$.device.profile[4].from: expected required key \"from\", got nothing (line 13)",
                "$.device.lamp.rated_power_w: expected number 0.1…10000 W, got -1 (line 15)",
            ]
            #expect(lines == expected)
            return lines == expected
        }
    }

    @Test func notAMapping() {
        var reader = NodeReader()
        let settings = StreetlightSettings.read(&reader, "17", at: JSONPath.root.appending("device"))
        #expect(settings == nil)
        #expect(reader.issues.first?.path == "$.device")
    }
}
