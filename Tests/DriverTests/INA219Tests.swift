import HAL
import HALSim
import INA219
import Testing

/// A device that answers every read with 0xFF bytes: something at the address that is not an INA219.
private final class INA219TestsAllOnesChip: SimulatedI2CChip {
    func received(_ bytes: [UInt8]) throws(SimulatedI2CFault) {}
    func transmit(count: Int) throws(SimulatedI2CFault) -> [UInt8] { [UInt8](repeating: 0xFF, count: count) }
}

/// Passes transfers to the simulated chip but does not acknowledge any write that addresses `register`.
private final class INA219NACKOnRegister: SimulatedI2CChip {
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

/// The INA219 driver against its simulated chip: the datasheet's calibration and measurement example, big-endian
/// bytes on the wire, PGA clipping, overflow and faults.
@Suite("INA219")
struct INA219Tests {
    let bus = SimulatedI2CBus(name: "sim-i2c")
    let chip = SimulatedINA219(timing: .immediate)

    init() {
        bus.attach(chip, at: INA219.defaultAddress)
    }

    /// The datasheet's example: 16 V range, PGA /1 (±40 mV), 12-bit ADCs, continuous (019Fh), 2 mΩ shunt and a round
    /// Current_LSB of 1 mA.
    func datasheetExampleDriver() async throws -> INA219 {
        let calibration = try #require(INA219.Calibration(shuntOhms: 0.002, currentLSBAmps: 0.001))
        return INA219(
            device: try await bus.device(at: INA219.defaultAddress), calibration: calibration,
            configuration: INA219.Configuration(busVoltageRange: .volts16, shuntVoltageRange: .millivolts40))
    }

    @Test("A1/A0 select 0x40…0x4F (datasheet 8.5.5.1)")
    func addresses() {
        #expect(INA219.address(a1: .gnd, a0: .gnd) == 0x40)
        #expect(INA219.address(a1: .gnd, a0: .vs) == 0x41)
        #expect(INA219.address(a1: .sda, a0: .vs) == 0x49)
        #expect(INA219.address(a1: .scl, a0: .scl) == 0x4F)
    }

    @Test("configuration fields: reset value 399Fh, the example's 019Fh, ADC field aliases")
    func configurationBits() {
        #expect(INA219.Configuration().rawValue == 0x399F)
        #expect(INA219.Configuration(rawValue: 0x399F) == INA219.Configuration())
        #expect(
            INA219.Configuration(busVoltageRange: .volts16, shuntVoltageRange: .millivolts40).rawValue == 0x019F)
        let averaged = INA219.Configuration(busADC: .samples128, shuntADC: .samples2, mode: .shuntAndBusTriggered)
        #expect(averaged.rawValue == 0x3FCB)
        #expect(averaged.conversionTime == .microseconds(68_100 + 1060))
        // 0b01xx means the same as 0b00xx; 0b1000 is 12 bits (ADC settings table).
        #expect(INA219.ADCSetting(field: 0b0110) == .bits11)
        #expect(INA219.ADCSetting(field: 0b1000) == .bits12)
    }

    @Test("calibration (8.5.1, Equations 1–3): 2 A expected through 0.1 Ω gives Cal = 6710")
    func calibrationEquations() throws {
        let calibration = try #require(INA219.Calibration(shuntOhms: 0.1, maxExpectedAmps: 2))
        // Current_LSB = 2 A / 2^15 = 61.035 µA; Cal = trunc(0.04096 / (61.035 µA × 0.1 Ω)) = trunc(6710.89).
        #expect(calibration.register == 6710)
        #expect(calibration.register == 0x1A36)
        // The LSB the truncated Cal actually gives: 61.043 µA; Power_LSB = 20 × Current_LSB = 1.2209 mW.
        #expect(abs(calibration.currentLSBAmps - 61.0432e-6) < 1e-9)
        #expect(abs(calibration.powerLSBWatts - 1.220864e-3) < 1e-8)
        // A round LSB of 100 µA gives Cal = 4096; the example's 1 mA through 2 mΩ gives 20480 (5000h).
        #expect(INA219.Calibration(shuntOhms: 0.1, currentLSBAmps: 100e-6)?.register == 4096)
        #expect(INA219.Calibration(shuntOhms: 0.002, currentLSBAmps: 0.001)?.register == 0x5000)
        // 0.1 A through 0.1 Ω would need Cal = 134217: more than 16 bits.
        #expect(INA219.Calibration(shuntOhms: 0.1, maxExpectedAmps: 0.1) == nil)
    }

