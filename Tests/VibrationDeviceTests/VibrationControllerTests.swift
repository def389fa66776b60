import ADXL355
import AgentRuntime
import ConfigSupport
import DeviceTestKit
import Foundation
import HAL
import HALSim
import Locking
import Testing
import VibrationDevice
import VibrationLogic
import Yams

/// A clock the test moves in step with the samples it pushes.
final class SampleClock: Sendable {
    private let seconds = Lock(1_800_000_000.0)
    var now: Timestamp { Timestamp(secondsSinceEpoch: seconds.withLock { $0 }) }
    func advance(_ delta: Double) { seconds.withLock { $0 += delta } }
}

/// The vibration controller on a simulated ADXL355 (manual conversions: the test pushes the structure's motion) and
/// a manual clock: no process, no sleeping.
@Suite("Vibration controller")
struct VibrationControllerTests {
    let bus = SimulatedI2CBus(name: "sim-i2c-1")
    let chip = SimulatedADXL355(timing: .manual)
    let sink = RecordingSink()
    let clock = SampleClock()
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("vib-\(UUID().uuidString.prefix(8))")
    static let rate = 250.0

    init() {
        bus.attach(chip, at: 0x1D)
    }

    func controller(captureDirectory: URL? = nil, _ configure: (inout VibrationConfiguration) -> Void = { _ in }) async
        -> VibrationController
    {
        var configuration = VibrationConfiguration()
        configuration.settings.outputDataRateHz = Self.rate
        configuration.settings.structureClass = .line3Sensitive
        configuration.settings.alarmHoldSeconds = 0
        configuration.settings.capture.preTriggerSeconds = 1
        configuration.settings.capture.postTriggerSeconds = 1
        configure(&configuration)
        let clock = clock
        let controller = VibrationController(
            configuration: configuration, bus: bus, sink: sink, captureDirectory: captureDirectory ?? directory,
            now: { clock.now })
        await controller.start()
        return controller
    }

    /// Pushes `seconds` of motion sampled at `rate` in watermark-sized batches, draining after each, as the
    /// interrupt would.
    func run(
        _ controller: VibrationController, seconds: Double, from start: Double = 0, rate: Double = Self.rate,
        motion: (Double) -> Double
    ) async {
        let batch = 16
        var t = start
        let end = start + seconds
        while t < end - 1e-9 {
            let samples = (0..<batch).map { index -> (x: Double, y: Double, z: Double) in
                (x: motion(t + Double(index) / rate), y: 0, z: 1)
            }
            t += Double(batch) / rate
            clock.advance(Double(batch) / rate)
            chip.pushSamples(samples)
            await controller.drain()
        }
    }

    /// One watermark's worth of samples the FIFO holds when something else runs first: the interrupt fired, the
    /// drain has not run yet.
    func pushWithoutDraining(x: Double) {
        chip.pushSamples(Array(repeating: (x: x, y: 0, z: 1), count: 16))
        clock.advance(16 / Self.rate)
    }

    @Test("the chip is configured for the rate and the watermark interrupt on INT1, active high")
    func chipConfiguration() async {
        _ = await controller()
        #expect(chip.register(ADXL355.Register.filter) & 0x0F == ADXL355.OutputDataRate.hz250.rawValue)
        #expect(chip.register(ADXL355.Register.fifoSamples) == 48)
        #expect(chip.register(ADXL355.Register.intMap) == 0x06)
        #expect(chip.isMeasuring)
    }

    @Test("a quiet structure gives one telemetry window per second and no alarm")
    func quiet() async {
        let controller = await controller()
        await run(controller, seconds: 5) { t in 0.001 * sin(2 * .pi * 3 * t) }
        #expect(sink.count("vibration") >= 4)
        #expect(!sink.eventNames.contains("vibration-alarm"))
        let report = await controller.lastReport
        #expect(abs((report?.axes.x.dominantFrequencyHz ?? 0) - 3) < 0.5)
        #expect(await controller.samplesRead >= 1200)
    }

