import HAL
import HALSim
import PCA9685
import Testing

/// Passes transfers to the simulated chip but does not acknowledge any write that addresses `register`.
private final class PCA9685NACKOnRegister: SimulatedI2CChip {
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

/// Something at 0x40 that answers every read with 0xFF: not a PCA9685.
private final class NotAPCA9685: SimulatedI2CChip {
    func received(_ bytes: [UInt8]) throws(SimulatedI2CFault) {}
    func transmit(count: Int) throws(SimulatedI2CFault) -> [UInt8] { [UInt8](repeating: 0xFF, count: count) }
}

/// The PCA9685 driver against its simulated chip: the datasheet's prescale and ON/OFF examples, bytes on the wire,
/// auto-increment, sleep/restart and faults.
@Suite("PCA9685")
struct PCA9685Tests {
    let bus = SimulatedI2CBus(name: "sim-i2c")
    let chip = SimulatedPCA9685()

    init() {
        bus.attach(chip, at: PCA9685.defaultAddress)
    }

    /// A driver whose 500 µs oscillator wait is skipped (the simulated oscillator is ready at once).
    func driver() async throws -> PCA9685 {
        PCA9685(device: try await bus.device(at: PCA9685.defaultAddress)) { _ in }
    }

    func started() async throws -> PCA9685 {
        let pwm = try await driver()
        try await pwm.start()
        bus.clearLog()
        return pwm
    }

    @Test("set-up check: nothing after start; after a power-on reset MODE1 11h (asleep) and PRE_SCALE 1Eh are named")
    func setUpDifference() async throws {
        let pwm = try await driver()
        try await pwm.start(frequencyHertz: 1_000)
        #expect(try await pwm.setUpDifference(frequencyHertz: 1_000) == nil)
        // A brown-out: every register back to its power-on value (MODE1 11h, PRE_SCALE 1Eh = 200 Hz).
        chip.reset()
        let found = try #require(try await pwm.setUpDifference(frequencyHertz: 1_000))
        #expect(found.contains("MODE1 0x11"), "\(found)")
        #expect(found.contains("PRE_SCALE 0x1E (expected 0x05)"), "\(found)")
        try await pwm.start(frequencyHertz: 1_000)
        #expect(try await pwm.setUpDifference(frequencyHertz: 1_000) == nil)
    }

    @Test("PRE_SCALE (7.3.5, Equation 1): 200 Hz is 1Eh; 03h is 1526 Hz; FFh is 24 Hz")
    func preScaleExamples() {
        #expect(PCA9685.preScale(forHertz: 200) == 0x1E)
        #expect(PCA9685.preScale(forHertz: 1526) == 0x03)
        #expect(PCA9685.frequencyHertz(preScale: 0x03).rounded() == 1526)
        #expect(PCA9685.frequencyHertz(preScale: 0xFF).rounded() == 24)
        #expect(PCA9685.frequencyHertz(preScale: 0x1E).rounded() == 197)
        // "24 Hz" is FFh's rounded frequency (23.84 Hz); Equation 1 for exactly 24 Hz gives FDh.
        #expect(PCA9685.preScale(forHertz: 24) == 0xFD)
        #expect(PCA9685.preScale(forHertz: 23.84) == 0xFF)
        #expect(PCA9685.preScale(forHertz: 2000) == nil)
        #expect(PCA9685.preScale(forHertz: 20) == nil)
    }

    @Test("ON/OFF registers (7.3.3 example 1): delay 10 %, duty 20 % → ON 199h (409), OFF 4CCh (1228)")
    func datasheetExample1() async throws {
        let registers = PCA9685.ChannelRegisters(dutyCycle: 0.2, delay: 0.1)
        #expect(registers.on == 0x199)
        #expect(registers.off == 0x4CC)
        let pwm = try await started()
        try await pwm.setDutyCycle(channel: 0, 0.2, delay: 0.1)
        // LED0_ON_L = 99h, LED0_ON_H = 1h, LED0_OFF_L = CCh, LED0_OFF_H = 4h, in one auto-increment write.
        #expect(bus.log == [.write(0x40, [0x06, 0x99, 0x01, 0xCC, 0x04]), .stop])
        #expect(chip.dutyCycle(channel: 0) == 819.0 / 4096)
    }

