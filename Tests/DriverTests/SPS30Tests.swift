import HAL
import HALSim
import SPS30
import Testing

/// The SPS30 driver against its simulated sensor, asserting the bytes on the wire and the datasheet's examples.
@Suite("SPS30")
struct SPS30Tests {
    let bus = SimulatedI2CBus(name: "sim-i2c")
    let address = SPS30.address

    func attach(_ chip: SimulatedSPS30) -> SimulatedSPS30 {
        bus.attach(chip, at: address)
        return chip
    }

    func driver() async throws(I2CError) -> SPS30 {
        try await SPS30(device: try await bus.device(at: address))
    }

    /// Every write message's bytes, in order.
    var writes: [[UInt8]] {
        bus.log.compactMap { if case .write(_, let bytes) = $0 { bytes } else { nil } }
    }

    /// Values that are exact in Float, so the float format carries them unchanged.
    static let sample = SPS30.Measurement(
        massPM1p0MicrogramsPerCubicMeter: 12.5, massPM2p5MicrogramsPerCubicMeter: 15.25,
        massPM4p0MicrogramsPerCubicMeter: 16.75, massPM10MicrogramsPerCubicMeter: 17.5,
        numberPM0p5PerCubicCentimeter: 80.5, numberPM1p0PerCubicCentimeter: 95.25,
        numberPM2p5PerCubicCentimeter: 98, numberPM4p0PerCubicCentimeter: 98.5,
        numberPM10PerCubicCentimeter: 98.75, typicalParticleSizeMicrometers: 0.625)

    // MARK: Datasheet examples

    @Test("datasheet 6.2: CRC(0xBEEF) = 0x92")
    func crcExample() {
        #expect(SPS30.crc8(0xBE, 0xEF) == 0x92)
        // Start Measurement's parameter word 0x0300 (float format, dummy byte) carries CRC 0xAC.
        #expect(SPS30.crc8(0x03, 0x00) == 0xAC)
        #expect(SPS30.encode(words: [0xBEEF, 0x0000]) == [0xBE, 0xEF, 0x92, 0x00, 0x00, 0x81])
    }

