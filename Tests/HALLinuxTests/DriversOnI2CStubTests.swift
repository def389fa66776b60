import ADS1115
import ADXL345
import ADXL355
import BME280
import Foundation
import HAL
import HALLinux
import HALSim
import INA219
import MCP23017
import PCA9685
import Testing
import VEML7700

/// The drivers on the Linux backend against the kernel's i2c-stub, preloaded from their simulated chip's register
/// image: the same driver code, the same register bytes, but transfers through i2c-dev and a kernel adapter that only
/// speaks SMBus. Each test runs the driver against the simulated chip first, copies the chip's registers into the
/// stub, runs the driver again through Linux and expects the same result.
///
/// i2c-stub holds a 16-bit word per register: byte and I²C-block transfers use its low byte, word transfers the whole
/// word. Byte-register chips (BME280, PCA9685) are copied byte by byte; word-register chips (VEML7700, INA219) word
/// by word, in the byte order their driver uses on the wire. Register addresses used here do not overlap the
/// backend-neutral tests' registers at the stub's first address (0x10…0x41).
@Suite(
    "Drivers on i2c-stub (linux)", .serialized,
    .enabled(if: I2CStubRig.unavailableReason == nil, Comment(rawValue: I2CStubRig.unavailableReason ?? "")))
struct DriversOnI2CStubTests {
    static func stub(_ address: I2CAddress) async throws -> any I2CDevice {
        let (number, _) = try I2CStubRig.discover()
        let parameter =
            (try? String(contentsOfFile: "/sys/module/i2c_stub/parameters/chip_addr", encoding: .utf8)) ?? ""
        let addresses = parameter.split(whereSeparator: { $0 == "," || $0.isWhitespace }).compactMap { text in
            text.hasPrefix("0x") ? UInt8(text.dropFirst(2), radix: 16) : UInt8(text)
        }
        try #require(
            addresses.contains(address.rawValue),
            "i2c-stub chip_addr (\(parameter)) lacks \(address): see Boards/sim-kernel.yaml")
        return try await LinuxI2CBus(number: number).device(at: address)
    }

    /// Copies byte registers in I²C-block writes of up to 32 bytes.
    static func preloadBytes(_ device: any I2CDevice, from start: UInt8, _ bytes: [UInt8]) async throws {
        var offset = 0
        while offset < bytes.count {
            let chunk = Array(bytes[offset..<min(offset + 32, bytes.count)])
            try await device.writeBlock(register: start &+ UInt8(offset), bytes: chunk)
            offset += chunk.count
        }
    }

    @Test("BME280: chip ID, calibration, forced measurement and compensation through SMBus block reads")
    func bme280() async throws {
        let simulated = SimulatedBME280(timing: .statusReads(1))
        simulated.setEnvironment(temperatureCelsius: 23.4, pressurePascals: 98_765, humidityPercent: 41.5)
        let bus = SimulatedI2CBus(name: "sim")
        bus.attach(simulated, at: 0x76)
        let expected = try await BME280(device: try await bus.device(at: 0x76)).measure()

        let device = try await Self.stub(0x76)
        // Calibration and identity (0x88…0xD0), the second calibration block and the control/data registers
        // (0xE1…0xFE). The status register (0xF3) reads 0: no conversion or NVM copy running.
        try await Self.preloadBytes(device, from: 0x88, (0x88...0xA1).map { simulated.register(UInt8($0)) })
        try await device.writeByte(register: 0xD0, value: simulated.register(0xD0))
        try await Self.preloadBytes(device, from: 0xE1, (0xE1...0xFE).map { simulated.register(UInt8($0)) })

        let measured = try await BME280(device: device).measure()
        #expect(measured == expected)
        #expect(abs(measured.temperatureCelsius - 23.4) < 0.05)
        #expect(abs((measured.pressurePascals ?? 0) - 98_765) < 5)
    }

    @Test("BME280: a chip ID that is not 0x60 is refused through Linux too")
    func bme280WrongID() async throws {
        let device = try await Self.stub(0x76)
        try await device.writeByte(register: 0xD0, value: 0x58)
        let error = await #expect(throws: I2CError.self) { _ = try await BME280(device: device) }
        #expect(error?.code == .invalidResponse)
        #expect(error?.description.contains("chip ID 0x58, expected 0x60") == true)
        try await device.writeByte(register: 0xD0, value: 0x60)
    }

    @Test("VEML7700: identity, configuration and a lux reading through SMBus word transfers")
    func veml7700() async throws {
        let simulated = SimulatedVEML7700(timing: .manual)
        let bus = SimulatedI2CBus(name: "sim")
        bus.attach(simulated, at: 0x10)
        let driver = VEML7700(device: try await bus.device(at: 0x10), sleep: { _ in })
        try await driver.configure(.init(gain: .one, integrationTime: .ms200))
        simulated.setIlluminance(lux: 345)
        simulated.completeIntegration()
        let expected = try await driver.illuminanceAtCurrentSetting()

        let device = try await Self.stub(0x10)
        for register in VEML7700.Register.allCases {
            try await device.writeWord(register: register.rawValue, value: simulated.register(register))
        }
        let linux = VEML7700(device: device, sleep: { _ in })
        try await linux.checkIdentity()
        #expect(try await linux.configuration() == .init(gain: .one, integrationTime: .ms200))
        let measured = try await linux.illuminanceAtCurrentSetting()
        #expect(measured == expected)
        #expect(abs(measured.lux - 345) < 345 * 0.01)
    }

    @Test("INA219: bus volts, current and power through byte-swapped SMBus words")
    func ina219() async throws {
        let simulated = SimulatedINA219()
        let bus = SimulatedI2CBus(name: "sim")
        bus.attach(simulated, at: 0x40)
        let driver = try INA219(device: try await bus.device(at: 0x40), shuntOhms: 0.1, maxExpectedAmps: 3.2)
        try await driver.start()
        simulated.setLoad(busVolts: 24.0, amps: 1.75, shuntOhms: 0.1)
        let expected = try await driver.measurement()

        let device = try await Self.stub(0x40)
        for register in INA219.Register.allCases {
            try await device.writeWord(register: register.rawValue, value: simulated.register(register).byteSwapped)
        }
        // Not start(): it resets the chip and checks the reset value, which a register file cannot show.
        let linux = INA219(device: device, calibration: driver.calibration, configuration: driver.configuration)
        let measured = try await linux.measurement()
        #expect(measured == expected)
        #expect(abs(measured.busVolts - 24) < 0.01)
        #expect(abs(measured.currentAmps - 1.75) < 0.01)
        #expect(abs(measured.powerWatts - 42) < 0.2)
    }

    @Test("PCA9685: frequency and duty written by the driver read back through i2c-dev as on the chip")
    func pca9685() async throws {
        let simulated = SimulatedPCA9685()
        let bus = SimulatedI2CBus(name: "sim")
        bus.attach(simulated, at: 0x41)
        let driver = PCA9685(device: try await bus.device(at: 0x41), sleep: { _ in })
        try await driver.start(frequencyHertz: 500)
        try await driver.setDutyCycle(channel: 3, 0.25, delay: 0.1)

        let device = try await Self.stub(0x41)
        // The register image after start: MODE1/MODE2, then the same driver calls through Linux.
        try await device.writeByte(register: 0x00, value: simulated.register(0x00))
        try await device.writeByte(register: 0x01, value: simulated.register(0x01))
        let linux = PCA9685(device: device, sleep: { _ in })
        try await linux.setFrequency(hertz: 500)
        try await linux.setDutyCycle(channel: 3, 0.25, delay: 0.1)
        #expect(try await linux.registers(channel: 3) == simulated.channelRegisters(channel: 3))
        #expect(try await linux.frequencyHertz() == simulated.frequencyHertz)
        for register in UInt8(0x12)...UInt8(0x15) {
            #expect(
                try await device.readByte(register: register) == simulated.register(register), "register \(register)")
        }
    }

    @Test("ADS1115: a single-shot conversion of the EV control pilot through byte-swapped SMBus words")
    func ads1115() async throws {
        let simulated = SimulatedADS1115(timing: .readyAfterPolls(1))
        let bus = SimulatedI2CBus(name: "sim")
        bus.attach(simulated, at: 0x48)
        // +9 V on the control pilot through a 1/4 divider.
        simulated.setInput(channel: 0, volts: 2.25)
        // Generous margins: under software emulation the VM's scheduler, not the converter, sets the pace.
        let expected = try await ADS1115(device: try await bus.device(at: 0x48), timeoutMargin: .seconds(2))
            .measureVolts(
                .ain0, gain: .fsr4096mV, dataRate: .sps860)

        let device = try await Self.stub(0x48)
        for register in ADS1115.Register.allCases {
            try await device.writeWord(
                register: register.rawValue, value: simulated.registerValue(register).byteSwapped)
        }
        // The stub reads back Config as written, OS = 1 included: "not converting", as the chip says when done.
        let measured = try await ADS1115(device: device, timeoutMargin: .seconds(2)).measureVolts(
            .ain0, gain: .fsr4096mV, dataRate: .sps860)
        #expect(measured == expected)
        #expect(abs(measured - 2.25) < 0.001)
    }

    @Test("MCP23017: IOCON read-back, input levels and a captured interrupt through byte transfers")
    func mcp23017() async throws {
        let simulated = SimulatedMCP23017()
        let bus = SimulatedI2CBus(name: "sim")
        bus.attach(simulated, at: 0x20)
        let driver = MCP23017(device: try await bus.device(at: 0x20))
        try await driver.configure(mirror: true)
        try await driver.setDirections(.b, inputMask: 0xFF)
        try await driver.setPullUps(.b, mask: 0xFF)
        try await driver.enableInterrupt(MCP23017Pin(.b, 2), on: .change)
        simulated.setInput(port: .b, pin: 2, level: false)
        simulated.setInput(port: .b, pin: 5, level: false)

        let device = try await Self.stub(0x20)
        for port in MCP23017.Port.allCases {
            for register in MCP23017.Register.allCases {
                try await device.writeByte(
                    register: register.address(port: port), value: simulated.registerValue(register, port: port))
            }
        }
        // GPIO is not a stored register but the pins as read now (which also clears the simulated interrupt, so it
        // comes after the image of INTF and INTCAP).
        let pins = try await driver.readInputs(.b)
        try await device.writeByte(register: MCP23017.Register.gpio.address(port: .b), value: pins)
        let linux = MCP23017(device: device)
        try await linux.configure(mirror: true)
        #expect(pins == 0xDB)
        #expect(try await linux.readInputs(.b) == pins)
        let interrupt = try #require(try await linux.readInterrupt(.b))
        #expect(interrupt.capturedLevel(MCP23017Pin(.b, 2)) == false)
        #expect(interrupt.capturedLevel(MCP23017Pin(.b, 0)) == true)
    }

    @Test("ADXL355: identity, reset, configuration and one sample in g through SMBus block reads")
    func adxl355() async throws {
        let simulated = SimulatedADXL355(timing: .manual)
        let bus = SimulatedI2CBus(name: "sim")
        bus.attach(simulated, at: 0x1D)
        let driver = try await ADXL355(device: try await bus.device(at: 0x1D))
        simulated.setAcceleration(x: 0.125, y: -0.5, z: 0.98)
        let expected = try await driver.readAcceleration()

        let device = try await Self.stub(0x1D)
        try await Self.preloadBytes(device, from: 0x00, (0x00...0x10).map { simulated.register(UInt8($0)) })
        try await device.writeByte(register: ADXL355.Register.status, value: 0)
        let linux = try await ADXL355(device: device)
        let measured = try await linux.readAcceleration()
        #expect(measured == expected)
        #expect(abs(measured.xG - 0.125) < 1e-4 && abs(measured.yG + 0.5) < 1e-4 && abs(measured.zG - 0.98) < 1e-4)
    }

    @Test("ADXL345: DEVID, configuration and one full-resolution sample through SMBus block reads")
    func adxl345() async throws {
        let simulated = SimulatedADXL345()
        let bus = SimulatedI2CBus(name: "sim")
        bus.attach(simulated, at: 0x53)
        let driver = try await ADXL345(device: try await bus.device(at: 0x53))
        simulated.setAcceleration(x: -0.25, y: 0.5, z: 1.0)
        let expected = try await driver.readAcceleration()

        let device = try await Self.stub(0x53)
        try await device.writeByte(register: 0x00, value: simulated.register(0x00))
        try await Self.preloadBytes(device, from: 0x32, (0x32...0x37).map { simulated.register(UInt8($0)) })
        let linux = try await ADXL345(device: device)
        let measured = try await linux.readAcceleration()
        #expect(measured == expected)
        #expect(abs(measured.xG + 0.25) < 0.01 && abs(measured.yG - 0.5) < 0.01 && abs(measured.zG - 1) < 0.01)
    }
}
