import BME280
import HAL
import HALSim
import Testing

/// The BME280 driver against its simulated chip, asserting the bytes on the wire and the datasheet's numbers.
@Suite("BME280")
struct BME280Tests {
    let bus = SimulatedI2CBus(name: "sim-i2c")
    let address = BME280.primaryAddress

    func attach(_ chip: SimulatedBME280) -> SimulatedBME280 {
        bus.attach(chip, at: address)
        return chip
    }

    func driver(_ configuration: BME280.Configuration = .init(), timeout: Duration = .seconds(60))
        async throws(I2CError)
        -> BME280
    {
        try await BME280(device: try await bus.device(at: address), configuration: configuration, timeout: timeout)
    }

    /// Every write message's bytes, in order.
    var writes: [[UInt8]] {
        bus.log.compactMap { if case .write(_, let bytes) = $0 { bytes } else { nil } }
    }

    /// The 20-bit-resolution setting, so raw values reach the driver unrounded.
    static let x16 = BME280.Configuration(
        temperatureOversampling: .x16, pressureOversampling: .x16, humidityOversampling: .x16)

    // MARK: Datasheet examples

    @Test("BMP280 datasheet 3.12 example: adc_T 519888 → t_fine 128422, 25.08 °C; adc_P 415148 → 100653.25 Pa")
    func datasheetExampleCompensation() {
        let c = SimulatedBME280.sampleCalibration
        let tFine = c.fineTemperature(adcT: 519_888)
        #expect(tFine == 128_422)
        #expect(c.temperatureCentidegrees(fineTemperature: tFine) == 2508)
        // 64-bit formula, Q24.8: 25767233 / 256 = 100653.254 Pa; the datasheet's table gives 100653.27 Pa (double
        // formula) and 100653 Pa (32-bit formula).
        let q = c.pressure256thsPascal(adcP: 415_148, fineTemperature: tFine)
        #expect(q == 25_767_233)
        #expect(abs(Double(q ?? 0) / 256 - 100_653.27) < 0.05)
    }