    @Test("creation reads the product type \"00080000\" (datasheet 6.3.9): pointer 0xD002, then 12 bytes")
    func productType() async throws {
        _ = attach(SimulatedSPS30(timing: .manual))
        _ = try await driver()
        #expect(
            bus.log == [
                .write(address, [0xD0, 0x02]), .stop,
                .read(address, [0x30, 0x30, 0xF6, 0x30, 0x38, 0x4F, 0x30, 0x30, 0xF6, 0x30, 0x30, 0xF6]), .stop,
            ])
    }

    @Test("Start Measurement writes 0x0010 + 0x03 0x00 + CRC 0xAC; Stop writes 0x0104")
    func startStopWireBytes() async throws {
        let chip = attach(SimulatedSPS30(timing: .manual))
        let sensor = try await driver()
        try await sensor.startMeasurement()
        #expect(chip.isMeasuring)
        #expect(chip.outputFormat == .float)
        try await sensor.stopMeasurement()
        #expect(!chip.isMeasuring)
        #expect(Array(writes.suffix(2)) == [[0x00, 0x10, 0x03, 0x00, 0xAC], [0x01, 0x04]])
    }

    @Test("default auto cleaning interval 604800 s (1 week, datasheet 4.2) on the wire: 00 09 09 3A 80 A7")
    func autoCleaningIntervalDefault() async throws {
        _ = attach(SimulatedSPS30(timing: .manual))
        let sensor = try await driver()
        bus.clearLog()
        #expect(try await sensor.readAutoCleaningIntervalSeconds() == 604_800)
        #expect(
            bus.log == [
                .write(address, [0x80, 0x04]), .stop, .read(address, [0x00, 0x09, 0x09, 0x3A, 0x80, 0xA7]), .stop,
            ])
    }

    // MARK: Measurements

    @Test("data ready after polls, float values round trip exactly, the flag clears on read")
    func measurementRoundTrip() async throws {
        let chip = attach(SimulatedSPS30(timing: .dataReadyAfterPolls(2)))
        chip.setParticulates(Self.sample)
        let sensor = try await driver()
        try await sensor.startMeasurement()
        #expect(try await sensor.isDataReady() == false)
        #expect(try await sensor.isDataReady() == false)
        #expect(try await sensor.isDataReady() == true)
        bus.clearLog()
        #expect(try await sensor.readMeasurement() == Self.sample)
        // 12.5 = 0x41480000: words 0x4148 (CRC 0x78) and 0x0000 (CRC 0x81), 60 bytes in all.
        let reads = bus.log.compactMap { if case .read(_, let b) = $0 { b } else { nil } }
        #expect(reads.first?.count == 60)
        #expect(reads.first.map { Array($0.prefix(6)) } == [0x41, 0x48, 0x78, 0x00, 0x00, 0x81])
        #expect(writes == [[0x03, 0x00]])
        #expect(try await sensor.isDataReady() == false)
    }

    @Test("before the first measurement the values are all zero (datasheet 6.3.4: latest values)")
    func zeroBeforeFirstMeasurement() async throws {
        let chip = attach(SimulatedSPS30(timing: .manual))
        chip.setParticulates(Self.sample)
        let sensor = try await driver()
        try await sensor.startMeasurement()
        #expect(try await sensor.readMeasurement() == .zero)
        chip.makeDataReady()
        #expect(try await sensor.nextMeasurement(pollInterval: .milliseconds(1)) == Self.sample)
    }

    @Test("values are frozen while the fan cleans (datasheet 4.2)")
    func fanCleaning() async throws {
        let chip = attach(SimulatedSPS30(timing: .manual))
        chip.setParticulates(Self.sample)
        let sensor = try await driver()
        try await sensor.startMeasurement()
        chip.makeDataReady()
        _ = try await sensor.readMeasurement()
        try await sensor.startFanCleaning()
        #expect(writes.last == [0x56, 0x07])
        #expect(chip.isFanCleaning)
        #expect(chip.fanCleaningCount == 1)
        var cleaner = Self.sample
        cleaner.massPM2p5MicrogramsPerCubicMeter = 3
        chip.setParticulates(cleaner)
        chip.makeDataReady()
        #expect(try await sensor.isDataReady() == false)
        #expect(try await sensor.readMeasurement() == Self.sample)
        chip.finishFanCleaning()
        chip.makeDataReady()
        #expect(try await sensor.readMeasurement() == cleaner)
    }

    @Test("real time: a new measurement one second after Start Measurement")
    func timedMeasurement() async throws {
        let chip = attach(SimulatedSPS30(timing: .timed))
        chip.setParticulates(Self.sample)
        let sensor = try await driver()
        try await sensor.startMeasurement()
        // Bounded generously; the test asserts the value, not the time it took.
        #expect(
            try await sensor.nextMeasurement(pollInterval: .milliseconds(100), timeout: .seconds(30)) == Self.sample)
    }

    @Test("the integer output format (0x05) reports rounded values and the particle size in nm")
    func integerFormat() async throws {
        let chip = attach(SimulatedSPS30(timing: .manual))
        chip.setParticulates(Self.sample)
        let device = try await bus.device(at: address)
        try await device.write([0x00, 0x10, 0x05, 0x00, 0xF6])
        #expect(chip.outputFormat == .uint16)
        chip.makeDataReady()
        try await device.write([0x03, 0x00])
        let bytes = try await device.read(count: 30)
        // PM1.0 12.5 → 13 (0x000D), typical size 0.625 µm → 625 nm (0x0271).
        #expect(Array(bytes.prefix(2)) == [0x00, 0x0D])
        #expect(Array(bytes[27...28]) == [0x02, 0x71])
        #expect(bytes[29] == SPS30.crc8(0x02, 0x71))
    }

    // MARK: Settings and device information

    @Test("auto cleaning interval: written as two CRC words, read back at once from firmware 2.2")
    func autoCleaningInterval() async throws {
        let chip = attach(SimulatedSPS30(timing: .manual))
        let sensor = try await driver()
        try await sensor.setAutoCleaningInterval(seconds: 345_600)  // 4 days = 0x00054600
        #expect(writes.last == [0x80, 0x04, 0x00, 0x05, 0x74, 0x46, 0x00, 0x52])
        #expect(chip.autoCleaningIntervalSeconds == 345_600)
        #expect(try await sensor.readAutoCleaningIntervalSeconds() == 345_600)
        try await sensor.setAutoCleaningInterval(seconds: 0)
        #expect(try await sensor.readAutoCleaningIntervalSeconds() == 0)
    }

    @Test("firmware < 2.2 reads back the old interval until the next start/reset (datasheet 6.3.8)")
    func autoCleaningIntervalOldFirmware() async throws {
        let chip = attach(SimulatedSPS30(timing: .manual, firmware: .init(major: 2, minor: 1)))
        let sensor = try await driver()
        #expect(try await sensor.readFirmwareVersion() == .init(major: 2, minor: 1))
        try await sensor.setAutoCleaningInterval(seconds: 345_600)
        #expect(chip.autoCleaningIntervalSeconds == 345_600)
        #expect(try await sensor.readAutoCleaningIntervalSeconds() == 604_800)
        try await sensor.reset()
        #expect(try await sensor.readAutoCleaningIntervalSeconds() == 345_600)
    }

    @Test("serial number, firmware version and the device status register")
    func deviceInformation() async throws {
        let chip = attach(SimulatedSPS30(timing: .manual, serialNumber: "ABCDEF0123456789"))
        let sensor = try await driver()
        #expect(try await sensor.readSerialNumber() == "ABCDEF0123456789")
        #expect(try await sensor.readFirmwareVersion().description == "2.2")
        #expect(try await sensor.readDeviceStatus() == [])
        chip.deviceStatus = SPS30.DeviceStatus([.fanError, .fanSpeedWarning]).rawValue
        bus.clearLog()
        let status = try await sensor.readDeviceStatus()
        #expect(status.contains(.fanError) && status.contains(.fanSpeedWarning) && !status.contains(.laserError))
        // Bit 21 and bit 4: 0x00200010 → words 0x0020, 0x0010.
        #expect(
            bus.log.contains(.read(address, [0x00, 0x20, SPS30.crc8(0x00, 0x20), 0x00, 0x10, SPS30.crc8(0x00, 0x10)])))
        try await sensor.clearDeviceStatus()
        #expect(writes.last == [0xD2, 0x10])
        #expect(try await sensor.readDeviceStatus() == [])
    }

    @Test("Device Reset (0xD304) returns to Idle-Mode with no values")
    func reset() async throws {
        let chip = attach(SimulatedSPS30(timing: .manual))
        chip.setParticulates(Self.sample)
        let sensor = try await driver()
        try await sensor.startMeasurement()
        chip.makeDataReady()
        try await sensor.reset()
        #expect(writes.last == [0xD3, 0x04])
        #expect(!chip.isMeasuring)
        #expect(chip.resetCount == 1)
        #expect(try await sensor.readMeasurement() == .zero)
    }

    // MARK: Faults

    @Test("commands not allowed in the current mode are NACKed (datasheet 4.1, Table 8 footnotes)")
    func wrongMode() async throws {
        let chip = attach(SimulatedSPS30(timing: .manual))
        let sensor = try await driver()
        for command in [sensor.stopMeasurement, sensor.startFanCleaning] {
            do {
                try await command()
                Issue.record("expected a NACK in Idle-Mode")
            } catch {
                #expect(error.code == .nack)
            }
        }
        try await sensor.startMeasurement()
        do {
            try await sensor.startMeasurement()
            Issue.record("expected a NACK in Measurement-Mode")
        } catch {
            #expect(error.code == .nack)
            #expect(error.description.hasPrefix("sim-i2c@0x69 command 0x0010: no acknowledge"))
        }
        #expect(chip.refusedCommands == [0x0104, 0x5607, 0x0010])
        #expect(chip.isMeasuring)
    }

    @Test("a write whose CRC is wrong is NACKed and changes nothing")
    func badWriteCRC() async throws {
        let chip = attach(SimulatedSPS30(timing: .manual))
        let device = try await bus.device(at: address)
        await #expect(throws: I2CError.self) { try await device.write([0x00, 0x10, 0x03, 0x00, 0xAD]) }
        #expect(!chip.isMeasuring)
        #expect(bus.log.first == .nack(address))
    }

    @Test("a CRC mismatch in a read gives .invalidResponse naming the word", arguments: [0, 3, 19])
    func readCRCMismatch(word: Int) async throws {
        let chip = attach(SimulatedSPS30(timing: .manual))
        chip.setParticulates(Self.sample)
        let sensor = try await driver()
        try await sensor.startMeasurement()
        chip.makeDataReady()
        chip.corruptNextReadCRC(word: word)
        do {
            _ = try await sensor.readMeasurement()
            Issue.record("expected a CRC error")
        } catch {
            #expect(error.code == .invalidResponse)
            #expect(
                error.description.hasPrefix("sim-i2c@0x69 read 0x0300: invalid response (CRC mismatch in word \(word) ")
            )
        }
        // Only that read was disturbed.
        #expect(try await sensor.readMeasurement() == Self.sample)
    }

    @Test("a wrong product type is refused with what was found")
    func wrongProductType() async throws {
        _ = attach(SimulatedSPS30(timing: .manual, productType: "00070000"))
        do {
            _ = try await driver()
            Issue.record("expected the identity check to fail")
        } catch {
            #expect(error.code == .invalidResponse)
            #expect(error.description.contains("product type \"00070000\", expected \"00080000\""))
        }
    }

    @Test("a NACK at creation and a corrupted product type give typed errors")
    func nackAndCorruptIdentity() async throws {
        let chip = attach(SimulatedSPS30(timing: .manual))
        bus.injectFault(.nack, at: address)
        do {
            _ = try await driver()
            Issue.record("expected a NACK")
        } catch {
            #expect(error.code == .nack)
        }
        chip.corruptNextReadCRC(word: 1)
        do {
            _ = try await driver()
            Issue.record("expected a CRC error")
        } catch {
            #expect(error.code == .invalidResponse)
            #expect(error.description.contains("read 0xD002"))
        }
    }

    @Test("impossible values (negative, NaN) are refused, not returned")
    func impossibleValues() async throws {
        let chip = attach(SimulatedSPS30(timing: .manual))
        let sensor = try await driver()
        try await sensor.startMeasurement()
        for bad in [-1.0, Double.nan] {
            var values = Self.sample.values
            values[2] = bad
            chip.setParticulates(SPS30.Measurement(values: values))
            chip.makeDataReady()
            do {
                _ = try await sensor.readMeasurement()
                Issue.record("expected \(bad) to be refused")
            } catch {
                #expect(error.code == .invalidResponse)
                #expect(error.description.contains("value 2 is"))
            }
        }
    }
}
