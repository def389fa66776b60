import ADXL345
import HAL
import HALSim
import Testing

/// The ADXL345 driver against its simulated chip, asserting the bytes on the wire.
@Suite("ADXL345")
struct ADXL345Tests {
    let bus = SimulatedI2CBus(name: "sim-i2c")
    let chip: SimulatedADXL345
    let a: I2CAddress = 0x53

    init() {
        chip = SimulatedADXL345(timing: .manual)
        bus.attach(chip, at: ADXL345.primaryAddress)
    }

    func driver(_ configuration: ADXL345.Configuration = .init()) async throws -> ADXL345 {
        try await ADXL345(device: try await bus.device(at: ADXL345.primaryAddress), configuration: configuration)
    }

    /// The payload of every write message, in order.
    var writes: [[UInt8]] {
        bus.log.compactMap { entry -> [UInt8]? in
            if case .write(_, let bytes) = entry { return bytes }
            return nil
        }
    }

    /// DATAX0, DATAX1 as the chip holds them now.
    func xData() -> [UInt8] { [chip.register(0x32), chip.register(0x33)] }
    /// DATAY0, DATAY1.
    func yData() -> [UInt8] { [chip.register(0x34), chip.register(0x35)] }

    // MARK: Identity, reset values, configuration

    @Test("reset values: DEVID 0xE5, BW_RATE 0x0A (100 Hz), POWER_CTL 0x00 (standby), INT_SOURCE 0x02, FIFO empty")
    func resetValues() {
        #expect(chip.register(0x00) == 0xE5)
        #expect(chip.register(0x2C) == 0x0A)
        #expect(chip.register(0x2D) == 0x00)
        #expect(chip.register(0x30) == 0x02)
        #expect(chip.register(0x31) == 0x00 && chip.register(0x38) == 0x00 && chip.register(0x39) == 0x00)
        #expect(!chip.isMeasuring)
        #expect(ADXL345.OutputDataRate.hz100.hertz == 100 && ADXL345.OutputDataRate.hz3200.hertz == 3200)
        #expect(ADXL345.OutputDataRate.hz800.rawValue == 0x0D && ADXL345.OutputDataRate.hz0p10.hertz == 0.09765625)
    }