    @Test("ON/OFF registers (7.3.3 example 2): delay 90 %, duty 20 % → ON E65h (3685), OFF 198h (408), wrapping")
    func datasheetExample2() async throws {
        let registers = PCA9685.ChannelRegisters(dutyCycle: 0.2, delay: 0.9)
        #expect(registers.on == 0xE65)
        #expect(registers.off == 0x198)
        let pwm = try await started()
        try await pwm.setDutyCycle(channel: 1, 0.2, delay: 0.9)
        #expect(bus.log == [.write(0x40, [0x0A, 0x65, 0x0E, 0x98, 0x01]), .stop])
        #expect(chip.dutyCycle(channel: 1) == 819.0 / 4096)
        #expect(try await pwm.dutyCycle(channel: 1) == 819.0 / 4096)
    }

    @Test("power-on state: MODE1 11h (asleep), MODE2 04h, outputs full off, PRE_SCALE 1Eh (200 Hz)")
    func resetValues() {
        #expect(chip.register(0x00) == 0x11)
        #expect(chip.register(0x01) == 0x04)
        #expect(chip.isSleeping)
        #expect(chip.channelRegisters(channel: 15) == .fullOff)
        #expect(chip.register(0xFE) == 0x1E)
        #expect(abs(chip.frequencyHertz - 196.9) < 0.1)
    }

    @Test("start: MODE2 check and totem pole, wake with auto-increment, read-back")
    func startOnTheWire() async throws {
        let pwm = try await driver()
        try await pwm.start()
        #expect(
            bus.log == [
                .write(0x40, [0x01]), .read(0x40, [0x04]), .stop,
                .write(0x40, [0x01, 0x04]), .stop,
                .write(0x40, [0x00]), .read(0x40, [0x11]), .stop,
                .write(0x40, [0x00, 0x21]), .stop,
                .write(0x40, [0x00]), .read(0x40, [0x21]), .stop,
                .write(0x40, [0x00]), .read(0x40, [0x21]), .stop,
                .write(0x40, [0x01]), .read(0x40, [0x04]), .stop,
            ])
        #expect(!chip.isSleeping)
    }

