import AgentRuntime
import DeviceTestKit
import Foundation
import HAL
import Testing
import VibrationDevice
import VibrationLogic

/// A configuration applied (remote `config/desired` or a local reload) while a capture records: the capture that
/// `capture-now` or an alarm started is never lost without a word.
@Suite("Vibration captures across an applied configuration", .serialized)
struct CaptureAcrossApplyTests {
    let base = VibrationControllerTests()

    /// A controller with a full second of history and a `capture-now` half a second into its post-trigger second.
    func capturing() async -> VibrationController {
        let controller = await base.controller()
        await base.run(controller, seconds: 2) { _ in 0 }
        #expect(await controller.captureNow())
        await base.run(controller, seconds: 0.512, from: 2) { _ in 0.001 }
        #expect(!base.sink.eventNames.contains("capture-stored"), "\(base.sink.eventNames)")
        return controller
    }

    func stored() -> [[String: JSONValue]] { base.sink.events(named: "capture-stored") }

    @Test("settings that do not touch captures (class, hold, window, store bounds) leave the running capture alone")
    func unrelatedChangeKeepsCapture() async throws {
        let controller = await capturing()
        var configuration = await controller.configuration
        configuration.settings.structureClass = .line1Commercial
        configuration.settings.alarmHoldSeconds = 30
        configuration.settings.windowSeconds = 2
        configuration.settings.capture.maxCount = 3
        try await controller.apply(configuration)
        await base.run(controller, seconds: 1, from: 2.512) { _ in 0.001 }
        let event = try #require(stored().first, "\(base.sink.eventNames)")
        #expect(stored().count == 1)
        #expect(event["samples"] == 500)
        #expect(event["pre_trigger_samples"] == 250)
        #expect(event["reason"] == "command")
        #expect(event["truncated"] == nil)
        #expect(try await controller.listCaptures().count == 1)
        try? FileManager.default.removeItem(at: base.directory)
    }

    @Test("new capture lengths apply from the next capture: the running one ends as it was asked for")
    func newLengthsFromNextCapture() async throws {
        let controller = await capturing()
        var configuration = await controller.configuration
        configuration.settings.capture.preTriggerSeconds = 0.5
        configuration.settings.capture.postTriggerSeconds = 2
        try await controller.apply(configuration)
        await base.run(controller, seconds: 1, from: 2.512) { _ in 0.001 }
        let first = try #require(stored().first, "\(base.sink.eventNames)")
        #expect(first["samples"] == 500)
        #expect(first["pre_trigger_samples"] == 250)
        // The next capture has the new lengths: half a second of history (kept across the apply), two after.
        #expect(await controller.captureNow())
        await base.run(controller, seconds: 2.048, from: 3.512) { _ in 0 }
        #expect(stored().count == 2, "\(base.sink.eventNames)")
        let second = try #require(stored().last)
        #expect(second["pre_trigger_samples"] == 125)
        #expect(second["samples"] == 625)
        #expect(try await controller.listCaptures().count == 2)
        try? FileManager.default.removeItem(at: base.directory)
    }

    /// With `waitingInFIFO`, a watermark's worth of samples taken at the old rate has not been drained yet when the
    /// new rate is applied: they belong to the capture too.
    @Test(
        "a new output data rate ends the running capture with what it holds at the old rate, marked truncated",
        arguments: [false, true])
    func newRateStoresTruncatedCapture(waitingInFIFO: Bool) async throws {
        let controller = await capturing()
        if waitingInFIFO { base.pushWithoutDraining(x: 0.001) }
        var configuration = await controller.configuration
        configuration.settings.outputDataRateHz = 500
        try await controller.apply(configuration)
        let event = try #require(stored().first, "\(base.sink.eventNames)")
        // 250 samples of history, the 128 recorded after the trigger (8 batches of 16) before the apply, and the 16
        // still in the FIFO: all at 250 Hz.
        let samples = 378 + (waitingInFIFO ? 16 : 0)
        #expect(event["pre_trigger_samples"] == 250)
        #expect(event["samples"] == .number(Double(samples)))
        #expect(event["truncated"] == true)
        #expect(event["cause"] == "odr_hz changed from 250 to 500 Hz")
        let info = try #require(try await controller.listCaptures().first)
        let capture = try CaptureStore(directory: base.directory, maxCount: 10, maxTotalBytes: 1 << 24).read(
            id: info.id)
        #expect(capture.outputDataRateHz == 250)
        #expect(capture.sampleCount == samples)
        try? FileManager.default.removeItem(at: base.directory)
    }

    @Test("a new rate before the trigger sample was read: the capture holds nothing to store, and the event says so")
    func newRateBeforeTriggerSampleFails() async throws {
        let controller = await base.controller()
        await base.run(controller, seconds: 1) { _ in 0 }
        #expect(await controller.captureNow())
        var configuration = await controller.configuration
        configuration.settings.outputDataRateHz = 500
        try await controller.apply(configuration)
        let failed = try #require(base.sink.lastEvent("capture-failed"), "\(base.sink.eventNames)")
        #expect(failed["reason"] == "configuration-changed")
        #expect(failed["trigger_reason"] == "command")
        #expect(failed["cause"] == "odr_hz changed from 250 to 500 Hz")
        #expect(stored().isEmpty)
        // The recorder runs at the new rate and takes the next capture-now.
        #expect(await controller.captureNow())
    }
}