    @Test("the datasheet example through the wire: raw registers → driver → 25.08 °C and 100653.25 Pa")
    func datasheetExampleOverTheBus() async throws {
        let chip = attach(SimulatedBME280(timing: .statusReads(1)))
        chip.setRawADC(temperature: 519_888, pressure: 415_148, humidity: 28_656)
        let sensor = try await driver(Self.x16)
        bus.clearLog()
        let measurement = try await sensor.measure()
        #expect(measurement.temperatureCelsius == 25.08)
        #expect(measurement.pressurePascals == 25_767_233.0 / 256)
        #expect(measurement.pressureHectopascals.map { abs($0 - 1006.53) < 0.01 } == true)
        // Forced mode: osrs_t ×16, osrs_p ×16, mode 01 → 0xB5; one status read sees measuring, the next not; then
        // the burst 0xF7…0xFE: 0x655AC → 65 5A C0, 0x7EED0 → 7E ED 00, 28656 → 6F F0.
        #expect(
            bus.log == [
                .write(address, [0xF4, 0xB5]), .stop,
                .write(address, [0xF3]), .read(address, [0x08]), .stop,
                .write(address, [0xF3]), .read(address, [0x00]), .stop,
                .write(address, [0xF7]), .read(address, [0x65, 0x5A, 0xC0, 0x7E, 0xED, 0x00, 0x6F, 0xF0]), .stop,
            ])
        // After a forced conversion the chip is back in sleep mode (datasheet 3.3.3).
        #expect(chip.register(0xF4) == 0xB4)
        #expect(chip.conversionCount == 1)
    }

    @Test("datasheet 9.1 example: T ×1, P ×4, H skipped takes 11.5 ms typical (13.325 ms maximum)")
    func measurementTime() {
        #expect(
            BME280.typicalMeasurementTime(temperature: .x1, pressure: .x4, humidity: .skipped) == .microseconds(11_500))
        #expect(
            BME280.maximumMeasurementTime(temperature: .x1, pressure: .x4, humidity: .skipped) == .microseconds(13_325))
        // All ×16: the 112.8 ms maximum drivers use as the worst case.
        #expect(
            BME280.maximumMeasurementTime(temperature: .x16, pressure: .x16, humidity: .x16) == .microseconds(112_800))
    }

    @Test("the integer humidity formula agrees with the datasheet's double formula within 0.05 %RH")
    func humidityAgainstDoubleFormula() {
        let c = SimulatedBME280.sampleCalibration
        for adcT: Int32 in [430_000, 519_888, 600_000] {
            let tFine = c.fineTemperature(adcT: adcT)
            for adcH: Int32 in [22_000, 26_000, 28_656, 32_000, 36_000] {
                let integer = Double(c.humidity1024thsPercent(adcH: adcH, fineTemperature: tFine)) / 1024
                let reference = Self.humidityDouble(c, adcH: Double(adcH), tFine: Double(tFine))
                #expect(abs(integer - reference) < 0.05, "adc_T \(adcT) adc_H \(adcH): \(integer) vs \(reference)")
            }
        }
    }

    /// `bme280_compensate_H_double` (datasheet 8.1), written out independently of the driver.
    static func humidityDouble(_ c: BME280.Calibration, adcH: Double, tFine: Double) -> Double {
        var h = tFine - 76_800
        h =
            (adcH - (Double(c.digH4) * 64 + Double(c.digH5) / 16_384 * h))
            * (Double(c.digH2) / 65_536
                * (1 + Double(c.digH6) / 67_108_864 * h * (1 + Double(c.digH3) / 67_108_864 * h)))
        h *= 1 - Double(c.digH1) * h / 524_288
        return min(max(h, 0), 100)
    }

    @Test("dig_H4/dig_H5 share 0xE5: 12-bit signed values, packed and unpacked")
    func humidityCalibrationPacking() {
        let block1 = SimulatedBME280.sampleCalibration.registerBlocks.block1
        // 0xE1…0xE7 = 6A 01 00 14 0D 00 1E: H2 = 362, H3 = 0, H4 = 0x14·16 + 0xD = 333, H5 = 0·16 + 0 = 0, H6 = 30.
        let plain = BME280.Calibration(block1: block1, block2: [0x6A, 0x01, 0x00, 0x14, 0x0D, 0x00, 0x1E])
        #expect(plain.digH2 == 362 && plain.digH3 == 0 && plain.digH4 == 333 && plain.digH5 == 0 && plain.digH6 == 30)
        // Negative: 0xE4 = 0xFF, 0xE5 = 0xF8, 0xE6 = 0x80 → H4 = −16 + 8 = −8, H5 = −2048 + 15 = −2033.
        let negative = BME280.Calibration(block1: block1, block2: [0x00, 0x80, 0xFF, 0xFF, 0xF8, 0x80, 0x9C])
        #expect(negative.digH2 == -32_768 && negative.digH3 == 255 && negative.digH6 == -100)
        #expect(negative.digH4 == -8 && negative.digH5 == -2033)
        #expect(negative.registerBlocks.block2 == [0x00, 0x80, 0xFF, 0xFF, 0xF8, 0x80, 0x9C])
        #expect(BME280.Calibration(block1: block1, block2: plain.registerBlocks.block2) == plain)
    }

    // MARK: Initialisation and configuration

    @Test("creation reads the ID, waits for im_update, reads both calibration blocks and configures")
    func initWireBytes() async throws {
        _ = attach(SimulatedBME280(timing: .statusReads(0)))
        let sensor = try await driver()
        #expect(sensor.calibration == SimulatedBME280.sampleCalibration)
        let calibration = SimulatedBME280.sampleCalibration.registerBlocks
        #expect(
            Array(bus.log.prefix(12)) == [
                .write(address, [0xD0]), .read(address, [0x60]), .stop,
                .write(address, [0xF3]), .read(address, [0x00]), .stop,
                .write(address, [0x88]), .read(address, calibration.block1), .stop,
                .write(address, [0xE1]), .read(address, calibration.block2), .stop,
            ])
        // ×1/×1/×1, filter off, t_sb 1000 ms, forced: ctrl_meas sleep 0x24, ctrl_hum 0x01, config 0xA0, ctrl_meas.
        #expect(Array(writes.suffix(4)) == [[0xF4, 0x24], [0xF2, 0x01], [0xF5, 0xA0], [0xF4, 0x24]])
        // The first calibration bytes are dig_T1 = 27504 = 0x6B70, little-endian.
        #expect(Array(calibration.block1.prefix(2)) == [0x70, 0x6B])
    }

    @Test("after a soft reset the driver waits for the NVM copy (im_update) before reading the calibration")
    func resetAndNVMCopy() async throws {
        let chip = attach(SimulatedBME280(timing: .statusReads(2)))
        let sensor = try await driver(Self.x16)
        bus.clearLog()
        try await sensor.reset()
        #expect(chip.softResetCount == 1)
        #expect(writes.first == [0xE0, 0xB6])
        let statusReads = bus.log.compactMap { if case .read(_, let b) = $0, b.count == 1 { b[0] } else { nil } }
        #expect(statusReads == [0x01, 0x01, 0x00])
        // The reset cleared the configuration; the driver wrote it again.
        #expect(chip.register(0xF2) == 0x05)
        #expect(chip.register(0xF4) == 0xB4)
        // No conversion since the reset: the data registers hold 0x80000, which the driver refuses.
        await #expect(throws: I2CError.self) { try sensor.compensate(try await sensor.readRaw()) }
        chip.setEnvironment(temperatureCelsius: 20, pressurePascals: 100_000, humidityPercent: 50)
        #expect(abs(try await sensor.measure().temperatureCelsius - 20) <= 0.01)
    }

    @Test("ctrl_hum takes effect only after the next write to ctrl_meas (datasheet 5.4.3)")
    func ctrlHumLatchedByCtrlMeas() async throws {
        let chip = attach(SimulatedBME280(timing: .statusReads(0)))
        let device = try await bus.device(at: address)
        try await device.write([0xF4, 0x25])  // T ×1, P ×1, forced; ctrl_hum still 0: humidity skipped
        #expect(try await device.writeRead([0xFD], readCount: 2) == [0x80, 0x00])
        try await device.write([0xF2, 0x01])
        #expect(chip.register(0xF2) == 0x01)
        #expect(chip.conversionCount == 1)
        #expect(try await device.writeRead([0xFD], readCount: 2) == [0x80, 0x00])
        try await device.write([0xF4, 0x25])
        #expect(try await device.writeRead([0xFD], readCount: 2) != [0x80, 0x00])
    }

    @Test("normal mode: continuous conversions, config writes ignored while it runs (datasheet 5.4.6)")
    func normalMode() async throws {
        let chip = attach(SimulatedBME280(timing: .statusReads(1)))
        var configuration = Self.x16
        configuration.mode = .normal
        configuration.standby = .ms62p5
        configuration.filter = .off
        chip.setEnvironment(temperatureCelsius: 18, pressurePascals: 98_000, humidityPercent: 60)
        let sensor = try await driver(configuration)
        // ctrl_meas sleep (0xB4), ctrl_hum ×16, config t_sb 62.5 ms (0x20), ctrl_meas normal (0xB7).
        #expect(Array(writes.suffix(4)) == [[0xF4, 0xB4], [0xF2, 0x05], [0xF5, 0x20], [0xF4, 0xB7]])
        _ = try await bus.device(at: address).writeRead([0xF3], readCount: 1)  // first conversion done
        bus.clearLog()
        #expect(abs(try await sensor.measure().temperatureCelsius - 18) <= 0.01)
        // No trigger in normal mode: just the burst read.
        #expect(writes == [[0xF7]])
        chip.setEnvironment(temperatureCelsius: 19, pressurePascals: 98_000, humidityPercent: 60)
        #expect(abs(try await sensor.measure().temperatureCelsius - 19) <= 0.01)
        try await bus.device(at: address).write([0xF5, 0x10])
        #expect(chip.ignoredConfigWriteCount == 1)
        #expect(chip.register(0xF5) == 0x20)
    }

    // MARK: Round trips

    @Test(
        "physical value → sim registers → driver, within the formulas' resolution",
        arguments: [
            (21.5, 101_325.0, 45.0), (-10.0, 80_000.0, 90.0), (40.25, 105_000.0, 12.5), (0.0, 95_000.0, 100.0),
        ])
    func roundTrip(temperature: Double, pressure: Double, humidity: Double) async throws {
        let chip = attach(SimulatedBME280(timing: .statusReads(1)))
        chip.setEnvironment(temperatureCelsius: temperature, pressurePascals: pressure, humidityPercent: humidity)
        // ×16: 20-bit outputs. Tolerances: 0.01 °C output step, ~0.2 Pa per ADC count, ~0.01 %RH per count.
        let fine = try await driver(Self.x16).measure()
        #expect(abs(fine.temperatureCelsius - temperature) <= 0.01)
        #expect(abs((fine.pressurePascals ?? 0) - pressure) <= 0.2)
        #expect(abs((fine.humidityPercent ?? 0) - humidity) <= 0.01)
        // ×1: 16-bit temperature and pressure (datasheet 3.4.2/3.4.3), so 16 counts coarser.
        let coarse = try await driver().measure()
        #expect(abs(coarse.temperatureCelsius - temperature) <= 0.02)
        #expect(abs((coarse.pressurePascals ?? 0) - pressure) <= 3)
        #expect(abs((coarse.humidityPercent ?? 0) - humidity) <= 0.01)
    }

    @Test("a skipped channel reads 0x80000 on the wire and nil from the driver")
    func skippedPressure() async throws {
        let chip = attach(SimulatedBME280(timing: .statusReads(0)))
        chip.setEnvironment(temperatureCelsius: 22, pressurePascals: 100_000, humidityPercent: 40)
        let sensor = try await driver(.init(pressureOversampling: .skipped))
        bus.clearLog()
        let measurement = try await sensor.measure()
        #expect(measurement.pressurePascals == nil)
        #expect(measurement.humidityPercent != nil)
        let burst = bus.log.compactMap { if case .read(_, let b) = $0, b.count == 8 { b } else { nil } }
        #expect(burst.first.map { Array($0.prefix(3)) } == [0x80, 0x00, 0x00])
    }

    @Test("real-time forced mode: the driver sleeps the typical time, then polls")
    func timedForcedMode() async throws {
        let chip = attach(SimulatedBME280(timing: .timed))
        chip.setEnvironment(temperatureCelsius: 23.4, pressurePascals: 99_000, humidityPercent: 55)
        let measurement = try await driver().measure()
        #expect(abs(measurement.temperatureCelsius - 23.4) <= 0.02)
        #expect(chip.conversionCount == 1)
    }

    // MARK: Faults

    @Test("a BMP280 (chip ID 0x58) is refused with the ID it has")
    func wrongChipID() async throws {
        _ = attach(SimulatedBME280(chipID: 0x58, timing: .statusReads(0)))
        do {
            _ = try await driver()
            Issue.record("expected the chip ID check to fail")
        } catch {
            #expect(error.code == .invalidResponse)
            #expect(
                error.description.hasPrefix("sim-i2c@0x76 read 0xD0: invalid response (chip ID 0x58, expected 0x60"))
        }
    }

    @Test("a NACK at creation and during a measurement gives .nack")
    func nack() async throws {
        _ = attach(SimulatedBME280(timing: .statusReads(0)))
        bus.injectFault(.nack, at: address)
        await #expect(throws: I2CError.self) { try await driver() }
        #expect(bus.log.first == .nack(address))
        let sensor = try await driver()
        bus.injectFault(.nack, at: address)
        do {
            _ = try await sensor.measure()
            Issue.record("expected a NACK")
        } catch {
            #expect(error.code == .nack)
        }
    }

    @Test("a bus error on the burst read gives .busError")
    func busError() async throws {
        _ = attach(SimulatedBME280(timing: .statusReads(0)))
        let sensor = try await driver()
        bus.injectFault(.busError, at: address)
        do {
            _ = try await sensor.readRaw()
            Issue.record("expected a bus error")
        } catch {
            #expect(error.code == .busError)
        }
    }

    @Test("a conversion that never ends fails after the timeout")
    func conversionTimeout() async throws {
        let chip = attach(SimulatedBME280(timing: .statusReads(0)))
        let sensor = try await driver(timeout: .milliseconds(30))
        chip.setTiming(.statusReads(Int.max))
        do {
            _ = try await sensor.measure()
            Issue.record("expected the wait for the conversion to give up")
        } catch {
            #expect(error.code == .busError)
            #expect(error.description.contains("conversion not finished"))
        }
    }

    @Test("implausible calibration, out-of-range results and a skipped temperature are refused")
    func invalidValues() async throws {
        var broken = SimulatedBME280.sampleCalibration
        broken.digP1 = 0
        _ = attach(SimulatedBME280(calibration: broken, timing: .statusReads(0)))
        do {
            _ = try await driver()
            Issue.record("expected the calibration check to fail")
        } catch {
            #expect(error.code == .invalidResponse)
            #expect(error.description.contains("dig_P1 0"))
        }

        let chip = attach(SimulatedBME280(timing: .statusReads(0)))
        let sensor = try await driver(Self.x16)
        chip.setRawADC(temperature: 0xFFFF0, pressure: 415_148, humidity: 28_656)
        do {
            _ = try await sensor.measure()
            Issue.record("expected an out-of-range temperature to be refused")
        } catch {
            #expect(error.code == .invalidResponse)
            #expect(error.description.contains("outside −40…85 °C"))
        }
        do {
            _ = try await driver(.init(temperatureOversampling: .skipped))
            Issue.record("expected a skipped temperature to be refused")
        } catch {
            #expect(error.code == .invalidArgument)
        }
    }
}