    @Test("a shock raises the DIN 4150-3 alarm and stores a capture with one second of pre-trigger history")
    func shock() async throws {
        let controller = await controller()
        await run(controller, seconds: 3) { t in 0.0005 * sin(2 * .pi * 3 * t) }
        // 0.1 g at 20 Hz for a second: PPV ≈ 0.1 × 9.81 / (2π × 20) ≈ 7.8 mm/s, above line 3's 3.5 mm/s at 20 Hz.
        await run(controller, seconds: 1, from: 3) { t in 0.1 * sin(2 * .pi * 20 * t) }
        let alarm = try #require(sink.lastEvent("vibration-alarm"))
        #expect(alarm["state"] == "raised")
        #expect(alarm["axis"] == "x")
        await run(controller, seconds: 3, from: 4) { _ in 0 }
        let stored = try #require(sink.lastEvent("capture-stored"))
        #expect(stored["pre_trigger_samples"] == 250)
        #expect(stored["samples"] == 500)
        #expect(stored["reason"] == "alarm")
        let captures = try await controller.listCaptures()
        #expect(captures.count == 1)
        let capture = try CaptureStore(directory: directory, maxCount: 10, maxTotalBytes: 1 << 24).read(
            id: try #require(captures.first?.id))
        #expect(capture.triggerIndex == 250)
        #expect(capture.samples.x.count == 500)

        // get-capture: numbered chunks with the CRC-32 of the whole file, which reassemble to the stored bytes.
        let id = try #require(captures.first?.id)
        let sent = try await controller.sendCapture(id: id, chunkSize: 1024)
        let chunks = sink.telemetry.withLock { $0.filter { $0.0 == "capture" }.map(\.1) }
        #expect(chunks.count == sent.chunks)
        #expect(sent.chunks == (sent.bytes + 1023) / 1024)
        var bytes = Data()
        for (index, chunk) in chunks.enumerated() {
            #expect(chunk["index"] == .number(Double(index)))
            #expect(chunk["crc32"] == .number(Double(sent.crc32)))
            guard case .string(let text)? = chunk["data"], let payload = Data(base64Encoded: text) else {
                Issue.record("chunk \(index) has no base64 data")
                return
            }
            bytes += payload
        }
        let file = try CaptureStore(directory: directory, maxCount: 10, maxTotalBytes: 1 << 24).data(id: id)
        #expect(bytes == file)
        #expect(CRC32.checksum(bytes) == sent.crc32)
        try? FileManager.default.removeItem(at: directory)
    }

    @Test("a FIFO overrun is counted and reported")
    func overrun() async {
        let controller = await controller()
        chip.pushSamples(Array(repeating: (x: 0, y: 0, z: 1), count: 40))
        await controller.drain()
        #expect(await controller.overruns == 1)
        #expect(sink.eventNames == ["fifo-overrun"])
    }

    @Test("calibration at rest zeroes X and Y and puts Z at 1 g")
    func calibrate() async throws {
        let controller = await controller()
        await controller.calibrate(seconds: 1)
        await run(controller, seconds: 1.2) { _ in 0.05 }
        let event = try #require(sink.lastEvent("calibrated"))
        #expect(
            event["offset_x_g"].map { if case .number(let n) = $0 { abs(n - 0.05) < 0.001 } else { false } } == true)
        // OFFSET_X holds bits 19:4 of the output: 0.05 g at ±2 g is 12 800 LSB, 800 = 0x0320 in the register.
        #expect([chip.register(0x1E), chip.register(0x1F)] == [0x03, 0x20])
        #expect([chip.register(0x22), chip.register(0x23)] == [0x00, 0x00])
        #expect(await controller.isCalibrating == false)
        // With the offsets in place the same motion reads as zero on X.
        await run(controller, seconds: 2, from: 1.2) { _ in 0.05 }
        let mean = await controller.lastReport?.axes.x.meanMetersPerSecondSquared ?? 1
        #expect(abs(mean) < 0.005, "\(mean) m/s²")
    }