    @Test("start with a frequency: sleep, PRE_SCALE, wake")
    func startWithFrequency() async throws {
        let pwm = try await driver()
        try await pwm.start(frequencyHertz: 1000)
        // round(25 MHz / (4096 × 1000 Hz)) − 1 = 5.
        #expect(
            bus.log == [
                .write(0x40, [0x01]), .read(0x40, [0x04]), .stop,
                .write(0x40, [0x01, 0x04]), .stop,
                .write(0x40, [0x00]), .read(0x40, [0x11]), .stop,
                .write(0x40, [0x00, 0x11]), .stop,
                .write(0x40, [0xFE, 0x05]), .stop,
                .write(0x40, [0xFE]), .read(0x40, [0x05]), .stop,
                .write(0x40, [0x00, 0x21]), .stop,
                .write(0x40, [0x00]), .read(0x40, [0x21]), .stop,
                .write(0x40, [0x00]), .read(0x40, [0x21]), .stop,
                .write(0x40, [0x01]), .read(0x40, [0x04]), .stop,
            ])
        #expect(abs(chip.frequencyHertz - 1017.3) < 0.1)
        #expect(abs(try await pwm.frequencyHertz() - 1017.3) < 0.1)
    }

    @Test("changing the frequency while outputs run: RESTART is set in sleep and written after wake-up")
    func restartAfterFrequencyChange() async throws {
        let pwm = try await started()
        try await pwm.setDutyCycle(channel: 2, 0.5)
        bus.clearLog()
        try await pwm.setFrequency(hertz: 50)
        // round(25 MHz / (4096 × 50 Hz)) − 1 = 121 = 79h.
        #expect(
            bus.log == [
                .write(0x40, [0x00]), .read(0x40, [0x21]), .stop,
                .write(0x40, [0x00, 0x31]), .stop,
                .write(0x40, [0xFE, 0x79]), .stop,
                .write(0x40, [0xFE]), .read(0x40, [0x79]), .stop,
                .write(0x40, [0x00, 0x21]), .stop,
                .write(0x40, [0x00]), .read(0x40, [0xA1]), .stop,
                .write(0x40, [0x00, 0xA1]), .stop,
            ])
        #expect(chip.register(0x00) == 0x21)
        #expect(chip.dutyCycle(channel: 2) == 0.5)
    }

    @Test("PRE_SCALE writes are ignored while awake, and forced to at least 3")
    func preScaleOnlyInSleep() async throws {
        let device = try await bus.device(at: PCA9685.defaultAddress)
        try await device.writeByte(register: 0xFE, value: 0x01)
        #expect(chip.register(0xFE) == 0x03)
        let pwm = try await started()
        try await pwm.device.writeByte(register: 0xFE, value: 0x79)
        #expect(chip.register(0xFE) == 0x03)
        #expect(abs(try await pwm.frequencyHertz() - 1525.9) < 0.1)
    }

    @Test("full on and full off use bit 4; full off wins over full on")
    func fullOnOff() async throws {
        let pwm = try await started()
        try await pwm.setDutyCycle(channel: 3, 1)
        try await pwm.setDutyCycle(channel: 4, 0)
        #expect(
            bus.log == [
                .write(0x40, [0x12, 0x00, 0x10, 0x00, 0x00]), .stop,
                .write(0x40, [0x16, 0x00, 0x00, 0x00, 0x10]), .stop,
            ])
        #expect(chip.dutyCycle(channel: 3) == 1)
        #expect(chip.dutyCycle(channel: 4) == 0)
        try await pwm.setRegisters(channel: 3, PCA9685.ChannelRegisters(on: 0x1000, off: 0x1000))
        #expect(chip.dutyCycle(channel: 3) == 0)
        // Equal counts give no on time; reserved bits 7:5 of the high bytes read 0.
        try await pwm.device.write([0x1A, 0x00, 0xE5, 0x00, 0xE5])
        #expect(chip.channelRegisters(channel: 5) == PCA9685.ChannelRegisters(on: 0x0500, off: 0x0500))
        #expect(chip.dutyCycle(channel: 5) == 0)
    }

    @Test("duty cycle → registers → output stage, within one count", arguments: [0.001, 0.25, 0.37, 0.5, 0.999])
    func dutyRoundTrip(duty: Double) async throws {
        let pwm = try await started()
        for channel in 0..<PCA9685.channelCount {
            try await pwm.setDutyCycle(channel: channel, duty, delay: Double(channel) / 16)
        }
        for channel in 0..<PCA9685.channelCount {
            #expect(abs(chip.dutyCycle(channel: channel) - duty) <= 0.5 / 4096)
            #expect(try await pwm.dutyCycle(channel: channel) == chip.dutyCycle(channel: channel))
        }
    }

    @Test("ALL_LED writes every channel and reads as zero; allOff sets every full-off bit")
    func allLED() async throws {
        let pwm = try await started()
        try await pwm.setAllDutyCycles(0.5)
        #expect(bus.log == [.write(0x40, [0xFA, 0x00, 0x00, 0x00, 0x08]), .stop])
        for channel in 0..<PCA9685.channelCount { #expect(chip.dutyCycle(channel: channel) == 0.5) }
        #expect(try await pwm.device.writeRead([0xFA], readCount: 4) == [0, 0, 0, 0])
        bus.clearLog()
        try await pwm.allOff()
        #expect(bus.log == [.write(0x40, [0xFD, 0x10]), .stop])
        for channel in 0..<PCA9685.channelCount { #expect(chip.dutyCycle(channel: channel) == 0) }
    }

    @Test("auto-increment: wraps from 45h to MODE1; without AI every byte goes to the same register")
    func autoIncrement() async throws {
        let device = try await bus.device(at: PCA9685.defaultAddress)
        // Power-on: AI is 0.
        try await device.write([0x06, 0x01, 0x02, 0x03])
        #expect(chip.register(0x06) == 0x03)
        #expect(chip.register(0x07) == 0x00)
        _ = try await started()
        #expect(try await device.writeRead([0x44], readCount: 4) == [0x00, 0x10, 0x21, 0x04])
        // Reserved addresses 46h–F9h are not acknowledged.
        await #expect(throws: I2CError(.nack, bus: "sim-i2c", address: 0x40, operation: "write 2 bytes")) {
            try await device.write([0x50, 0x00])
        }
    }

    @Test("something else at the address fails the MODE2 check, naming what it found")
    func wrongChip() async throws {
        bus.attach(NotAPCA9685(), at: PCA9685.defaultAddress)
        let pwm = try await driver()
        do {
            try await pwm.start()
            Issue.record("expected the MODE2 check to fail")
        } catch {
            #expect(error.code == .invalidResponse)
            #expect(
                error.description
                    == "sim-i2c@0x40 read 0x01: invalid response (MODE2 reads 0xFF, reserved bits 7:5 must be 0: "
                    + "not a PCA9685?)")
        }
    }

    @Test(
        "a NACK at each register the driver uses surfaces as .nack",
        arguments: [UInt8(0x00), 0x01, 0xFE, 0x06, 0x42, 0xFA, 0xFD])
    func nackPerRegister(register: UInt8) async throws {
        bus.attach(PCA9685NACKOnRegister(chip, register: register), at: PCA9685.defaultAddress)
        let pwm = try await driver()
        do {
            try await pwm.start(frequencyHertz: 100)
            try await pwm.setDutyCycle(channel: 0, 0.25)
            _ = try await pwm.dutyCycle(channel: 15)
            try await pwm.setAllDutyCycles(0.5)
            try await pwm.allOff()
            Issue.record("expected a NACK at register \(register)")
        } catch {
            #expect(error.code == .nack)
            #expect(bus.log.suffix(2) == [.nack(0x40), .stop])
        }
    }

    @Test("MODE2 output settings (datasheet 7.3.2)")
    func outputConfiguration() async throws {
        #expect(PCA9685.OutputConfiguration().rawValue == 0x04)
        let inverted = PCA9685.OutputConfiguration(
            inverted: true, changeOnAcknowledge: true, totemPole: false, disabledState: .highImpedance)
        #expect(inverted.rawValue == 0x1A)
        let pwm = try await driver()
        try await pwm.start(outputs: inverted)
        #expect(chip.register(0x01) == 0x1A)
    }

    @Test("NACKs and bad arguments give typed errors")
    func faults() async throws {
        let pwm = try await driver()
        bus.injectFault(.nack, at: PCA9685.defaultAddress)
        await #expect(throws: I2CError(.nack, bus: "sim-i2c", address: 0x40, operation: "write-read 0x01 1 bytes")) {
            try await pwm.start()
        }
        try await pwm.start()
        bus.injectFault(.nack, at: PCA9685.defaultAddress)
        await #expect(throws: I2CError(.nack, bus: "sim-i2c", address: 0x40, operation: "write 5 bytes")) {
            try await pwm.setDutyCycle(channel: 0, 0.5)
        }
        bus.clearLog()
        for bad in [-1, 16] {
            do {
                try await pwm.setDutyCycle(channel: bad, 0.5)
                Issue.record("expected channel \(bad) to be refused")
            } catch {
                #expect(error.code == .invalidArgument)
            }
        }
        await #expect(throws: I2CError.self) { try await pwm.setDutyCycle(channel: 0, 1.5) }
        await #expect(throws: I2CError.self) { try await pwm.setAllDutyCycles(0.5, delay: 1) }
        await #expect(throws: I2CError.self) { try await pwm.setFrequency(hertz: 2000) }
        // Nothing reached the bus.
        #expect(bus.log.isEmpty)
    }
}
