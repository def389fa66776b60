import ADXL355
import AgentRuntime
import DeviceTestKit
import Foundation
import HAL
import HALSim
import Locking
import Testing
import VibrationDevice
import VibrationLogic

/// A configuration applied (remote `config/desired` or a local reload) while the gauge measures: a raised alarm is
/// neither forgotten nor raised twice, analysis that the change does not concern carries on, and samples read at the
/// old output data rate are never analysed or recorded as if at the new one.
@Suite("Vibration alarms and windows across an applied configuration", .serialized)
struct AlarmAcrossApplyTests {
    let base = VibrationControllerTests()

    /// 0.1 g at 20 Hz: PPV ≈ 0.1 × 9.81 / (2π × 20) ≈ 7.8 mm/s, above line 3's 4.25 mm/s at 20 Hz.
    static func shake(_ t: Double) -> Double { 0.1 * sin(2 * .pi * 20 * t) }

    /// A controller whose alarm was raised by a second of shaking after three quiet ones.
    func raised() async throws -> VibrationController {
        let controller = await base.controller()
        await base.run(controller, seconds: 3) { _ in 0 }
        await base.run(controller, seconds: 1, from: 3, motion: Self.shake)
        #expect(alarms() == ["raised"], "\(base.sink.eventNames)")
        return controller
    }

    func alarms() -> [String] {
        base.sink.events(named: "vibration-alarm").map { event in
            if case .string(let state)? = event["state"] { state } else { "?" }
        }
    }

    func apply(_ controller: VibrationController, _ change: (inout VibrationSettings) -> Void) async throws {
        var configuration = await controller.configuration
        change(&configuration.settings)
        try await controller.apply(configuration)
    }

    @Test("a raised alarm survives an apply that leaves its definition alone, and clears when the level falls")
    func survivesUnrelatedApply() async throws {
        let controller = try await raised()
        try await apply(controller) { $0.capture.maxCount = 5 }
        #expect(alarms() == ["raised"])
        await base.run(controller, seconds: 3, from: 4.024) { _ in 0 }
        #expect(alarms() == ["raised", "cleared"], "\(base.sink.eventNames)")
        #expect(base.sink.lastEvent("vibration-alarm")?["cause"] == nil)
        try? FileManager.default.removeItem(at: base.directory)
    }

    @Test("a limit raised above the level clears the alarm at once, cause reconfigured, with the new limit")
    func clearedByNewLimit() async throws {
        let controller = try await raised()
        let raise = try #require(base.sink.lastEvent("vibration-alarm"))
        // Line 1 at 20 Hz: 25 mm/s.
        try await apply(controller) { $0.structureClass = .line1Commercial }
        #expect(alarms() == ["raised", "cleared"], "\(base.sink.eventNames)")
        let cleared = try #require(base.sink.lastEvent("vibration-alarm"))
        #expect(cleared["cause"] == "reconfigured")
        guard case .number(let limit)? = cleared["limit_mm_s"] else {
            Issue.record("no limit in \(cleared)")
            return
        }
        #expect(abs(limit - 25) < 0.5, "\(limit) mm/s")
        // Judged on the last window: the one that raised it.
        #expect(cleared["ppv_mm_s"] == raise["ppv_mm_s"])
        #expect(cleared["window"] == raise["window"])
        #expect(base.sink.states.withLock { $0.last } == ["alarm": false])
        // The same shaking under the new limit raises nothing.
        await base.run(controller, seconds: 2, from: 4.024, motion: Self.shake)
        #expect(alarms() == ["raised", "cleared"], "\(base.sink.eventNames)")
        try? FileManager.default.removeItem(at: base.directory)
    }

    @Test("a new limit the level still exceeds keeps the alarm raised: no clear, no second raise")
    func stillHoldingStaysRaised() async throws {
        let controller = try await raised()
        try await apply(controller) {
            $0.customThresholds = [ThresholdPoint(frequencyHz: 1, ppvMillimetersPerSecond: 5)]
        }
        await base.run(controller, seconds: 2, from: 4.024, motion: Self.shake)
        #expect(alarms() == ["raised"], "\(base.sink.eventNames)")
        await base.run(controller, seconds: 3, from: 6.072) { _ in 0 }
        #expect(alarms() == ["raised", "cleared"], "\(base.sink.eventNames)")
        let cleared = try #require(base.sink.lastEvent("vibration-alarm"))
        #expect(cleared["limit_mm_s"] == 5)
        #expect(cleared["cause"] == nil)
        try? FileManager.default.removeItem(at: base.directory)
    }

    @Test("an apply that leaves the analysis settings alone keeps the window being filled")
    func windowCarriesOn() async throws {
        let controller = await base.controller()
        await base.run(controller, seconds: 0.512) { _ in 0 }
        try await apply(controller) { $0.structureClass = .line1Commercial }
        await base.run(controller, seconds: 0.512, from: 0.512) { _ in 0 }
        // 128 + 128 samples: the 250-sample window is complete.
        #expect(base.sink.count("vibration") == 1)
    }

    @Test("samples read at the old rate never enter a window at the new rate")
    func oldRateSamplesStayOutOfNewWindows() async throws {
        let controller = await base.controller()
        await base.run(controller, seconds: 1.024) { _ in 0 }
        let before = base.sink.count("vibration")
        base.pushWithoutDraining(x: 0.2)
        try await apply(controller) { $0.outputDataRateHz = 500 }
        await base.run(controller, seconds: 2.048, from: 1.088, rate: 500) { _ in 0 }
        let after = base.sink.telemetry.withLock { $0.filter { $0.0 == "vibration" }.map(\.1) }.dropFirst(before)
        #expect(after.count == 2)
        for window in after {
            #expect(window["window_s"] == 1)
            // 0.2 g read at 250 Hz would stand out as a ~1.9 m/s² peak in the first 500 Hz window.
            guard case .number(let peak)? = window["x_peak_m_s2"] else {
                Issue.record("no x_peak_m_s2 in \(window)")
                continue
            }
            #expect(peak < 0.01, "\(peak) m/s²")
        }
        #expect(await controller.samplesRead == 256 + 16 + 1024)
    }

    @Test("a chip that fails its reconfiguration is reset and set up again before it is read on")
    func failedReconfigurationReopens() async throws {
        let controller = await base.controller()
        await base.run(controller, seconds: 0.256) { _ in 0 }
        #expect(base.chip.resetCount == 1)
        // The first write of the reconfiguration (POWER_CTL standby) is not acknowledged.
        base.bus.injectFault(.nack, at: 0x1D)
        try await apply(controller) { $0.alarmHoldSeconds = 5 }
        #expect(base.sink.eventNames == ["sensor-fault"])
        await base.run(controller, seconds: 0.064, from: 0.256) { _ in 0 }
        #expect(base.chip.resetCount == 2)
        #expect(base.chip.isMeasuring)
        #expect(base.sink.eventNames == ["sensor-fault", "sensor-recovered"])
    }
}
