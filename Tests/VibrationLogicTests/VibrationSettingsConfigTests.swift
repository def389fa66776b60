import ConfigSupport
import Testing
import VibrationLogic
import Yams

@Suite struct VibrationSettingsConfigTests {
    @Test func readsAFullDeviceSection() throws {
        let settings = try VibrationSettings.fromConfiguration(
            yaml: """
                device:
                  odr_hz: 2000
                  window_s: 0.5
                  highpass_hz: 2
                  tilt_tau_s: 30
                  hysteresis_percent: 15
                  alarm_hold_s: 5
                  custom_thresholds:
                    - { frequency_hz: 10, ppv_mm_s: 2 }
                    - { frequency_hz: 50, ppv_mm_s: 6.5 }
                  bands:
                    - { from_hz: 1, to_hz: 20 }
                    - { from_hz: 20 }
                  capture: { pre_s: 1, post_s: 3, max_count: 5, max_total_mb: 2 }
                """)
        #expect(settings.outputDataRateHz == 2_000)
        #expect(settings.samplesPerWindow == 1_000)
        #expect(settings.highPassCornerHz == 2)
        #expect(settings.tiltTimeConstantSeconds == 30)
        #expect(abs(settings.hysteresisFraction - 0.15) < 1e-12)
        #expect(settings.alarmHoldSeconds == 5)
        #expect(
            settings.thresholdCurve
                == .custom([
                    ThresholdPoint(frequencyHz: 10, ppvMillimetersPerSecond: 2),
                    ThresholdPoint(frequencyHz: 50, ppvMillimetersPerSecond: 6.5),
                ]))
        #expect(settings.bands == [FrequencyBand(lowerHz: 1, upperHz: 20), FrequencyBand(lowerHz: 20, upperHz: nil)])
        #expect(settings.capture.preTriggerSeconds == 1)
        #expect(settings.capture.postTriggerSeconds == 3)
        #expect(settings.capture.maxCount == 5)
        #expect(settings.capture.maxTotalBytes == 2 * 1_048_576)
    }

    @Test func structureClassAndDefaults() throws {
        #expect(try VibrationSettings.fromConfiguration(yaml: "agent: {}\n") == VibrationSettings())
        let settings = try VibrationSettings.fromConfiguration(yaml: "device:\n  structure_class: line3\n")
        #expect(settings.thresholdCurve == .din4150(.line3Sensitive))
    }

    @Test func reportsEveryProblemWithItsPath() {
        let yaml = """
            device:
              odr_hz: 1200
              window_s: 0
              structure_class: line4
              hysteresis_pct: 10
              bands:
                - { from_hz: 50, to_hz: 20 }
                - { to_hz: 100 }
              custom_thresholds:
                - { frequency_hz: 20, ppv_mm_s: 5 }
                - { frequency_hz: 10, ppv_mm_s: 3 }
              capture:
                max_count: many
            """
        #expect {
            try VibrationSettings.fromConfiguration(yaml: yaml)
        } throws: { error in
            guard let error = error as? DocumentError else { return false }
            let paths = error.issues.map(\.path)
            let expectedPaths = [
                "$.device.odr_hz", "$.device.window_s", "$.device.structure_class", "$.device.hysteresis_pct",
                "$.device.bands[0].to_hz", "$.device.bands[1].from_hz", "$.device.custom_thresholds",
                "$.device.custom_thresholds[1].frequency_hz", "$.device.capture.max_count",
            ]
            #expect(paths == expectedPaths)
            let lines = error.issues.map(\.description)
            #expect(
                lines.first
                    == "$.device.odr_hz: expected an ADXL355 rate (4000, 2000, 1000, 500, 250, 125, 62.5, 31.25, "
                    + "15.625, 7.813, 3.906 Hz), got 1200 (line 2)")
            #expect(lines.contains("$.device.bands[0].to_hz: expected number above from_hz (50 Hz), got 20 (line 7)"))
            #expect(lines.contains { $0.hasPrefix("$.device.hysteresis_pct: expected a key of $.device (") })
            #expect(lines.contains { $0.contains("did you mean \"hysteresis_percent\"?") })
            return paths == expectedPaths
        }
    }
}