    @Test("a calibration across a new output data rate lasts the seconds asked for, not the old rate's sample count")
    func calibrationAcrossRateChange() async throws {
        let controller = await controller()
        await controller.calibrate(seconds: 1)
        // Half a second at 250 Hz (128 samples), then the rest at 500 Hz: 122 samples at 250 Hz are 244 at 500 Hz.
        await run(controller, seconds: 0.512) { _ in 0 }
        var configuration = await controller.configuration
        configuration.settings.outputDataRateHz = 500
        try await controller.apply(configuration)
        await run(controller, seconds: 0.448, from: 0.512, rate: 500) { _ in 0 }
        #expect(sink.lastEvent("calibrated") == nil, "0.96 s of the second asked for: still averaging")
        #expect(await controller.isCalibrating)
        await run(controller, seconds: 0.064, from: 0.96, rate: 500) { _ in 0 }
        let event = try #require(sink.lastEvent("calibrated"), "\(sink.eventNames)")
        #expect(event["samples"] == .number(128 + 256))
    }

    @Test("self-test passes on a working chip and fails when the electrostatic actuation does not move it")
    func selfTest() async {
        let controller = await controller()
        chip.setTiming(.statusReads)
        let good = await controller.selfTest()
        #expect(good.passed, "\(good.details)")
        chip.selfTestResponds = false
        let bad = await controller.selfTest()
        #expect(!bad.passed)
    }

    @Test("an accelerometer that stops answering raises one fault; it is reopened and recovers")
    func fault() async {
        let controller = await controller()
        bus.detach(at: 0x1D)
        await controller.drain()
        await controller.drain()
        #expect(sink.eventNames == ["sensor-fault"])
        #expect(await controller.sensorFault?.contains("no acknowledge") == true)
        bus.attach(chip, at: 0x1D)
        await controller.drain()
        #expect(sink.eventNames == ["sensor-fault", "sensor-recovered"])
        #expect(chip.resetCount == 2)
    }
}

@Suite("Vibration configuration")
struct VibrationConfigurationTests {
    @Test("hardware is read beside the analysis settings; problems carry their paths")
    func read() throws {
        var reader = NodeReader()
        let good = try Yams.compose(
            yaml:
                "hardware: {i2c_bus: sim-i2c-1, range_g: 4, watermark_samples: 8}\nodr_hz: 500\nstructure_class: line1")
        let configuration = try #require(
            VibrationConfiguration.read(&reader, good, at: JSONPath.root.appending("device")))
        #expect(configuration.hardware.rangeG == 4)
        #expect(configuration.settings.outputDataRateHz == 500)
        var bad = NodeReader()
        let node = try Yams.compose(yaml: "hardware: {range_g: 3, adress: 0x1D}\nodr_hz: 300")
        #expect(VibrationConfiguration.read(&bad, node, at: JSONPath.root.appending("device")) == nil)
        let paths = bad.issues.map(\.path)
        #expect(paths.contains("$.device.hardware.range_g"))
        #expect(paths.contains("$.device.hardware.adress"))
        #expect(paths.contains("$.device.odr_hz"))
    }
}

extension VibrationControllerTests {
    @Test("an accelerometer reset behind the gauge's back is found by the read-back, set up again and counted")
    func accelerometerReset() async throws {
        let controller = await controller()
        await controller.verifyConfiguration()
        #expect(sink.eventNames.isEmpty, "\(sink.eventNames)")
        #expect(chip.isMeasuring)
        // A stray software reset: standby, reset values, empty FIFO.
        try await bus.device(at: 0x1D).write([0x2F, 0x52])
        #expect(!chip.isMeasuring)
        await controller.verifyConfiguration()
        #expect(chip.isMeasuring)
        #expect(sink.eventNames == ["sensor-reconfigured"])
        let found = try #require(sink.lastEvent("sensor-reconfigured")?["found"])
        #expect("\(found)".contains("POWER_CTL 0x01 (expected 0x00)"), "\(found)")
        #expect(sink.busErrors.withLock { $0 } == ["sim-i2c-1"])
        await run(controller, seconds: 1) { _ in 0 }
        #expect(await controller.samplesRead >= 240)
    }
}
