import HAL
import HALLinux
import HALSim
import SDM630
import Testing

/// The SDM630 driver against its simulated meter, over real Modbus TCP (our server, libmodbus client).
@Suite("SDM630")
struct SDM630Tests {
    let meter = SimulatedSDM630(importKWh: 1234.5)
    let line = SimulatedModbusLine()
    let server: ModbusTCPServer
    let client: LinuxModbusClient

    init() throws {
        line.attach(meter.device, as: SDM630.defaultUnit)
        server = try ModbusTCPServer(handler: line)
        client = try LinuxModbusClient.tcp(ModbusTCPConfiguration(host: "127.0.0.1", port: server.port))
    }

    @Test("the meter's registers hold big-endian floats at the documented addresses")
    func registerBytes() {
        meter.setLoad(volts: [230.5, 231, 229], amps: [16, 0, 0])
        // 230.5 V = 0x43668000 at 30001; 16 A = 0x41800000 at 30007; 3688 W = 0x45668000 at 30013.
        #expect(meter.device.registers(.inputRegisters, at: 0x0000, count: 2) == [0x4366, 0x8000])
        #expect(meter.device.registers(.inputRegisters, at: 0x0006, count: 2) == [0x4180, 0x0000])
        #expect(meter.device.registers(.inputRegisters, at: 0x000C, count: 2) == [0x4566, 0x8000])
        #expect(meter.device.registers(.inputRegisters, at: 0x0046, count: 2) == [0x4248, 0x0000])  // 50 Hz
    }

    @Test("a poll reads three blocks and returns per-phase and total figures")
    func read() async throws {
        meter.setLoad(volts: [230, 230, 230], amps: [16, 16, 16], powerFactor: [1, 1, 0.9])
        line.clearLog()
        let reading = try await SDM630(client: client).read()
        #expect(reading.phaseVolts == [230, 230, 230])
        #expect(reading.phaseAmps == [16, 16, 16])
        #expect(reading.phaseWatts[0] == 3680)
        #expect(abs(reading.phaseWatts[2] - 3312) < 0.01)
        #expect(abs(reading.totalWatts - 10_672) < 0.01)
        #expect(reading.frequencyHertz == 50)
        #expect(reading.importKWh == 1234.5)
        #expect(
            line.log.map(\.request) == [
                .readInputRegisters(address: 0x0000, count: 0x24), .readInputRegisters(address: 0x0034, count: 2),
                .readInputRegisters(address: 0x0046, count: 6),
            ])
    }

    @Test("energy integrates with simulated time: 11 kW for 30 minutes is 5.5 kWh")
    func energy() async throws {
        meter.setLoad(volts: [230, 230, 230], amps: [16, 16, 16])
        meter.advance(by: .seconds(1800))
        let reading = try await SDM630(client: client).read()
        // Float registers hold about seven significant digits.
        #expect(abs(reading.importKWh - (1234.5 + 11.04 / 2)) < 0.001)
    }

    @Test("implausible registers are a typed error, never a reading")
    func implausible() async throws {
        meter.device.set(.inputRegisters, at: 0x0000, registers: ModbusWordOrder.bigEndian.registers(Float.nan))
        let error = await #expect(throws: ModbusError.self) { _ = try await SDM630(client: client).read() }
        #expect(error?.code == .invalidResponse)
        #expect(error?.description.contains("unit 1 SDM630 read") == true)
        meter.setLoad(volts: [230, 230, 230], amps: [0, 0, 0], frequency: 0)
        let frequency = await #expect(throws: ModbusError.self) { _ = try await SDM630(client: client).read() }
        #expect(frequency?.detail?.contains("frequency 0.0 Hz") == true)
    }

    @Test("a silent meter is a timeout naming the unit")
    func silent() async throws {
        meter.device.inject(.silent)
        let error = await #expect(throws: ModbusError.self) {
            _ = try await SDM630(client: client, timeout: .milliseconds(100)).read()
        }
        #expect(error?.code == .timeout)
        #expect(error?.unit == 1)
    }
}
