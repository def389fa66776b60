import HAL
import HALSim
import Locking
import Testing
import VEML7700

/// The waits a driver asked for, in order.
private final class VEML7700WaitLog: Sendable {
    let durations = Lock<[Duration]>([])
}

/// Passes transfers to the simulated chip but does not acknowledge any write that addresses `register`.
private final class VEML7700NACKOnRegister: SimulatedI2CChip {
    let chip: any SimulatedI2CChip
    let register: UInt8

    init(_ chip: any SimulatedI2CChip, register: UInt8) {
        self.chip = chip
        self.register = register
    }

    func received(_ bytes: [UInt8]) throws(SimulatedI2CFault) {
        if bytes.first == register { throw .nack }
        try chip.received(bytes)
    }

    func transmit(count: Int) throws(SimulatedI2CFault) -> [UInt8] { try chip.transmit(count: count) }
    func stop() { chip.stop() }
}

/// The VEML7700 driver against its simulated chip: resolution table, auto-ranging, bytes on the wire, faults.
@Suite("VEML7700")
struct VEML7700Tests {
    let bus = SimulatedI2CBus(name: "sim-i2c")
    let chip = SimulatedVEML7700(timing: .manual)
    private let waits = VEML7700WaitLog()

    init() {
        bus.attach(chip, at: VEML7700.address)
    }

    /// A driver whose waits end the simulated integration: deterministic, and a read before the wait would see the
    /// previous value.
    func driver() async throws -> VEML7700 {
        let chip = chip
        let waits = waits
        return VEML7700(device: try await bus.device(at: VEML7700.address)) { duration in
            waits.durations.withLock { $0.append(duration) }
            chip.completeIntegration()
        }
    }

    /// The ALS_CONF words written, in order.
    func confWrites() -> [UInt16] {
        bus.log.compactMap { entry -> UInt16? in
            guard case .write(_, let bytes) = entry, bytes.count == 3, bytes[0] == 0x00 else { return nil }
            return UInt16(bytes[1]) | UInt16(bytes[2]) << 8
        }
    }