    @Test("creation reads DEVID, then configures in standby with interrupts off and starts measuring")
    func creationOnTheWire() async throws {
        let sensor = try await driver()
        #expect(
            bus.log == [
                .write(a, [0x00]), .read(a, [0xE5]), .stop,
                .write(a, [0x2D, 0x00]), .stop,
                .write(a, [0x2E, 0x00]), .stop,
                .write(a, [0x2C, 0x0A]), .stop,
                .write(a, [0x31, 0x0B]), .stop,
                .write(a, [0x2F, 0x00]), .stop,
                .write(a, [0x38, 0x90]), .stop,
                .write(a, [0x2E, 0x00]), .stop,
                .write(a, [0x2D, 0x08]), .stop,
            ])
        #expect(chip.isMeasuring)
        #expect(sensor.configuration == ADXL345.Configuration())
    }

    @Test(
        "configuration bits: BW_RATE LOW_POWER|Rate, DATA_FORMAT INT_INVERT|FULL_RES|Justify|Range, INT_MAP, FIFO_CTL")
    func configurationBits() async throws {
        let configuration = ADXL345.Configuration(
            range: .g4, fullResolution: false, leftJustified: true, outputDataRate: .hz3200, lowPower: true,
            fifoMode: .stream, fifoWatermark: 3, interruptsEnabled: [.dataReady, .watermark, .overrun],
            interruptsOnINT2: [.overrun], interruptsActiveLow: true)
        _ = try await driver(configuration)
        #expect(
            Array(writes.suffix(8)) == [
                [0x2D, 0x00], [0x2E, 0x00], [0x2C, 0x1F], [0x31, 0x25], [0x2F, 0x01], [0x38, 0x83], [0x2E, 0x83],
                [0x2D, 0x08],
            ])
        var sensor = try await driver()
        var bad = ADXL345.Configuration()
        bad.fifoWatermark = 32
        let error = await #expect(throws: I2CError.self) { try await sensor.configure(bad) }
        #expect(error?.code == .invalidArgument)
    }

    @Test("a DEVID other than 0xE5 is another part: invalid response naming what was found, nothing written")
    func wrongDeviceID() async throws {
        let other = SimulatedADXL345(deviceID: 0xE6)
        bus.attach(other, at: ADXL345.primaryAddress)
        let error = await #expect(throws: I2CError.self) { try await driver() }
        #expect(error?.code == .invalidResponse)
        #expect(error?.description == "sim-i2c@0x53 read 0x00 1 byte: invalid response (DEVID 0xE6, expected 0xE5)")
        #expect(writes == [[0x00]])
        #expect(!other.isMeasuring)
    }

    @Test("the alternate address 0x1D (ALT ADDRESS high) works the same")
    func alternateAddress() async throws {
        let other = SimulatedADXL345()
        bus.attach(other, at: ADXL345.alternateAddress)
        let sensor = try await ADXL345(device: try await bus.device(at: 0x1D))
        other.setAcceleration(x: 0, y: 0, z: 1)
        #expect(try await sensor.readAcceleration() == .init(xG: 0, yG: 0, zG: 1))
    }

    @Test("a NACK on the identity read gives I2CError .nack")
    func nackOnIdentity() async throws {
        bus.injectFault(.nack, at: a)
        let error = await #expect(throws: I2CError.self) { try await driver() }
        #expect(error?.code == .nack)
        #expect(error?.description == "sim-i2c@0x53 write-read 0x00 1 bytes: no acknowledge")
    }

    @Test("a NACK on any later transfer surfaces as .nack, never as a reading")
    func nackOnEachOperation() async throws {
        var sensor = try await driver()
        chip.pushSamples([(0, 0, 1), (0, 0, 1)])
        bus.injectFault(.nack, at: a)
        let e1 = await #expect(throws: I2CError.self) { try await sensor.readAcceleration() }
        bus.injectFault(.nack, at: a)
        let e2 = await #expect(throws: I2CError.self) { try await sensor.readFIFO() }
        bus.injectFault(.nack, at: a)
        let e3 = await #expect(throws: I2CError.self) { try await sensor.setOffsetsRaw(x: 1, y: 2, z: 3) }
        bus.injectFault(.nack, at: a)
        let e4 = await #expect(throws: I2CError.self) { try await sensor.readInterruptSource() }
        bus.injectFault(.nack, at: a)
        let e5 = await #expect(throws: I2CError.self) { try await sensor.selfTest() }
        #expect([e1, e2, e3, e4, e5].map { $0?.code } == [.nack, .nack, .nack, .nack, .nack])
        bus.injectFault(.busError, at: a)
        let e6 = await #expect(throws: I2CError.self) { try await sensor.configure(.init()) }
        #expect(e6?.code == .busError)
        // The chip itself is fine: the next transfer works and the FIFO still holds both samples.
        #expect(try await sensor.readFIFO().samples.count == 2)
    }

    // MARK: Data format

    @Test(
        "1 g in 10-bit mode reads the Table 1 sensitivity: 256 LSB/g at ±2 g (0x0100, little-endian 00 01), 128, 64, 32",
        arguments: [
            (ADXL345.Range.g2, [UInt8](arrayLiteral: 0x00, 0x01), [UInt8](arrayLiteral: 0x00, 0xFF)),
            (ADXL345.Range.g4, [0x80, 0x00], [0x80, 0xFF]),
            (ADXL345.Range.g8, [0x40, 0x00], [0xC0, 0xFF]),
            (ADXL345.Range.g16, [0x20, 0x00], [0xE0, 0xFF]),
        ])
    func tenBitScaling(range: ADXL345.Range, plusOneG: [UInt8], minusOneG: [UInt8]) async throws {
        let sensor = try await driver(.init(range: range, fullResolution: false, fifoMode: .bypass))
        #expect(writes.contains([0x31, range.rawValue]))
        chip.setAcceleration(x: 1, y: -1, z: 0.5)
        #expect(xData() == plusOneG)
        #expect(yData() == minusOneG)
        let raw = try await sensor.readRaw()
        #expect(
            raw == .init(x: Int(range.tenBitLSBPerG), y: -Int(range.tenBitLSBPerG), z: Int(range.tenBitLSBPerG) / 2))
        #expect(try await sensor.readAcceleration() == .init(xG: 1, yG: -1, zG: 0.5))
    }

    @Test(
        "full resolution keeps 3.9 mg/LSB (256 LSB/g) at every range: 1 g is 00 01, −1 g is 00 FF",
        arguments: ADXL345.Range.allCases)
    func fullResolutionScaling(range: ADXL345.Range) async throws {
        let sensor = try await driver(.init(range: range, fullResolution: true, fifoMode: .bypass))
        #expect(writes.contains([0x31, 0x08 | range.rawValue]))
        chip.setAcceleration(x: 1, y: -1, z: 0)
        #expect(xData() == [0x00, 0x01])
        #expect(yData() == [0x00, 0xFF])
        #expect(try await sensor.readAcceleration() == .init(xG: 1, yG: -1, zG: 0))
        #expect(range.resolutionBits(fullResolution: true) == 10 + Int(range.rawValue))
    }

    @Test("left-justified: 1 g at ±2 g 10-bit is 0x4000 (00 40); at ±16 g full resolution (13 bits) 0x0800 (00 08)")
    func leftJustified() async throws {
        let tenBit = try await driver(.init(range: .g2, fullResolution: false, leftJustified: true, fifoMode: .bypass))
        chip.setAcceleration(x: 1, y: -1, z: 0)
        #expect(xData() == [0x00, 0x40])
        #expect(yData() == [0x00, 0xC0])
        #expect(try await tenBit.readAcceleration() == .init(xG: 1, yG: -1, zG: 0))
        let full = try await driver(.init(range: .g16, fullResolution: true, leftJustified: true, fifoMode: .bypass))
        chip.setAcceleration(x: 1, y: -1, z: -15.5)
        #expect(xData() == [0x00, 0x08])
        #expect(yData() == [0x00, 0xF8])
        #expect(try await full.readAcceleration() == .init(xG: 1, yG: -1, zG: -15.5))
    }

    @Test("round trip: g → counts → g within half an LSB; out-of-range input saturates at full scale")
    func roundTripAndSaturation() async throws {
        let sensor = try await driver(.init(range: .g16, fullResolution: true, fifoMode: .bypass))
        let input = (x: 0.37, y: -1.234, z: 9.81)
        chip.setAcceleration(x: input.x, y: input.y, z: input.z)
        let sample = try await sensor.readAcceleration()
        let halfLSB = 0.5 / 256
        #expect(abs(sample.xG - input.x) <= halfLSB)
        #expect(abs(sample.yG - input.y) <= halfLSB)
        #expect(abs(sample.zG - input.z) <= halfLSB)
        // ±2 g 10-bit: 3 g clips at 511 (0x01FF), −3 g at −512 (0xFE00).
        let narrow = try await driver(.init(range: .g2, fullResolution: false, fifoMode: .bypass))
        chip.setAcceleration(x: 3, y: -3, z: 0)
        #expect(xData() == [0xFF, 0x01])
        #expect(yData() == [0x00, 0xFE])
        #expect(try await narrow.readRaw() == .init(x: 511, y: -512, z: 0))
    }

    @Test("a data word that no configured format can produce is rejected, not returned")
    func impossibleDataWord() async throws {
        let sensor = try await driver(.init(range: .g2, fullResolution: false, fifoMode: .bypass))
        // 0x0400 = 1024 does not fit a 10-bit right-justified value (−512…511).
        chip.overrideDataRegisters([0x00, 0x04, 0x00, 0x00, 0x00, 0x00])
        let error = await #expect(throws: I2CError.self) { try await sensor.readAcceleration() }
        #expect(error?.code == .invalidResponse)
        #expect(error?.description.contains("DATAX 0x0400 is not a 10-bit right-justified value") == true)
    }

    // MARK: Measurement mode and bypass data-ready

    @Test("standby converts nothing; measure mode converts; DATA_READY clears by reading data, not INT_SOURCE")
    func measureGatingAndDataReady() async throws {
        chip.setAcceleration(x: 0, y: 0, z: 1)
        #expect(chip.conversionCount == 0)
        let sensor = try await driver(.init(fifoMode: .bypass, fifoWatermark: 1))
        #expect(!(try await sensor.readInterruptSource()).contains(.dataReady))
        chip.setAcceleration(x: 0, y: 0, z: 1)
        #expect(try await sensor.readInterruptSource() == [.dataReady])
        #expect(try await sensor.readInterruptSource() == [.dataReady])
        #expect(try await sensor.readAcceleration() == .init(xG: 0, yG: 0, zG: 1))
        #expect(try await sensor.readInterruptSource() == [])
        // Bypass mode: a second conversion over unread data sets Overrun; reading the data clears it.
        chip.pushSamples([(0, 0, 1), (0, 0, 1)])
        #expect(try await sensor.readInterruptSource() == [.dataReady, .overrun])
        _ = try await sensor.readRaw()
        #expect(try await sensor.readInterruptSource() == [])
        try await sensor.setMeasuring(false)
        #expect(bus.log.suffix(2) == [.write(a, [0x2D, 0x00]), .stop])
        #expect(chip.pushSamples([(1, 1, 1)]) == 0)
        #expect(!chip.isMeasuring)
    }

    // MARK: FIFO

    @Test("FIFO burst of 3: INT_SOURCE, FIFO_STATUS (3 entries), then three 6-byte reads from 0x32, oldest first")
    func fifoBurstOfThree() async throws {
        let sensor = try await driver()
        chip.pushSamples([(1, 0, 0), (0, -1, 0), (0.5, 0.25, 1)])
        #expect(chip.register(0x39) == 0x03)
        bus.clearLog()
        let readout = try await sensor.readFIFO()
        #expect(
            bus.log == [
                .write(a, [0x30]), .read(a, [0x80]), .stop,
                .write(a, [0x39]), .read(a, [0x03]), .stop,
                .write(a, [0x32]), .read(a, [0x00, 0x01, 0x00, 0x00, 0x00, 0x00]), .stop,
                .write(a, [0x32]), .read(a, [0x00, 0x00, 0x00, 0xFF, 0x00, 0x00]), .stop,
                .write(a, [0x32]), .read(a, [0x80, 0x00, 0x40, 0x00, 0x00, 0x01]), .stop,
            ])
        #expect(
            readout.samples == [
                .init(xG: 1, yG: 0, zG: 0), .init(xG: 0, yG: -1, zG: 0), .init(xG: 0.5, yG: 0.25, zG: 1),
            ])
        #expect(readout.entriesAvailable == 3 && !readout.overrun && !readout.watermarkReached)
        #expect(chip.fifoEntryCount == 0)
        #expect(try await sensor.readFIFO().samples.isEmpty)
    }

    @Test("watermark: set at the Samples count, drives INT1, survives INT_SOURCE reads, clears as the FIFO drains")
    func watermark() async throws {
        let sensor = try await driver(.init(fifoMode: .stream, fifoWatermark: 3, interruptsEnabled: [.watermark]))
        chip.pushSamples([(0, 0, 1), (0, 0, 1)])
        #expect(!chip.interruptSource.contains(.watermark))
        #expect(chip.interruptLevel == (false, false))
        chip.pushSamples([(0, 0, 1)])
        #expect(chip.interruptLevel == (true, false))
        #expect(try await sensor.readInterruptSource() == [.dataReady, .watermark])
        #expect(try await sensor.readInterruptSource() == [.dataReady, .watermark])
        #expect(chip.interruptLevel == (true, false))
        let readout = try await sensor.readFIFO()
        #expect(readout.watermarkReached && readout.samples.count == 3)
        #expect(chip.interruptLevel == (false, false))
        #expect(try await sensor.readInterruptSource() == [])
    }

    @Test("overrun: 40 samples into the 33-entry FIFO keep the newest 33; Overrun on INT2, active low, clears on read")
    func overrun() async throws {
        let sensor = try await driver(
            .init(
                fifoMode: .stream, fifoWatermark: 31, interruptsEnabled: [.overrun], interruptsOnINT2: [.overrun],
                interruptsActiveLow: true))
        #expect(chip.interruptLevel == (true, true))
        chip.pushSamples((0..<40).map { (x: Double($0) / 16, y: 0, z: 1) })
        #expect(chip.register(0x39) == 33)
        #expect(chip.interruptSource == [.dataReady, .watermark, .overrun])
        #expect(chip.interruptLevel == (true, false))
        let readout = try await sensor.readFIFO()
        #expect(readout.overrun && readout.watermarkReached && readout.entriesAvailable == 33)
        #expect(readout.samples.map(\.xG) == (7..<40).map { Double($0) / 16 })
        #expect(chip.interruptLevel == (true, true))
        #expect(try await sensor.readInterruptSource() == [])
    }

    @Test("FIFO mode (not stream) keeps the oldest 33 and drops new samples; bypass empties the FIFO")
    func fifoModeAndBypass() async throws {
        var sensor = try await driver(.init(fifoMode: .fifo))
        chip.pushSamples((0..<35).map { (x: Double($0) / 16, y: 0, z: 0) })
        #expect(chip.interruptSource.contains(.overrun))
        #expect(chip.fifoEntryCount == 33)
        #expect(try await sensor.readFIFO().samples.map(\.xG) == (0..<33).map { Double($0) / 16 })
        chip.pushSamples([(0, 0, 1), (0, 0, 1)])
        try await sensor.configure(.init(fifoMode: .bypass))
        #expect(chip.fifoEntryCount == 0 && chip.register(0x39) == 0)
    }

    // MARK: Offsets

    @Test("offsets: 15.6 mg/LSB two's complement in one write to 0x1E, added to the output by the chip")
    func offsets() async throws {
        let sensor = try await driver(.init(fifoMode: .bypass))
        try await sensor.setOffsets(xG: 0.5, yG: -0.25, zG: -1)
        #expect(bus.log.suffix(2) == [.write(a, [0x1E, 0x20, 0xF0, 0xC0]), .stop])
        chip.setAcceleration(x: 0, y: 0, z: 1)
        #expect(try await sensor.readAcceleration() == .init(xG: 0.5, yG: -0.25, zG: 0))
        // 0x7F is the largest offset, 127 × 15.625 mg ≈ 2 g (the data sheet's "0x7F = 2 g").
        try await sensor.setOffsetsRaw(x: 127, y: -128, z: 0)
        #expect([chip.register(0x1E), chip.register(0x1F), chip.register(0x20)] == [0x7F, 0x80, 0x00])
        chip.setAcceleration(x: 0, y: 0, z: 0)
        let sample = try await sensor.readAcceleration()
        #expect(abs(sample.xG - 1.984375) <= 0.5 / 256 && sample.yG == -2)
        let error = await #expect(throws: I2CError.self) { try await sensor.setOffsets(xG: 2.5, yG: 0, zG: 0) }
        #expect(error?.code == .invalidArgument)
    }

    // MARK: Self-test

    @Test("self-test passes with the model's shift (x +256, y −256, z +384 LSB) inside Table 15, config restored")
    func selfTestPasses() async throws {
        chip.setTiming(.interruptSourceReads)
        let configuration = ADXL345.Configuration(
            range: .g2, fullResolution: false, outputDataRate: .hz1600, fifoMode: .stream, fifoWatermark: 8,
            interruptsEnabled: [.watermark])
        var sensor = try await driver(configuration)
        bus.clearLog()
        let result = try await sensor.selfTest(samples: 8, settleSamples: 2)
        #expect(result.passed)
        #expect(result.deltaLSB == (256, -256, 384))
        #expect(result.deltaG == .init(xG: 1, yG: -1, zG: 1.5))
        // 1600 Hz is not allowed for self-test: 100 Hz, full resolution ±16 g, bypass, then SELF_TEST on and off.
        let dataFormatWrites = writes.filter { $0.first == 0x31 }
        #expect(dataFormatWrites == [[0x31, 0x0B], [0x31, 0x8B], [0x31, 0x0B], [0x31, 0x00]])
        #expect(writes.contains([0x2C, 0x0A]) && writes.contains([0x38, 0x08]))
        #expect(
            Array(writes.suffix(8)) == [
                [0x2D, 0x00], [0x2E, 0x00], [0x2C, 0x0E], [0x31, 0x00], [0x2F, 0x00], [0x38, 0x88], [0x2E, 0x02],
                [0x2D, 0x08],
            ])
        #expect(sensor.configuration == configuration)
        #expect(chip.register(0x31) == 0x00)
    }

    @Test("self-test fails for a dead actuator (no shift) and for a shift above the limit on one axis")
    func selfTestFails() async throws {
        chip.setTiming(.interruptSourceReads)
        var sensor = try await driver()
        chip.selfTestResponds = false
        let dead = try await sensor.selfTest(samples: 4, settleSamples: 1)
        #expect(!dead.passed && !dead.xPassed && !dead.yPassed && !dead.zPassed)
        #expect(dead.deltaLSB == (0, 0, 0))
        chip.selfTestResponds = true
        chip.setSelfTestResponse(x: 3, y: -1, z: 1.5)
        let strong = try await sensor.selfTest(samples: 4, settleSamples: 1)
        #expect(!strong.passed && !strong.xPassed && strong.yPassed && strong.zPassed)
        #expect(strong.deltaLSB.x == 768)
        #expect(chip.register(0x31) & 0x80 == 0)
    }

    @Test("self-test limits: Table 15 at 2.5 V, scaled by Table 14 (3.3 V: x/y × 1.77, z × 1.47)")
    func selfTestLimits() {
        let base = ADXL345.selfTestLimitsLSB(supply: .v2p5)
        #expect(base.x == 50...540 && base.y == -540...(-50) && base.z == 75...875)
        let at3v3 = ADXL345.selfTestLimitsLSB(supply: .v3p3)
        #expect(abs(at3v3.x.lowerBound - 88.5) < 1e-9 && abs(at3v3.x.upperBound - 955.8) < 1e-9)
        #expect(abs(at3v3.y.lowerBound + 955.8) < 1e-9 && abs(at3v3.y.upperBound + 88.5) < 1e-9)
        #expect(abs(at3v3.z.lowerBound - 110.25) < 1e-9 && abs(at3v3.z.upperBound - 1286.25) < 1e-9)
    }
}
