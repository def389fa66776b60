public import ADXL355
public import AgentRuntime
import ConfigSupport
public import FoundationEssentials
import Glibc
public import HAL
public import VibrationLogic

/// The vibration gauge's device logic bound to its ADXL355: FIFO reads on the watermark interrupt, window analysis,
/// DIN 4150-3 alarms, triggered captures with pre-trigger history, tilt, calibration and the chip's self-test.
///
/// Time is injected (`now`); the daemon calls `drain()` on each interrupt edge (and on a slow fallback timer), tests
/// call it directly. The gauge drives no actuator, so it has no safe state beyond stopping cleanly; a failed bus
/// read raises `event/sensor-fault` once and the gauge keeps trying.
public actor VibrationController {
    public private(set) var configuration: VibrationConfiguration
    private let bus: any I2CBus
    private let sink: any DeviceSink
    private var store: CaptureStore
    private let now: @Sendable () -> Timestamp
    private var sensor: ADXL355?
    private var analyzer: WindowAnalyzer
    private var alarms: AlarmEvaluator
    private var recorder: CaptureRecorder
    private var fault: String?
    private var offsets = (x: 0.0, y: 0.0, z: 0.0)
    private var calibration: (sum: (x: Double, y: Double, z: Double), count: Int, target: Int)?
    private var windows = 0
    /// Who holds the chip for a sequence of transfers; the others wait their turn.
    private let turns = ChipTurns()
    private var drainAgain = false
    public private(set) var overruns = 0
    public private(set) var samplesRead = 0
    public private(set) var lastReport: WindowReport?

    public init(
        configuration: VibrationConfiguration, bus: any I2CBus, sink: any DeviceSink, captureDirectory: URL,
        now: @escaping @Sendable () -> Timestamp
    ) {
        self.configuration = configuration
        self.bus = bus
        self.sink = sink
        self.now = now
        store = CaptureStore(directory: captureDirectory, settings: configuration.settings.capture)
        analyzer = WindowAnalyzer(settings: configuration.settings)
        alarms = AlarmEvaluator(settings: configuration.settings)
        recorder = CaptureRecorder(settings: configuration.settings)
    }

    public var sensorFault: String? { fault }

    /// The ADXL355 configuration this gauge runs: range, data rate, FIFO watermark and overrun on INT1, active high.
    public var chipConfiguration: ADXL355.Configuration {
        let hardware = configuration.hardware
        let rate =
            ADXL355.OutputDataRate.allCases.first { $0.hertz == configuration.settings.outputDataRateHz } ?? .hz1000
        let range: ADXL355.Range =
            switch hardware.rangeG {
            case 8: .g8
            case 4: .g4
            default: .g2
            }
        return ADXL355.Configuration(
            range: range, outputDataRate: rate, highPassCorner: .off,
            fifoWatermarkEntries: hardware.watermarkSamples * 3, interruptMap: [.fifoFullINT1, .fifoOverrunINT1],
            interruptActiveHigh: true)
    }

    /// Opens the accelerometer (identity check, reset, configuration). A failure is reported and retried by `drain`.
    public func start() async {
        await open()
    }

    private func open() async {
        do throws(I2CError) {
            let device = try await bus.device(at: I2CAddress(integerLiteral: configuration.hardware.address))
            sensor = try await ADXL355(device: device, configuration: chipConfiguration)
            await clearFault()
        } catch {
            sensor = nil
            await report(error)
        }
    }

    /// Reads the FIFO until it is below the watermark and feeds analysis, alarms and captures.
    ///
    /// Actor methods interleave at every `await`, and a FIFO read is two transfers: a second drain (interrupt and
    /// timer firing together) between them would pop entries the first one counted. So one drain runs at a time; a
    /// request that arrives meanwhile makes the running one go round again. A request that arrives while another
    /// sequence holds the chip (an apply, the self-test, the read-back) runs when that sequence releases it.
    public func drain() async {
        drainAgain = true
        guard turns.tryTake() else { return }
        await drainWhileRequested()
        turns.release()
    }

    /// Drains until no request is pending; the caller holds the chip.
    private func drainWhileRequested() async {
        while drainAgain {
            drainAgain = false
            await drainOnce()
        }
    }

    /// Reads the accelerometer's configuration back. A brown-out or stray reset puts the chip in standby with reset
    /// values: no interrupt, no samples, no failed transfer — the gauge would fall silent. A chip found so is set up
    /// again (identity, reset, configuration), reported and counted as a bus error.
    public func verifyConfiguration() async {
        let difference: String? = await exclusively {
            guard let sensor else { return nil }
            do throws(I2CError) {
                return try await sensor.configurationDifference()
            } catch {
                self.sensor = nil
                await report(error)
                return nil
            }
        }
        guard let difference else { return }
        await sink.busError(bus.name)
        await sink.event("sensor-reconfigured", ["part": "accelerometer", "found": .string(difference)])
        await exclusively { await open() }
    }

    /// Waits until no drain or other chip sequence runs (after those that asked before: `ChipTurns`), then holds the
    /// chip for `body`, and drains before releasing it when a drain was asked for meanwhile.
    ///
    /// The watermark interrupt is an edge: while the FIFO stays above the watermark it does not come again, so a
    /// drain turned away here would wait for the 250 ms fallback timer — at 4 kHz the 96-entry FIFO (32 samples)
    /// fills in 8 ms and overruns long before.
    private func exclusively<T>(_ body: () async -> T) async -> T {
        await turns.take()
        let result = await body()
        await drainWhileRequested()
        turns.release()
        return result
    }

    private func drainOnce() async {
        if sensor == nil { await open() }
        guard let sensor else { return }
        do throws(I2CError) {
            var rounds = 0
            repeat {
                let readout = try await sensor.readFIFO()
                if readout.overrun {
                    overruns += 1
                    // One event per overrun episode would flood a struggling link; every 100th is enough to see it.
                    if overruns == 1 || overruns % 100 == 0 {
                        await sink.event("fifo-overrun", ["count": .number(Double(overruns))])
                    }
                }
                await consume(readout.samples)
                rounds += 1
                guard readout.watermarkReached, rounds < 8 else { break }
            } while true
            await clearFault()
        } catch {
            // Reopen (identity, reset, configuration) on the next drain: the chip may have lost power.
            self.sensor = nil
            await report(error)
        }
    }

    private func consume(_ samples: [ADXL355.Sample]) async {
        guard !samples.isEmpty else { return }
        samplesRead += samples.count
        let rate = configuration.settings.outputDataRateHz
        let first = now().adding(seconds: -Double(samples.count - 1) / rate)
        let accelerations = samples.map { AccelerationSample(x: $0.xG, y: $0.yG, z: $0.zG) }
        if var running = calibration {
            for sample in samples {
                running.sum.x += sample.xG
                running.sum.y += sample.yG
                running.sum.z += sample.zG
            }
            running.count += samples.count
            calibration = running.count >= running.target ? nil : running
            if running.count >= running.target { await finishCalibration(running) }
        }
        for report in analyzer.process(accelerations, firstSampleAt: first) {
            await publish(report)
        }
        for capture in recorder.append(accelerations, firstSampleAt: first) {
            await store(capture)
        }
    }

    private func publish(_ report: WindowReport) async {
        lastReport = report
        windows += 1
        await sink.telemetry("vibration", Self.figures(of: report))
        // Tilt is slow: every tenth window.
        if windows % 10 == 1 {
            await sink.telemetry(
                "tilt",
                [
                    "pitch_deg": .number(Self.round(report.tilt.pitchDegrees, 3)),
                    "roll_deg": .number(Self.round(report.tilt.rollDegrees, 3)),
                ])
        }
        if let alarm = alarms.evaluate(report) { await publish(alarm) }
    }

    /// `event/vibration-alarm` with the figures of the alarm's window (and `cause: reconfigured` when a new
    /// definition decided it), the retained state, and on a raise a capture.
    private func publish(_ alarm: AlarmEvent) async {
        var fields: [String: JSONValue] = [
            "state": .string(alarm.kind.rawValue), "axis": .string("\(alarm.axis)"),
            "ppv_mm_s": .number(Self.round(alarm.ppvMillimetersPerSecond, 3)),
            "frequency_hz": .number(Self.round(alarm.frequencyHz, 2)),
            "limit_mm_s": .number(Self.round(alarm.limitMillimetersPerSecond, 3)),
            "ratio": .number(Self.round(alarm.ratio, 3)),
        ]
        if alarm.cause == .reconfigured { fields["cause"] = .string(alarm.cause.rawValue) }
        fields["window"] = .object(Self.figures(of: alarm.window))
        await sink.event("vibration-alarm", fields)
        if alarm.kind == .raised { _ = recorder.trigger(reason: "alarm") }
        await sink.state(["alarm": .bool(alarms.isRaised)])
    }

    /// A window's figures as `telemetry/vibration` and `event/vibration-alarm` carry them.
    static func figures(of report: WindowReport) -> [String: JSONValue] {
        var values: [String: JSONValue] = [
            "window_s": .number(report.durationSeconds),
            "ppv_vector_mm_s": .number(Self.round(report.vectorPPVMillimetersPerSecond, 3)),
        ]
        for (axis, figures) in [("x", report.axes.x), ("y", report.axes.y), ("z", report.axes.z)] {
            values["\(axis)_rms_m_s2"] = .number(Self.round(figures.rmsMetersPerSecondSquared, 5))
            values["\(axis)_peak_m_s2"] = .number(Self.round(figures.peakMetersPerSecondSquared, 5))
            values["\(axis)_p2p_m_s2"] = .number(Self.round(figures.peakToPeakMetersPerSecondSquared, 5))
            values["\(axis)_crest"] = .number(Self.round(figures.crestFactor, 3))
            values["\(axis)_ppv_mm_s"] = .number(Self.round(figures.ppvMillimetersPerSecond, 4))
            values["\(axis)_dominant_hz"] = .number(Self.round(figures.dominantFrequencyHz, 2))
            values["\(axis)_bands_m2_s4"] = .array(figures.bandEnergies.map { .number(Self.round($0, 8)) })
        }
        return values
    }

    /// Saves `capture` and says so in `event/capture-stored`; a capture ended early carries `truncated: true` and
    /// `cause`.
    private func store(_ capture: Capture, truncatedBecause cause: String? = nil) async {
        // The capture folder shares its filesystem with the outbox and the applied configuration: a capture that
        // would eat into the reserve is not written at all.
        let needed = capture.encodedSize + FreeSpace.reserveBytes
        if let available = FreeSpace.availableBytes(at: store.directory.path), available < needed {
            await sink.event(
                "capture-failed",
                [
                    "reason": "no-space", "id": .string(capture.id), "bytes": .number(Double(capture.encodedSize)),
                    "available_bytes": .number(Double(available)),
                    "reserve_bytes": .number(Double(FreeSpace.reserveBytes)),
                ])
            return
        }
        do throws(CaptureStoreError) {
            let (saved, evicted) = try store.save(capture)
            var fields: [String: JSONValue] = [
                "id": .string(saved.id), "bytes": .number(Double(saved.sizeBytes)),
                "reason": .string(capture.reason), "samples": .number(Double(capture.sampleCount)),
                "pre_trigger_samples": .number(Double(capture.triggerIndex)),
                "evicted": .array(evicted.map { .string($0) }),
            ]
            if let cause {
                fields["truncated"] = true
                fields["cause"] = .string(cause)
            }
            await sink.event("capture-stored", fields)
        } catch {
            // Which capture, which file or folder and why, so whoever reads the event can act on it.
            let reason = error.errno == ENOSPC ? "no-space" : "\(error.code)".replacing(" ", with: "-")
            var fields: [String: JSONValue] = [
                "reason": .string(reason), "id": .string(capture.id), "path": .string(error.path),
                "error": .string("\(error)"),
            ]
            if let code = error.errno { fields["errno"] = .number(Double(code)) }
            await sink.event("capture-failed", fields)
        }
    }

    /// Takes applied settings (remote `config/desired` or a local reload), holding the chip so no drain runs
    /// meanwhile; the chip is reconfigured.
    ///
    /// Analysis carries on when its own settings (rate, window, high-pass, tilt, bands) stay; otherwise it restarts
    /// and the partly filled window is discarded. The alarm keeps its state: see `AlarmEvaluator.reconfigure`; a
    /// raised alarm the new definition no longer holds is cleared with `cause: reconfigured`.
    ///
    /// A new output data rate: what the FIFO still holds was sampled at the old rate, so it is read first and
    /// analysed and recorded at the old rate (it may complete a window or a capture); the old window that is still
    /// incomplete then is discarded, not finished: its figures are defined over `window_s` at one rate, and waiting
    /// for the rest would keep the old rate for up to a window after the apply was reported. After the chip is
    /// reconfigured the FIFO is emptied once more without analysis: a sample converted at the old rate between that
    /// read and standby must not enter a window at the new rate.
    ///
    /// A capture in progress was promised to whoever triggered it (`capture-now` answered `accepted`), so it is never
    /// dropped without a word. At the same output data rate the recorder and its history stay: new lengths apply from
    /// the next capture, new store bounds when this one is saved. A new rate cannot share a capture with the old one,
    /// so the capture ends with what it recorded at the old rate — stored, `event/capture-stored` with
    /// `truncated: true` and the cause — or, when its trigger sample had not been read yet,
    /// `event/capture-failed` with `reason: configuration-changed`.
    public func apply(settings: VibrationSettings) async {
        await exclusively { await applyHoldingChip(settings) }
    }

    private func applyHoldingChip(_ settings: VibrationSettings) async {
        let previousRate = configuration.settings.outputDataRateHz
        let rateChanged = settings.outputDataRateHz != previousRate
        if rateChanged, sensor != nil { await drainOnce() }
        if rateChanged, var running = calibration {
            // The target was counted in samples at the old rate; what is left of the time asked for is that many
            // samples times the ratio of the rates at the new one.
            let left = Double(running.target - running.count) * settings.outputDataRateHz / previousRate
            running.target = running.count + Int(left.rounded(.up))
            calibration = running
        }
        configuration.settings = settings
        store = CaptureStore(directory: store.directory, settings: settings.capture)
        if !analyzer.analyses(like: settings) { analyzer = WindowAnalyzer(settings: settings) }
        let cleared = alarms.reconfigure(settings)
        var ended: CaptureRecorder.EarlyEnd?
        if rateChanged {
            ended = recorder.endEarly()
            recorder = CaptureRecorder(settings: settings)
        } else {
            recorder.setLengths(
                preTriggerSeconds: settings.capture.preTriggerSeconds,
                postTriggerSeconds: settings.capture.postTriggerSeconds)
        }
        let cause =
            "odr_hz changed from \(YAMLDocument.format(previousRate)) to "
            + "\(YAMLDocument.format(settings.outputDataRateHz)) Hz"
        switch ended {
        case .truncated(let capture)?:
            await store(capture, truncatedBecause: cause)
        case .empty(let reason)?:
            await sink.event(
                "capture-failed",
                ["reason": "configuration-changed", "trigger_reason": .string(reason), "cause": .string(cause)])
        case nil:
            break
        }
        if let cleared { await publish(cleared) }
        guard var sensor else { return }
        do throws(I2CError) {
            try await sensor.configure(chipConfiguration)
            self.sensor = sensor
            if rateChanged { _ = try await sensor.readFIFO() }
        } catch {
            // A chip left half configured (standby, or the old rate's samples still queued) is not read on: the next
            // drain reopens it with the new configuration (identity, reset, which empties the FIFO, configuration).
            self.sensor = nil
            await report(error)
        }
    }

    public var isHealthy: Bool { fault == nil }

    /// Refuses capture bounds the filesystem cannot hold: what the captures have now plus what is free, less the
    /// reserve the outbox and the configuration keep. Checked before remote settings are applied.
    public func checkCaptureSpace(_ settings: VibrationSettings) throws(CaptureSpaceRefused) {
        guard let available = FreeSpace.availableBytes(at: store.directory.path) else { return }
        let held = ((try? store.list()) ?? []).reduce(0) { $0 + $1.sizeBytes }
        let room = held + available - FreeSpace.reserveBytes
        guard settings.capture.maxTotalBytes <= room else {
            throw CaptureSpaceRefused(
                requestedBytes: settings.capture.maxTotalBytes, roomBytes: max(0, room), path: store.directory.path)
        }
    }

    // MARK: Commands

    /// Starts a capture now (pre-trigger history included); false while one is running.
    public func captureNow() -> Bool {
        recorder.trigger(reason: "command")
    }

    public func listCaptures() throws(CaptureStoreError) -> [CaptureInfo] {
        try store.list()
    }

    /// Publishes a stored capture as numbered chunks on `telemetry/capture` (durable), each with the CRC-32 of the
    /// whole file; returns the chunk count.
    ///
    /// - Throws: `CaptureStoreError` when the capture cannot be read; `CaptureSendError` when a chunk could not be
    ///   stored for sending (larger than the broker accepts, say), naming the chunk and why.
    public func sendCapture(id: String, chunkSize: Int) async throws -> (chunks: Int, bytes: Int, crc32: UInt32) {
        let chunks = try store.chunks(ofCaptureWithID: id, size: chunkSize)
        for chunk in chunks {
            do {
                try await sendChunk(chunk)
            } catch {
                throw CaptureSendError(id: id, index: chunk.index, count: chunk.count, detail: "\(error)")
            }
        }
        return (chunks.count, chunks.first?.totalBytes ?? 0, chunks.first?.crc32 ?? 0)
    }

    private func sendChunk(_ chunk: CaptureChunk) async throws {
        try await sink.durableTelemetry(
            "capture",
            [
                "id": .string(chunk.captureID), "index": .number(Double(chunk.index)),
                "count": .number(Double(chunk.count)), "total_bytes": .number(Double(chunk.totalBytes)),
                "crc32": .number(Double(chunk.crc32)), "data": .string(chunk.payload.base64EncodedString()),
            ])
    }

    /// Averages the next `seconds` of samples at rest and sets the offsets so the gauge reads (0, 0, 1 g). A new
    /// output data rate meanwhile keeps the duration: the samples still to come are counted at the new rate.
    public func calibrate(seconds: Double) {
        let target = max(1, Int(seconds * configuration.settings.outputDataRateHz))
        calibration = ((0, 0, 0), 0, target)
    }

    public var isCalibrating: Bool { calibration != nil }

    private func finishCalibration(_ running: (sum: (x: Double, y: Double, z: Double), count: Int, target: Int)) async {
        guard let sensor else { return }
        let n = Double(running.count)
        let mean = (x: running.sum.x / n, y: running.sum.y / n, z: running.sum.z / n)
        // The chip subtracts its offsets from the output, so the new offsets add what is still off.
        let next = (x: offsets.x + mean.x, y: offsets.y + mean.y, z: offsets.z + mean.z - 1)
        do throws(I2CError) {
            try await sensor.setOffsets(xG: next.x, yG: next.y, zG: next.z)
            offsets = next
            await sink.event(
                "calibrated",
                [
                    "offset_x_g": .number(Self.round(next.x, 6)), "offset_y_g": .number(Self.round(next.y, 6)),
                    "offset_z_g": .number(Self.round(next.z, 6)), "samples": .number(n),
                ])
        } catch {
            await sink.event("calibration-failed", ["error": .string("\(error)")])
        }
    }

    /// The ADXL355 electrostatic self-test: deltas per axis against the datasheet's limits. Samples taken during the
    /// test are discarded (the FIFO is drained and the analysis continues afterwards).
    public func selfTest() async -> (passed: Bool, details: [String: JSONValue]) {
        await exclusively { await runSelfTest() }
    }

    private func runSelfTest() async -> (passed: Bool, details: [String: JSONValue]) {
        guard var sensor else { return (false, ["reason": .string(fault ?? "accelerometer not open")]) }
        do throws(I2CError) {
            let result = try await sensor.selfTest()
            self.sensor = sensor
            _ = try? await sensor.readFIFO()
            return (
                result.passed,
                [
                    "delta_x_g": .number(Self.round(result.deltaG.xG, 4)),
                    "delta_y_g": .number(Self.round(result.deltaG.yG, 4)),
                    "delta_z_g": .number(Self.round(result.deltaG.zG, 4)), "x": .bool(result.xPassed),
                    "y": .bool(result.yPassed), "z": .bool(result.zPassed),
                ]
            )
        } catch {
            return (false, ["reason": .string("\(error)")])
        }
    }

    // MARK: Faults

    private func report(_ error: I2CError) async {
        let text = "\(error)"
        guard fault == nil else {
            fault = text
            return
        }
        fault = text
        await sink.event("sensor-fault", ["part": "accelerometer", "error": .string(text)])
        await sink.state(["alarm": .bool(alarms.isRaised), "sensor_fault": .string(text)])
    }

    private func clearFault() async {
        guard fault != nil else { return }
        fault = nil
        await sink.event("sensor-recovered", ["part": "accelerometer"])
        await sink.state(["alarm": .bool(alarms.isRaised)])
    }

    static func round(_ value: Double, _ digits: Int) -> Double {
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        return (value * scale).rounded() / scale
    }
}

/// Capture bounds larger than the filesystem can hold beside the reserve.
public struct CaptureSpaceRefused: Error, CustomStringConvertible {
    public var requestedBytes: Int
    public var roomBytes: Int
    public var path: String

    public var description: String {
        "device.capture.max_total_mb: \(requestedBytes >> 20) MiB do not fit on the filesystem of \(path): "
            + "\(roomBytes >> 20) MiB can be used for captures (keeping \(FreeSpace.reserveBytes >> 20) MiB free for "
            + "the outbox and the configuration)"
    }
}

/// A capture chunk that could not be stored for sending; the operator should ask again with a smaller `chunk_size`.
public struct CaptureSendError: Error, CustomStringConvertible {
    public var id: String
    public var index: Int
    public var count: Int
    public var detail: String
    public var description: String { "capture \(id) chunk \(index + 1) of \(count) not sent: \(detail)" }
}
