import ADXL355
import HAL
import HALSim
import Testing

/// The ADXL355 driver against its simulated chip, asserting the bytes on the wire.
@Suite("ADXL355")
struct ADXL355Tests {
    let bus = SimulatedI2CBus(name: "sim-i2c")
    let chip: SimulatedADXL355

    init() {
        chip = SimulatedADXL355(timing: .manual)
        bus.attach(chip, at: ADXL355.primaryAddress)
    }

    func driver(_ configuration: ADXL355.Configuration = .init()) async throws -> ADXL355 {
        try await ADXL355(device: try await bus.device(at: ADXL355.primaryAddress), configuration: configuration)
    }

    /// The payload of every write message, in order.
    var writes: [[UInt8]] {
        bus.log.compactMap { entry -> [UInt8]? in
            if case .write(_, let bytes) = entry { return bytes }
            return nil
        }
    }

    /// The bytes of every read message, in order.
    var reads: [[UInt8]] {
        bus.log.compactMap { entry -> [UInt8]? in
            if case .read(_, let bytes) = entry { return bytes }
            return nil
        }
    }

    // MARK: Identity, reset, configuration

    @Test("creation reads the three IDs, resets, waits for NVM_BUSY, then configures in standby and starts measuring")
    func creationOnTheWire() async throws {
        let sensor = try await driver()
        let a: I2CAddress = 0x1D
        #expect(
            bus.log == [
                .write(a, [0x00]), .read(a, [0xAD, 0x1D, 0xED, 0x01]), .stop,
                .write(a, [0x2F, 0x52]), .stop,
                .write(a, [0x04]), .read(a, [0x10]), .stop,
                .write(a, [0x04]), .read(a, [0x00]), .stop,
                .write(a, [0x2D, 0x01]), .stop,
                .write(a, [0x2C, 0x81]), .stop,
                .write(a, [0x28, 0x05]), .stop,
                .write(a, [0x29, 0x60]), .stop,
                .write(a, [0x2A, 0x00]), .stop,
                .write(a, [0x2D, 0x00]), .stop,
            ])
        #expect(sensor.revisionID == 0x01)
        #expect(chip.resetCount == 1)
        #expect(chip.isMeasuring)
        // The defaults are the reset values of Range (0x81) and FIFO_SAMPLES (0x60).
        #expect(chip.register(0x2C) == 0x81 && chip.register(0x29) == 0x60 && chip.register(0x28) == 0x05)
    }

    @Test("configuration bits: Range I2C_HS|INT_POL|range, Filter HPF_CORNER|ODR_LPF, FIFO_SAMPLES, INT_MAP")
    func configurationBits() async throws {
        let configuration = ADXL355.Configuration(
            range: .g4, outputDataRate: .hz1000, highPassCorner: .corner1, fifoWatermarkEntries: 30,
            interruptMap: [.fifoFullINT1, .dataReadyINT2], interruptActiveHigh: true)
        _ = try await driver(configuration)
        #expect(
            Array(writes.suffix(6)) == [
                [0x2D, 0x01], [0x2C, 0xC2], [0x28, 0x12], [0x29, 0x1E], [0x2A, 0x12], [0x2D, 0x00],
            ])
        #expect(ADXL355.OutputDataRate.hz1000.hertz == 1000 && ADXL355.OutputDataRate.hz3p906.hertz == 3.90625)
        #expect(ADXL355.OutputDataRate.hz125.lowPassCornerHertz == 31.25)
        var sensor = try await driver()
        var bad = ADXL355.Configuration()
        bad.fifoWatermarkEntries = 97
        await #expect(throws: I2CError.self) { try await sensor.configure(bad) }
    }

    @Test("a PARTID of 0xE9 is an ADXL359, not an ADXL355: invalid response naming what was found, and no reset")
    func wrongPartID() async throws {
        let other = SimulatedADXL355(timing: .manual, partID: 0xE9)
        bus.attach(other, at: ADXL355.primaryAddress)
        let error = await #expect(throws: I2CError.self) { try await driver() }
        #expect(error?.code == .invalidResponse)
        #expect(
            error?.description
                == "sim-i2c@0x1D read 0x00 4 bytes: invalid response (PARTID (0x02) 0xE9, expected 0xED (an ADXL359))")
        #expect(other.resetCount == 0)
        #expect(writes == [[0x00]])
    }

    @Test("a NACK on the identity read gives I2CError .nack")
    func nackOnIdentity() async throws {
        bus.injectFault(.nack, at: ADXL355.primaryAddress)
        let error = await #expect(throws: I2CError.self) { try await driver() }
        #expect(error?.code == .nack)
        #expect(error?.description == "sim-i2c@0x1D write-read 0x00 4 bytes: no acknowledge")
    }

    @Test("a NACK on any later transfer surfaces as .nack, never as a reading")
    func nackOnEachOperation() async throws {
        var sensor = try await driver()
        chip.setAcceleration(x: 0, y: 0, z: 1)
        chip.pushSamples([(0, 0, 1)])
        let address = ADXL355.primaryAddress
        bus.injectFault(.nack, at: address)
        let e1 = await #expect(throws: I2CError.self) { try await sensor.readAcceleration() }
        bus.injectFault(.nack, at: address)
        let e2 = await #expect(throws: I2CError.self) { try await sensor.readTemperatureCelsius() }
        bus.injectFault(.nack, at: address)
        let e3 = await #expect(throws: I2CError.self) { try await sensor.readFIFO() }
        bus.injectFault(.nack, at: address)
        let e4 = await #expect(throws: I2CError.self) { try await sensor.setOffsetsRaw(x: 1, y: 2, z: 3) }
        #expect([e1, e2, e3, e4].map { $0?.code } == [.nack, .nack, .nack, .nack])
        bus.injectFault(.busError, at: address)
        let e5 = await #expect(throws: I2CError.self) { try await sensor.configure(.init()) }
        #expect(e5?.code == .busError)
        // The chip itself is fine: the next transfer works.
        #expect(try await sensor.readAcceleration().zG == 1)
    }

    // MARK: Data format

    @Test(
        "1 g reads as the typical sensitivity: 256 000 LSB at ±2 g, 128 000 at ±4 g, 64 000 at ±8 g",
        arguments: [
            (ADXL355.Range.g2, [UInt8](arrayLiteral: 0x3E, 0x80, 0x00)),
            (ADXL355.Range.g4, [0x1F, 0x40, 0x00]),
            (ADXL355.Range.g8, [0x0F, 0xA0, 0x00]),
        ])
    func rangeScaling(range: ADXL355.Range, xdata: [UInt8]) async throws {
        let sensor = try await driver(.init(range: range))
        chip.setAcceleration(x: 1, y: -0.5, z: 0.25)
        #expect([chip.register(0x08), chip.register(0x09), chip.register(0x0A)] == xdata)
        let raw = try await sensor.readRaw()
        #expect(raw.x == Int32(range.sensitivityLSBPerG))
        #expect(raw.y == -Int32(range.sensitivityLSBPerG) / 2)
        let sample = try await sensor.readAcceleration()
        #expect(sample == ADXL355.Sample(xG: 1, yG: -0.5, zG: 0.25))
        #expect(writes.last == [0x08])
        #expect(reads.last.map { Array($0.prefix(3)) } == xdata)
    }

    @Test("scale factors are the data sheet's 3.9, 7.8, 15.6 µg/LSB (exactly 1/256 000 g and its multiples)")
    func scaleFactors() {
        #expect(ADXL355.Range.g2.scaleFactorMicroGPerLSB == 3.906_25)
        #expect(ADXL355.Range.g4.scaleFactorMicroGPerLSB == 7.812_5)
        #expect(ADXL355.Range.g8.scaleFactorMicroGPerLSB == 15.625)
    }

    @Test("20-bit two's complement, left-justified: −1 LSB is FF FF F0, the FIFO flag bits are ignored")
    func signExtension() async throws {
        #expect(ADXL355.decode20(0xFF, 0xFF, 0xF0) == -1)
        #expect(ADXL355.decode20(0xFF, 0xFF, 0xF3) == -1)
        #expect(ADXL355.decode20(0x80, 0x00, 0x00) == -524_288)
        #expect(ADXL355.decode20(0x7F, 0xFF, 0xF0) == 524_287)
        #expect(ADXL355.decode20(0x00, 0x00, 0x10) == 1)
        #expect(ADXL355.encode20(-1) == [0xFF, 0xFF, 0xF0])
        #expect(ADXL355.encode20(-524_288) == [0x80, 0x00, 0x00])
        let sensor = try await driver()
        chip.setAcceleration(x: -1 / 256_000, y: 0, z: -1)
        #expect(try await sensor.readRaw() == ADXL355.RawSample(x: -1, y: 0, z: -256_000))
        #expect(reads.last.map { Array($0.prefix(3)) } == [0xFF, 0xFF, 0xF0])
        // Beyond full scale the output saturates at ±2.048 g instead of wrapping.
        chip.setAcceleration(x: 3, y: -3, z: 0)
        let clipped = try await sensor.readRaw()
        #expect(clipped.x == 524_287 && clipped.y == -524_288)
    }

    @Test("DATA_RDY is set by a conversion and cleared by reading STATUS or the data registers")
    func dataReady() async throws {
        let sensor = try await driver()
        #expect(try await sensor.readStatus() == [])
        chip.setAcceleration(x: 0, y: 0, z: 1)
        #expect(chip.dataReady)
        #expect(try await sensor.readStatus() == [.dataReady])
        #expect(!chip.dataReady)
        chip.setAcceleration(x: 0, y: 0, z: 1)
        _ = try await sensor.readRaw()
        #expect(!chip.dataReady)
    }

    @Test("standby stops conversions: after a reset the chip ignores new acceleration until configured")
    func standbyStopsData() async throws {
        var sensor = try await driver()
        try await sensor.reset()
        #expect(!chip.isMeasuring)
        #expect(chip.pushSamples([(1, 1, 1)]) == 0)
        chip.setAcceleration(x: 1, y: 1, z: 1)
        #expect(!chip.dataReady && chip.fifoEntryCount == 0)
        #expect(try await sensor.readRaw() == ADXL355.RawSample(x: 0, y: 0, z: 0))
        try await sensor.configure(sensor.configuration)
        chip.setAcceleration(x: 1, y: 1, z: 1)
        #expect(try await sensor.readAcceleration() == ADXL355.Sample(xG: 1, yG: 1, zG: 1))
    }

    // MARK: Temperature

    @Test("25 °C is the nominal intercept, 1885 LSB: TEMP2 0x07, TEMP1 0x5D")
    func temperatureIntercept() async throws {
        let sensor = try await driver()
        #expect(chip.register(0x06) == 0x07 && chip.register(0x07) == 0x5D)
        #expect(try await sensor.readTemperatureCelsius() == 25)
        #expect(bus.log.suffix(3) == [.write(0x1D, [0x06]), .read(0x1D, [0x07, 0x5D]), .stop])
        // 100 °C above the intercept is 905 LSB below it.
        #expect(abs(ADXL355.temperatureCelsius(raw: 1885 - 905) - 125) < 1e-9)
    }

    @Test(
        "temperature round trip within half an LSB (0.056 °C) over −40…125 °C", arguments: [-40.0, -3.3, 42.0, 125.0])
    func temperatureRoundTrip(celsius: Double) async throws {
        let sensor = try await driver()
        chip.setTemperature(celsius: celsius)
        #expect(abs(try await sensor.readTemperatureCelsius() - celsius) <= 0.5 / 9.05)
    }

    @Test("a temperature far outside −40…125 °C is an invalid response, not a reading")
    func impossibleTemperature() async throws {
        let sensor = try await driver()
        chip.setTemperature(celsius: 400)
        let error = await #expect(throws: I2CError.self) { try await sensor.readTemperatureCelsius() }
        #expect(error?.code == .invalidResponse)
    }

    // MARK: FIFO

    @Test("FIFO burst of 3 samples: STATUS+FIFO_ENTRIES, then 27 bytes from 0x11, x entries carry the marker")
    func fifoBurst() async throws {
        let sensor = try await driver()
        bus.clearLog()
        chip.pushSamples([(0.5, -0.25, 1), (0, 0, 1), (-2, 2, 0.125)])
        let readout = try await sensor.readFIFO()
        #expect(
            readout.samples == [
                ADXL355.Sample(xG: 0.5, yG: -0.25, zG: 1), ADXL355.Sample(xG: 0, yG: 0, zG: 1),
                ADXL355.Sample(xG: -2, yG: 2, zG: 0.125),
            ])
        #expect(!readout.overrun && !readout.watermarkReached)
        #expect(readout.entriesAvailable == 9 && readout.discardedEntries == 0)
        #expect(writes == [[0x04], [0x11]])
        #expect(reads.first == [0x01, 0x09])
        // 0.5 g = 128 000 = 0x1F400 with the x marker; −0.25 g = −64 000 = 0xF0600; 1 g = 0x3E800.
        #expect(reads.last.map { Array($0.prefix(9)) } == [0x1F, 0x40, 0x01, 0xF0, 0x60, 0x00, 0x3E, 0x80, 0x00])
        #expect(reads.last?.count == 27)
        #expect(chip.fifoEntryCount == 0)
    }

    @Test("a FIFO head inside a sample: leading y/z entries are dropped and the cut last sample is completed")
    func fifoRealignment() async throws {
        let sensor = try await driver()
        chip.pushSamples([(0.1, 0.2, 0.3), (0.4, 0.5, 0.6), (0.7, 0.8, 0.9)])
        // Someone popped one entry (the first x) by hand: the FIFO now starts with a y entry.
        let device = try await bus.device(at: ADXL355.primaryAddress)
        #expect(try await device.writeRead([0x11], readCount: 3).last.map { $0 & 0x03 } == 0x01)
        bus.clearLog()
        let readout = try await sensor.readFIFO()
        #expect(readout.entriesAvailable == 8)
        #expect(readout.discardedEntries == 2)
        #expect(readout.samples.count == 2)
        #expect(abs(readout.samples[0].xG - 0.4) < 1e-5 && abs(readout.samples[1].zG - 0.9) < 1e-5)
        // 8 entries: 6 (rounded down) in one burst, then the 2 that complete the last sample.
        #expect(reads.map(\.count) == [2, 18, 6])
        #expect(chip.fifoEntryCount == 0)
        // Back in step: the next read is aligned.
        chip.pushSamples([(1, 1, 1)])
        let next = try await sensor.readFIFO()
        #expect(next.samples == [ADXL355.Sample(xG: 1, yG: 1, zG: 1)] && next.discardedEntries == 0)
    }

    @Test("an entry count that is not a multiple of 3 leaves the sample in progress in the FIFO")
    func fifoPartialSampleStays() async throws {
        let sensor = try await driver()
        chip.pushSamples([(0, 0, 1), (0, 0, 1)])
        let device = try await bus.device(at: ADXL355.primaryAddress)
        // Pop the whole first sample and the x of the second: 2 entries (y, z) remain, less than a sample.
        _ = try await device.writeRead([0x11], readCount: 12)
        let readout = try await sensor.readFIFO()
        #expect(readout.samples.isEmpty && readout.entriesAvailable == 2)
        #expect(chip.fifoEntryCount == 2)
    }

    @Test("FIFO_DATA does not auto-increment; an empty FIFO answers with the empty indicator (bit 1)")
    func fifoDataRegister() async throws {
        _ = try await driver()
        let device = try await bus.device(at: ADXL355.primaryAddress)
        #expect(try await device.writeRead([0x11], readCount: 6) == [0x00, 0x00, 0x02, 0x00, 0x00, 0x02])
        chip.pushSamples([(0, 0, 1)])
        // 0x05 FIFO_ENTRIES, then 0x06…0x07 TEMP: the ordinary registers do auto-increment.
        #expect(try await device.writeRead([0x05], readCount: 3) == [0x03, 0x07, 0x5D])
        let burst = try await device.writeRead([0x11], readCount: 9)
        #expect(burst.enumerated().filter { $0.offset % 3 == 2 }.map { $0.element & 0x03 } == [0x01, 0x00, 0x00])
    }

    @Test("overrun: 33 samples into the 32-sample FIFO set FIFO_OVR, reported once; a STATUS read clears it")
    func fifoOverrun() async throws {
        let sensor = try await driver()
        let samples = (0..<33).map { (x: Double($0) / 64, y: 0.0, z: 1.0) }
        chip.pushSamples(samples)
        #expect(chip.lostFIFOEntryCount == 3)
        #expect(chip.register(0x04) & 0x04 == 0x04)
        let readout = try await sensor.readFIFO()
        #expect(readout.overrun && readout.watermarkReached)
        #expect(readout.samples.count == 32)
        // The default model overwrites the oldest entries: sample 0 is gone, 1…32 remain.
        #expect(readout.samples.first?.xG == 1.0 / 64 && readout.samples.last?.xG == 32.0 / 64)
        chip.pushSamples([(0, 0, 1)])
        #expect(try await sensor.readFIFO().overrun == false)
    }

    @Test("overrun with the discard-newest model keeps the oldest 32 samples")
    func fifoOverrunDiscardNewest() async throws {
        let other = SimulatedADXL355(timing: .manual, overrunPolicy: .discardNewest)
        bus.attach(other, at: ADXL355.primaryAddress)
        let sensor = try await driver()
        other.pushSamples((0..<34).map { (x: Double($0) / 64, y: 0.0, z: 1.0) })
        let readout = try await sensor.readFIFO()
        #expect(readout.overrun && other.lostFIFOEntryCount == 6)
        #expect(readout.samples.first?.xG == 0 && readout.samples.last?.xG == 31.0 / 64)
    }

    @Test("FIFO_FULL at the watermark drives INT1 (active low) and clears when the FIFO is read below it")
    func watermarkInterrupt() async throws {
        let sensor = try await driver(.init(fifoWatermarkEntries: 6, interruptMap: [.fifoFullINT1]))
        chip.pushSamples([(0, 0, 1)])
        #expect(!chip.watermarkReached)
        #expect(chip.interruptAsserted == (false, false))
        #expect(chip.interruptLevel == (true, true))
        chip.pushSamples([(0, 0, 1)])
        #expect(chip.watermarkReached)
        #expect(chip.interruptAsserted == (true, false))
        #expect(chip.interruptLevel == (false, true))
        let readout = try await sensor.readFIFO()
        #expect(readout.watermarkReached && readout.samples.count == 2)
        #expect(!chip.watermarkReached && chip.interruptLevel == (true, true))
    }

    @Test("DATA_RDY on INT2, active high: high after a conversion, low once STATUS is read")
    func dataReadyInterrupt() async throws {
        let sensor = try await driver(.init(interruptMap: [.dataReadyINT2], interruptActiveHigh: true))
        #expect(chip.interruptLevel == (false, false))
        chip.setAcceleration(x: 0, y: 0, z: 1)
        #expect(chip.interruptLevel == (false, true))
        _ = try await sensor.readStatus()
        #expect(chip.interruptLevel == (false, false))
    }

    // MARK: Offsets

    @Test("offsets: OFFSET_X_H…OFFSET_Z_L in one write; one offset LSB is 16 output LSB, removed from the output")
    func offsets() async throws {
        let sensor = try await driver()
        bus.clearLog()
        try await sensor.setOffsets(xG: 0.001, yG: -0.0000625, zG: 1)
        // 0.001 g × 256 000 / 16 = 16; −62.5 µg = −1; 1 g = 16 000 = 0x3E80.
        #expect(writes == [[0x1E, 0x00, 0x10, 0xFF, 0xFF, 0x3E, 0x80]])
        #expect((0x1E...0x23).map { chip.register($0) } == [0x00, 0x10, 0xFF, 0xFF, 0x3E, 0x80])
        chip.setAcceleration(x: 0, y: 0, z: 1)
        #expect(try await sensor.readRaw() == ADXL355.RawSample(x: -256, y: 16, z: 0))
        let error = await #expect(throws: I2CError.self) { try await sensor.setOffsets(xG: 3, yG: 0, zG: 0) }
        #expect(error?.code == .invalidArgument)
    }

    // MARK: Self-test

    @Test("self-test on a working part: ST1 baseline, ST1+ST2 excited, deltas 0.3/0.3/1.5 g pass; settings restored")
    func selfTestPasses() async throws {
        chip.setTiming(.statusReads)
        var sensor = try await driver(.init(range: .g4, interruptMap: [.dataReadyINT1]))
        chip.setAcceleration(x: 0, y: 0, z: 1)
        bus.clearLog()
        let result = try await sensor.selfTest(samples: 8, settleSamples: 2)
        #expect(abs(result.deltaG.xG - 0.3) < 1e-4 && abs(result.deltaG.yG - 0.3) < 1e-4)
        #expect(abs(result.deltaG.zG - 1.5) < 1e-4)
        #expect(result.passed)
        // Standby, ±8 g, ST1, measure … ST1|ST2 … SELF_TEST off, then the saved configuration again.
        let w = writes.filter { $0.count == 2 }
        #expect(Array(w.prefix(4)) == [[0x2D, 0x01], [0x2C, 0x83], [0x2E, 0x01], [0x2D, 0x00]])
        #expect(w.contains([0x2E, 0x03]))
        #expect(
            Array(w.suffix(7)) == [
                [0x2E, 0x00], [0x2D, 0x01], [0x2C, 0x82], [0x28, 0x05], [0x29, 0x60], [0x2A, 0x01], [0x2D, 0x00],
            ])
        #expect(chip.register(0x2E) == 0x00 && chip.register(0x2C) == 0x82)
        #expect(sensor.configuration.range == .g4)
        // 2 × (2 settle + 8 averaged) data reads, each after a DATA_RDY poll.
        #expect(writes.filter { $0 == [0x08] }.count == 20)
    }

    @Test("self-test fails when the actuation does nothing, and names the failing axis when one is weak")
    func selfTestFails() async throws {
        chip.setTiming(.statusReads)
        var sensor = try await driver()
        chip.selfTestResponds = false
        let dead = try await sensor.selfTest(samples: 4, settleSamples: 1)
        #expect(!dead.passed && !dead.xPassed && !dead.yPassed && !dead.zPassed)
        #expect(dead.deltaG == ADXL355.Sample(xG: 0, yG: 0, zG: 0))
        chip.selfTestResponds = true
        chip.setSelfTestResponse(x: 0.3, y: 0.25, z: 0.2)
        let weak = try await sensor.selfTest(samples: 4, settleSamples: 1)
        #expect(weak.xPassed && weak.yPassed && !weak.zPassed && !weak.passed)
    }

    @Test("self-test limits are the data sheet's: x, y 0.1…0.6 g, z 0.5…3.0 g")
    func selfTestLimits() {
        #expect(ADXL355.selfTestLimitsG.x == 0.1...0.6 && ADXL355.selfTestLimitsG.y == 0.1...0.6)
        #expect(ADXL355.selfTestLimitsG.z == 0.5...3.0)
        let typical = ADXL355.typicalSelfTestResponseG
        #expect(typical.x == 0.3 && typical.y == 0.3 && typical.z == 1.5)
    }

    @Test("DATA_RDY that never comes fails the self-test with a timeout; SELF_TEST and the range are restored")
    func selfTestCleanup() async throws {
        // The manual chip converts only when a test hook says so: the DATA_RDY poll runs dry.
        var sensor = try await driver(.init(outputDataRate: .hz4000))
        sensor.timeout = .milliseconds(5)
        let error = await #expect(throws: I2CError.self) { try await sensor.selfTest() }
        #expect(error?.code == .busError)
        #expect(error?.description.contains("waiting for DATA_RDY") == true)
        #expect(writes.contains([0x2E, 0x01]) && writes.contains([0x2C, 0x83]))
        #expect(chip.register(0x2E) == 0x00 && chip.register(0x2C) == 0x81 && chip.isMeasuring)
    }

    // MARK: Timing

    @Test("timed model: free-running conversions at the data rate fill the FIFO in whole samples")
    func timedConversions() async throws {
        chip.setTiming(.timed)
        _ = try await driver(.init(outputDataRate: .hz4000))
        // One conversion period at 4000 Hz (250 µs); the sleep lasts at least that long.
        try await Task.sleep(for: .microseconds(250))
        #expect(chip.conversionCount >= 1)
        #expect(chip.fifoEntryCount % 3 == 0 && chip.fifoEntryCount >= 3)
    }
}