    @Test("start: reset, identity by reset value, configuration and calibration big-endian, read-back")
    func startOnTheWire() async throws {
        let monitor = try await datasheetExampleDriver()
        try await monitor.start()
        #expect(
            bus.log == [
                .write(0x40, [0x00, 0x80, 0x00]), .stop,
                .write(0x40, [0x00]), .read(0x40, [0x39, 0x9F]), .stop,
                .write(0x40, [0x00, 0x01, 0x9F]), .stop,
                .write(0x40, [0x05, 0x50, 0x00]), .stop,
                .write(0x40, [0x05]), .read(0x40, [0x50, 0x00]), .stop,
            ])
        #expect(chip.register(.configuration) == 0x019F)
        #expect(chip.register(.calibration) == 0x5000)
    }

    @Test("the datasheet's configure/measure/calculate example: 10 A, 2 mΩ, 12 V common mode")
    func datasheetExample() async throws {
        // 12 V common mode less the 20 mV shunt drop is 11.98 V at IN−.
        chip.setLoad(busVolts: 11.98, amps: 10, shuntOhms: 0.002)
        let monitor = try await datasheetExampleDriver()
        try await monitor.start()
        bus.clearLog()
        let measurement = try await monitor.measurement()
        // Shunt 07D0h (2000 × 10 µV = 20 mV); bus 5D98h (2995 × 4 mV = 11.98 V), read here with CNVR set;
        // current 2710h (2000 × 20480 / 4096 = 10000 × 1 mA); power 1766h (10000 × 2995 / 5000 = 5990 × 20 mW).
        #expect(
            bus.log == [
                .write(0x40, [0x02]), .read(0x40, [0x5D, 0x9A]), .stop,
                .write(0x40, [0x01]), .read(0x40, [0x07, 0xD0]), .stop,
                .write(0x40, [0x04]), .read(0x40, [0x27, 0x10]), .stop,
                .write(0x40, [0x03]), .read(0x40, [0x17, 0x66]), .stop,
                .write(0x40, [0x05]), .read(0x40, [0x50, 0x00]), .stop,
            ])
        #expect(chip.register(.busVoltage) & 0xFFF8 == 0x5D98)
        #expect(abs(measurement.shuntVolts - 0.020) < 1e-12)
        #expect(abs(measurement.busVolts - 11.98) < 1e-12)
        #expect(abs(measurement.currentAmps - 10.0) < 1e-9)
        #expect(abs(measurement.powerWatts - 119.8) < 1e-9)
    }

    @Test(
        "physical load → registers → driver reading, 0.1 Ω, 2 A calibration",
        arguments: [(24.5, 1.234), (5.0, 0.001), (12.0, -0.5), (0.0, 0.0), (31.9, 3.19)])
    func roundTrip(busVolts: Double, amps: Double) async throws {
        chip.setLoad(busVolts: busVolts, amps: amps, shuntOhms: 0.1)
        let monitor = try INA219(
            device: try await bus.device(at: INA219.defaultAddress), shuntOhms: 0.1, maxExpectedAmps: 3.2)
        try await monitor.start()
        let measurement = try await monitor.measurement()
        // Half an LSB of each register, plus the truncations of the chip's current and power arithmetic.
        #expect(abs(measurement.busVolts - busVolts) <= 0.002)
        #expect(abs(measurement.shuntVolts - amps * 0.1) <= 5e-6 + 1e-12)
        #expect(abs(measurement.currentAmps - amps) <= 50e-6 + 2 * monitor.calibration.currentLSBAmps)
        #expect(abs(measurement.powerWatts - abs(amps) * busVolts) <= 0.01)
    }

    @Test("shunt register: two's complement, sign-extended, clipped at the PGA range")
    func shuntRegisterFormat() async throws {
        let device = try await bus.device(at: INA219.defaultAddress)
        // PGA /8 (reset): −320 mV is 8300h; −12.34 mV is FB2Eh.
        chip.setLoad(busVolts: 5, amps: -3.2, shuntOhms: 0.1)
        #expect(try await device.writeRead([0x01], readCount: 2) == [0x83, 0x00])
        chip.setLoad(busVolts: 5, amps: -0.1234, shuntOhms: 0.1)
        #expect(try await device.writeRead([0x01], readCount: 2) == [0xFB, 0x2E])
        let monitor = try INA219(
            device: device, shuntOhms: 0.1, maxExpectedAmps: 0.4,
            configuration: INA219.Configuration(shuntVoltageRange: .millivolts40))
        try await monitor.start()
        #expect(abs(try await monitor.shuntVolts() - -0.01234) < 1e-12)
        // PGA /1: 100 mV does not fit ±40 mV; the register stops at +40 mV (0FA0h) or −40 mV (F060h).
        chip.setLoad(busVolts: 5, amps: 1, shuntOhms: 0.1)
        #expect(try await device.writeRead([0x01], readCount: 2) == [0x0F, 0xA0])
        do {
            _ = try await monitor.shuntVolts()
            Issue.record("expected a clipped shunt voltage to be refused")
        } catch {
            #expect(error.code == .invalidResponse)
            #expect(error.detail?.contains("±40 mV range: clipped") == true)
        }
        chip.setLoad(busVolts: 5, amps: -1, shuntOhms: 0.1)
        #expect(try await device.writeRead([0x01], readCount: 2) == [0xF0, 0x60])
    }

    @Test("math overflow (OVF) is an error, not a number")
    func mathOverflow() async throws {
        // Calibrated for 1 A through 0.1 Ω; 2 A gives 20000 × 13420 / 4096 = 65527 > 32767 in the current register.
        chip.setLoad(busVolts: 12, amps: 2, shuntOhms: 0.1)
        let monitor = try INA219(
            device: try await bus.device(at: INA219.defaultAddress), shuntOhms: 0.1, maxExpectedAmps: 1)
        try await monitor.start()
        #expect(chip.register(.busVoltage) & 0x0001 == 1)
        do {
            _ = try await monitor.currentAmps()
            Issue.record("expected OVF to be refused")
        } catch {
            #expect(error.code == .invalidResponse)
            #expect(error.operation == "read 0x02")
            #expect(error.detail?.hasPrefix("math overflow (OVF) in bus voltage 0x") == true)
        }
        // The bus voltage itself is still a measurement.
        #expect(abs(try await monitor.busVolts() - 12) < 1e-9)
    }

    @Test("a chip that lost power (calibration 0) is detected instead of reading 0 A")
    func calibrationLost() async throws {
        chip.setLoad(busVolts: 12, amps: 1, shuntOhms: 0.1)
        let monitor = try INA219(
            device: try await bus.device(at: INA219.defaultAddress), shuntOhms: 0.1, maxExpectedAmps: 2)
        try await monitor.start()
        #expect(abs(try await monitor.currentAmps() - 1) < 0.001)
        chip.powerCycle()
        #expect(chip.register(.configuration) == 0x399F)
        do {
            _ = try await monitor.measurement()
            Issue.record("expected the lost calibration to be noticed")
        } catch {
            #expect(error.code == .invalidResponse)
            #expect(
                error.description
                    == "sim-i2c@0x40 read 0x05: invalid response (calibration 0x0000, expected 0x1A36 (chip reset or "
                    + "power loss?))")
        }
    }

    @Test("triggered mode: one conversion per configuration write, CNVR set when done and cleared by reading power")
    func triggeredConversion() async throws {
        let timedChip = SimulatedINA219(timing: .timed)
        bus.attach(timedChip, at: INA219.defaultAddress)
        timedChip.setLoad(busVolts: 3.3, amps: 0.25, shuntOhms: 0.1)
        let configuration = INA219.Configuration(busADC: .bits9, shuntADC: .bits9, mode: .shuntAndBusTriggered)
        let monitor = try INA219(
            device: try await bus.device(at: INA219.defaultAddress), shuntOhms: 0.1, maxExpectedAmps: 1,
            configuration: configuration)
        try await monitor.start()
        // 84 µs + 84 µs; polls 100 µs apart, bounded.
        var polls = 0
        while try await !monitor.conversionReady() {
            polls += 1
            try #require(polls < 10_000, "CNVR never set")
            try await Task.sleep(for: .microseconds(100))
        }
        let measurement = try await monitor.measurement()
        #expect(abs(measurement.busVolts - 3.3) < 0.002)
        #expect(abs(measurement.currentAmps - 0.25) < 0.001)
        #expect(try await monitor.conversionReady() == false)
        #expect(timedChip.conversionCount == 1)
    }

    @Test("power-down mode converts nothing new")
    func powerDown() async throws {
        chip.setLoad(busVolts: 5, amps: 0.5, shuntOhms: 0.1)
        let monitor = try INA219(
            device: try await bus.device(at: INA219.defaultAddress), shuntOhms: 0.1, maxExpectedAmps: 1,
            configuration: INA219.Configuration(mode: .powerDown))
        try await monitor.start()
        let conversions = chip.conversionCount
        chip.setLoad(busVolts: 9, amps: 0.1, shuntOhms: 0.1)
        // The registers keep the last conversion made before power-down (in continuous mode, right after reset).
        #expect(abs(try await monitor.busVolts() - 5) < 1e-9)
        #expect(chip.conversionCount == conversions)
    }

    @Test("something else at the address fails the identity check, naming what it found")
    func wrongChip() async throws {
        bus.attach(INA219TestsAllOnesChip(), at: INA219.defaultAddress)
        let monitor = try INA219(
            device: try await bus.device(at: INA219.defaultAddress), shuntOhms: 0.1, maxExpectedAmps: 2)
        do {
            try await monitor.start()
            Issue.record("expected the identity check to fail")
        } catch {
            #expect(error.code == .invalidResponse)
            #expect(
                error.description
                    == "sim-i2c@0x40 read 0x00: invalid response (configuration 0xFFFF after reset, expected 0x399F: "
                    + "not an INA219?)")
        }
    }

    @Test("a NACK at each register surfaces as .nack", arguments: INA219.Register.allCases)
    func nackPerRegister(register: INA219.Register) async throws {
        chip.setLoad(busVolts: 12, amps: 1, shuntOhms: 0.1)
        bus.attach(INA219NACKOnRegister(chip, register: register.rawValue), at: INA219.defaultAddress)
        let monitor = try INA219(
            device: try await bus.device(at: INA219.defaultAddress), shuntOhms: 0.1, maxExpectedAmps: 2)
        do {
            try await monitor.start()
            _ = try await monitor.measurement()
            Issue.record("expected a NACK at register \(register)")
        } catch {
            #expect(error.code == .nack)
            #expect(bus.log.suffix(2) == [.nack(0x40), .stop])
        }
    }

    @Test("the reset bit restores every register and clears itself")
    func resetBit() async throws {
        let device = try await bus.device(at: INA219.defaultAddress)
        try await device.write([0x05, 0x12, 0x35])
        try await device.write([0x00, 0x01, 0x9F])
        // Calibration bit 0 is void.
        #expect(chip.register(.calibration) == 0x1234)
        try await device.write([0x00, 0x80, 0x00])
        #expect(chip.register(.configuration) == 0x399F)
        #expect(chip.register(.calibration) == 0x0000)
        #expect(try await device.writeRead([0x04], readCount: 2) == [0x00, 0x00])
    }

    @Test("a NACK gives I2CError .nack; an impossible calibration gives .invalidArgument")
    func faults() async throws {
        let monitor = try INA219(
            device: try await bus.device(at: INA219.defaultAddress), shuntOhms: 0.1, maxExpectedAmps: 2)
        bus.injectFault(.nack, at: INA219.defaultAddress)
        await #expect(throws: I2CError(.nack, bus: "sim-i2c", address: 0x40, operation: "write 3 bytes")) {
            try await monitor.start()
        }
        try await monitor.start()
        bus.injectFault(.nack, at: INA219.defaultAddress)
        await #expect(
            throws: I2CError(.nack, bus: "sim-i2c", address: 0x40, operation: "write-read 0x02 2 bytes")
        ) {
            try await monitor.measurement()
        }
        let device = try await bus.device(at: INA219.defaultAddress)
        #expect(throws: I2CError.self) { try INA219(device: device, shuntOhms: 0.1, maxExpectedAmps: 0.1) }
        #expect(throws: I2CError.self) { try INA219(device: device, shuntOhms: 0, maxExpectedAmps: 1) }
    }
}