    @Test("resolution table of the application note (0.0042 lx/count at gain 2, 800 ms)")
    func resolutionTable() {
        let expected: [(VEML7700.Gain, VEML7700.IntegrationTime, Double)] = [
            (.two, .ms800, 0.0042), (.one, .ms800, 0.0084), (.oneQuarter, .ms800, 0.0336),
            (.oneEighth, .ms800, 0.0672),
            (.two, .ms100, 0.0336), (.one, .ms100, 0.0672), (.oneQuarter, .ms100, 0.2688),
            (.oneEighth, .ms100, 0.5376),
            (.two, .ms25, 0.1344), (.one, .ms25, 0.2688), (.oneQuarter, .ms25, 1.0752), (.oneEighth, .ms25, 2.1504),
            (.two, .ms50, 0.0672), (.one, .ms200, 0.0336), (.oneEighth, .ms400, 0.1344),
        ]
        for (gain, time, resolution) in expected {
            #expect(
                abs(VEML7700.resolutionLuxPerCount(gain: gain, integrationTime: time) - resolution) < 1e-12,
                "\(gain), \(time)")
        }
        // Maximum detection range: 140 926 lx at gain 1/8 and 25 ms, 275.2 lx at gain 2 and 800 ms.
        #expect(VEML7700.maximumLux(gain: .oneEighth, integrationTime: .ms25).rounded(.down) == 140_926)
        #expect(abs(VEML7700.maximumLux(gain: .two, integrationTime: .ms800) - 275.247) < 0.001)
    }

    @Test("ALS_CONF fields (datasheet, register 00h)")
    func configurationBits() {
        #expect(VEML7700.Configuration(gain: .oneEighth, integrationTime: .ms100).rawValue == 0x1000)
        #expect(VEML7700.Configuration(gain: .two, integrationTime: .ms800).rawValue == 0x08C0)
        #expect(VEML7700.Configuration(gain: .oneQuarter, integrationTime: .ms25).rawValue == 0x1B00)
        #expect(VEML7700.Configuration(gain: .one, integrationTime: .ms50).rawValue == 0x0200)
        let full = VEML7700.Configuration(
            gain: .one, integrationTime: .ms100, persistence: .eight, interruptEnabled: true, shutdown: true)
        #expect(full.rawValue == 0x0033)
        #expect(VEML7700.Configuration(rawValue: 0x0033) == full)
        // Power-on value: gain 1, 100 ms, shut down.
        #expect(
            VEML7700.Configuration(rawValue: VEML7700.alsConfResetValue)
                == VEML7700.Configuration(gain: .one, integrationTime: .ms100, shutdown: true))
        // 0b0100 is not an integration time code.
        #expect(VEML7700.Configuration(rawValue: 0b0100 << 6) == nil)
    }

    @Test("start: ID read, ALS_CONF write LSB first, read-back, one settle wait")
    func startOnTheWire() async throws {
        chip.setIlluminance(lux: 100)
        let sensor = try await driver()
        try await sensor.start()
        #expect(
            bus.log == [
                .write(0x10, [0x07]), .read(0x10, [0x81, 0xC4]), .stop,
                .write(0x10, [0x00, 0x00, 0x10]), .stop,
                .write(0x10, [0x00]), .read(0x10, [0x00, 0x10]), .stop,
            ])
        #expect(waits.durations.withLock { $0 } == [.milliseconds(202) + .microseconds(500)])
        #expect(!chip.isShutDown)
        // 100 lx at gain 1/8, 100 ms: the inverse of the correction gives 98.98 lx linear, 184 counts.
        #expect(chip.register(.als) == SimulatedVEML7700.counts(forLux: 100, gain: .oneEighth, integrationTime: .ms100))
        #expect(chip.register(.als) == 184)
    }

    @Test("auto-ranging at 0.5 lx raises gain, then integration time, to gain 2 and 800 ms")
    func autoRangeDark() async throws {
        chip.setIlluminance(lux: 0.5)
        let sensor = try await driver()
        try await sensor.start()
        bus.clearLog()
        let reading = try await sensor.illuminance()
        #expect(reading.gain == .two)
        #expect(reading.integrationTime == .ms800)
        #expect(!reading.corrected)
        #expect(reading.counts == 119)
        // One count is 0.0042 lx here.
        #expect(abs(reading.lux - 0.5) < 0.0042)
        #expect(confWrites() == [0x1000, 0x1800, 0x0000, 0x0800, 0x0840, 0x0880, 0x08C0])
    }

    @Test("auto-ranging at 300 lx stays at gain 1/8 and 100 ms and applies the correction")
    func autoRangeIndoor() async throws {
        chip.setIlluminance(lux: 300)
        let sensor = try await driver()
        try await sensor.start()
        bus.clearLog()
        let reading = try await sensor.illuminance()
        #expect(reading.gain == .oneEighth)
        #expect(reading.integrationTime == .ms100)
        #expect(reading.corrected)
        #expect(reading.counts > 100 && reading.counts <= 10_000)
        // Half a count (0.27 lx) times the correction's slope.
        #expect(abs(reading.lux - 300) < 0.5)
        #expect(confWrites() == [0x1000])
    }

    @Test("auto-ranging at 50 000 lx shortens the integration time to 25 ms")
    func autoRangeSunlight() async throws {
        chip.setIlluminance(lux: 50_000)
        let sensor = try await driver()
        try await sensor.start()
        bus.clearLog()
        let reading = try await sensor.illuminance()
        #expect(reading.gain == .oneEighth)
        #expect(reading.integrationTime == .ms25)
        #expect(reading.corrected)
        #expect(reading.counts <= 10_000)
        // Without the correction the reading would be about a third of the real value.
        let linear = Double(reading.counts) * 2.1504
        #expect(linear < 20_000)
        // Half a count (1.08 lx) times the correction's slope (about 8 at this level).
        #expect(abs(reading.lux - 50_000) < 20)
        #expect(confWrites() == [0x1000, 0x1200, 0x1300])
    }

    @Test("the correction polynomial round-trips through the simulated chip", arguments: [1.0, 120, 999, 4000, 90_000])
    func correctionRoundTrip(lux: Double) {
        let counts = SimulatedVEML7700.counts(forLux: lux, gain: .oneEighth, integrationTime: .ms25)
        let back = VEML7700.correctedLux(Double(counts) * 2.1504)
        let slope = VEML7700.correctedLux(Double(counts) * 2.1504 + 1) - VEML7700.correctedLux(Double(counts) * 2.1504)
        #expect(abs(back - lux) <= 1.1 * slope + 1e-9)
    }

    @Test("no new data while shut down")
    func shutdown() async throws {
        chip.setIlluminance(lux: 200)
        let sensor = try await driver()
        try await sensor.start()
        let before = chip.register(.als)
        let integrations = chip.integrationCount
        try await sensor.shutDown()
        #expect(chip.isShutDown)
        chip.setIlluminance(lux: 20_000)
        chip.completeIntegration()
        #expect(chip.register(.als) == before)
        #expect(chip.integrationCount == integrations)
        do {
            _ = try await sensor.illuminanceAtCurrentSetting()
            Issue.record("expected an error while shut down")
        } catch {
            #expect(error.code == .invalidResponse)
            #expect(error.description == "sim-i2c@0x10 read 0x04: invalid response (chip is shut down (ALS_SD = 1))")
        }
    }

    @Test("a driver that does not wait reads the previous integration")
    func readingBeforeIntegration() async throws {
        chip.setIlluminance(lux: 300)
        let sensor = VEML7700(device: try await bus.device(at: VEML7700.address)) { _ in }
        try await sensor.configure(VEML7700.Configuration(gain: .oneEighth, integrationTime: .ms100))
        // The register still holds its reset value: nothing has integrated yet.
        #expect(try await sensor.alsCounts() == 0)
        chip.completeIntegration()
        #expect(try await sensor.alsCounts() == 544)
    }

    @Test("real integration timing at 25 ms")
    func timedIntegration() async throws {
        let timedChip = SimulatedVEML7700(timing: .timed)
        bus.attach(timedChip, at: VEML7700.address)
        timedChip.setIlluminance(lux: 1000)
        // Waits exactly one integration time (25 ms); the chip latches a result once that has passed.
        let sensor = VEML7700(device: try await bus.device(at: VEML7700.address)) { _ in
            try? await Task.sleep(for: .milliseconds(25))
        }
        try await sensor.start(VEML7700.Configuration(gain: .oneEighth, integrationTime: .ms25))
        let reading = try await sensor.illuminanceAtCurrentSetting()
        #expect(abs(reading.lux - 1000) < 2.1504 * 1.2)
    }

    @Test("threshold interrupt flags are set by an integration and cleared by reading ALS_INT")
    func interruptFlags() async throws {
        chip.setIlluminance(lux: 300)
        let sensor = try await driver()
        let device = sensor.device
        try await device.writeWord(register: 0x01, value: 500)
        try await device.writeWord(register: 0x02, value: 10)
        try await sensor.start(
            VEML7700.Configuration(gain: .oneEighth, integrationTime: .ms100, interruptEnabled: true))
        #expect(try await device.readWord(register: 0x06) == 0x4000)
        #expect(try await device.readWord(register: 0x06) == 0x0000)
    }

    @Test("a chip with another ID is refused, naming what was found")
    func wrongChipID() async throws {
        bus.attach(SimulatedVEML7700(timing: .manual, idRegister: 0xC450), at: VEML7700.address)
        let sensor = try await driver()
        do {
            try await sensor.start()
            Issue.record("expected the identity check to fail")
        } catch {
            #expect(error.code == .invalidResponse)
            #expect(error.description == "sim-i2c@0x10 read 0x07: invalid response (chip ID 0x50, expected 0x81)")
        }
        // Nothing was configured.
        #expect(bus.log.count == 3)
    }

    @Test("a NACK on any transfer gives I2CError .nack")
    func nack() async throws {
        let sensor = try await driver()
        bus.injectFault(.nack, at: VEML7700.address)
        await #expect(throws: I2CError(.nack, bus: "sim-i2c", address: 0x10, operation: "write-read 0x07 2 bytes")) {
            try await sensor.start()
        }
        try await sensor.start()
        // A NACK in the middle of auto-ranging (on its first ALS_CONF write) is not swallowed.
        bus.injectFault(.nack, at: VEML7700.address)
        await #expect(throws: I2CError.self) { try await sensor.illuminance() }
    }

    @Test("a NACK at each register the driver uses surfaces as .nack", arguments: [UInt8(0x00), 0x04, 0x07])
    func nackPerRegister(register: UInt8) async throws {
        chip.setIlluminance(lux: 300)
        bus.attach(VEML7700NACKOnRegister(chip, register: register), at: VEML7700.address)
        let sensor = try await driver()
        do {
            try await sensor.start()
            _ = try await sensor.illuminance()
            Issue.record("expected a NACK at register \(register)")
        } catch {
            #expect(error.code == .nack)
            #expect(bus.log.suffix(2) == [.nack(0x10), .stop])
        }
    }

    @Test("a saturated count is an error, not a value")
    func saturation() async throws {
        chip.setIlluminance(lux: 10_000)
        let sensor = try await driver()
        try await sensor.start(VEML7700.Configuration(gain: .two, integrationTime: .ms800))
        do {
            _ = try await sensor.illuminanceAtCurrentSetting()
            Issue.record("expected a saturation error")
        } catch {
            #expect(error.code == .invalidResponse)
            #expect(error.detail?.hasPrefix("ALS saturated (0xFFFF) at gain 2, 800 ms") == true)
        }
        // Beyond the whole range (about 140 klx linear) auto-ranging cannot help either.
        chip.setIlluminance(lux: 1e9)
        await #expect(throws: I2CError.self) { try await sensor.illuminance() }
    }
}
