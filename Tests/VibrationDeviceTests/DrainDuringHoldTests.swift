import ADXL355
import AgentRuntime
import DeviceTestKit
import Foundation
import Locking
import Testing
import VibrationDevice
import VibrationLogic

/// A watermark interrupt that arrives while another operation holds the chip (an apply, a self-test, the
/// configuration read-back). The interrupt is an edge: while the FIFO stays above the watermark it does not come
/// again, so the drain it asked for must run when the chip is released, not on the slow fallback timer — at 4 kHz
/// the 96-entry FIFO (32 samples) fills in 8 ms.
@Suite("Vibration drain requested while the chip is held", .serialized)
struct DrainDuringHoldTests {
    let base = VibrationControllerTests()

    @Test("a drain asked for during an apply runs when the apply releases the chip, before apply returns")
    func drainRunsOnRelease() async throws {
        let controller = Lock<VibrationController?>(nil)
        let base = base
        // The clearing event is published while the apply holds the chip: the interrupt fires right then.
        let sink = HookedSink { name, fields in
            guard name == "vibration-alarm", fields["state"] == "cleared",
                let gauge = controller.withLock({ $0 })
            else { return }
            base.pushWithoutDraining(x: 0)
            await gauge.drain()
        }
        let gauge = VibrationController(
            configuration: await base.controller().configuration, bus: base.bus, sink: sink,
            captureDirectory: base.directory, now: { base.clock.now })
        controller.withLock { $0 = gauge }
        // The sink's hook holds the controller and the controller holds the sink: break the cycle when done, or the
        // controller, its chip and its windows outlive the test (LeakSanitizer reported them, 55 KB).
        defer { controller.withLock { $0 = nil } }
        await gauge.start()
        await base.run(gauge, seconds: 3) { _ in 0 }
        await base.run(gauge, seconds: 1, from: 3, motion: AlarmAcrossApplyTests.shake)
        #expect(sink.recorded.events(named: "vibration-alarm").count == 1, "\(sink.recorded.eventNames)")
        let before = await gauge.samplesRead

        var configuration = await gauge.configuration
        // Line 1 at 20 Hz: 25 mm/s, so the raised alarm clears at once, inside the apply.
        configuration.settings.structureClass = .line1Commercial
        try await gauge.apply(configuration)

        #expect(sink.recorded.lastEvent("vibration-alarm")?["state"] == "cleared")
        #expect(await gauge.samplesRead == before + 16, "the drain asked for during the apply ran at its end")
        #expect(base.chip.fifoEntryCount == 0)
        #expect(await gauge.overruns == 0)
        try? FileManager.default.removeItem(at: base.directory)
    }
}

/// Records like `RecordingSink` and runs `onEvent` inside `event(_:_:)`, while the controller awaits it: a
/// deterministic moment to act while the controller holds the chip.
final class HookedSink: DeviceSink {
    let recorded = RecordingSink()
    let onEvent: @Sendable (String, [String: JSONValue]) async -> Void

    init(onEvent: @escaping @Sendable (String, [String: JSONValue]) async -> Void) {
        self.onEvent = onEvent
    }

    func telemetry(_ stream: String, _ values: [String: JSONValue]) async {
        await recorded.telemetry(stream, values)
    }
    func event(_ name: String, _ values: [String: JSONValue]) async {
        await recorded.event(name, values)
        await onEvent(name, values)
    }
    func state(_ values: [String: JSONValue]) async { await recorded.state(values) }
}
