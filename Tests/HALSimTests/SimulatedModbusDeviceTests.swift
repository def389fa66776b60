import HAL
import HALSim
import Locking
import Testing

@Suite("Simulated Modbus devices")
struct SimulatedModbusDeviceTests {
    static func device() -> SimulatedModbusDevice {
        let device = SimulatedModbusDevice()
        device.define(.holdingRegisters, at: 10, registers: [1, 2, 3])
        device.define(.inputRegisters, at: 0, registers: [7])
        device.define(.coils, at: 0, bits: [false, false])
        return device
    }

    @Test("reads and writes inside the map; gaps and other tables are illegal addresses")
    func map() {
        let device = Self.device()
        #expect(device.reply(to: .readHoldingRegisters(address: 10, count: 3)) == .registers([1, 2, 3]))
        #expect(device.reply(to: .readHoldingRegisters(address: 11, count: 3)) == .exception(.illegalDataAddress))
        #expect(device.reply(to: .readInputRegisters(address: 0, count: 1)) == .registers([7]))
        // Input registers are read-only; so is any address not defined as a holding register.
        #expect(device.reply(to: .writeSingleRegister(address: 0, value: 1)) == .exception(.illegalDataAddress))
        #expect(device.reply(to: .writeMultipleRegisters(address: 11, values: [8, 9])) == .done)
        #expect(device.registers(.holdingRegisters, at: 10, count: 4) == [1, 8, 9, nil])
        #expect(device.reply(to: .writeSingleCoil(address: 1, value: true)) == .done)
        #expect(device.reply(to: .readCoils(address: 0, count: 2)) == .bits([false, true]))
        #expect(device.reply(to: .readDiscreteInputs(address: 0, count: 1)) == .exception(.illegalDataAddress))
        #expect(device.requestCount == 8)
    }

    @Test("faults last for the given number of requests; writes still apply behind a corrupted answer")
    func faults() {
        let device = Self.device()
        device.inject(.silent, count: 2)
        #expect(device.reply(to: .readInputRegisters(address: 0, count: 1)) == .silence)
        #expect(device.reply(to: .writeSingleRegister(address: 10, value: 5)) == .silence)
        #expect(device.registers(.holdingRegisters, at: 10, count: 1) == [1])
        device.inject(.badChecksum, count: 1)
        #expect(device.reply(to: .writeSingleRegister(address: 10, value: 5)) == .badChecksum(.done))
        #expect(device.registers(.holdingRegisters, at: 10, count: 1) == [5])
        device.inject(.exception(.serverDeviceBusy))
        #expect(device.reply(to: .readInputRegisters(address: 0, count: 1)) == .exception(.serverDeviceBusy))
        #expect(device.reply(to: .readInputRegisters(address: 0, count: 1)) == .exception(.serverDeviceBusy))
        device.inject(.delay(.milliseconds(5)))
        #expect(
            device.reply(to: .readInputRegisters(address: 0, count: 1)) == .delayed(.milliseconds(5), .registers([7])))
        device.clearFault()
        #expect(device.reply(to: .readInputRegisters(address: 0, count: 1)) == .registers([7]))
    }

    @Test("a write observer sees applied writes (what device models react to)")
    func observer() {
        let device = Self.device()
        let seen = Lock<[String]>([])
        // Weakly: the device keeps its observer, so a strong capture would keep both alive for good.
        device.onWrite { [weak device] table, address, count in
            seen.withLock { $0.append("\(table.rawValue) \(address)+\(count)") }
            // Models may touch the device from the observer without deadlocking.
            device?.set(.inputRegisters, at: 0, registers: [42])
        }
        _ = device.reply(to: .writeSingleCoil(address: 0, value: true))
        _ = device.reply(to: .writeSingleCoil(address: 5, value: true))  // illegal: not observed
        _ = device.reply(to: .writeMultipleRegisters(address: 10, values: [4, 4]))
        #expect(seen.withLock { $0 } == ["coils 0+1", "holding-registers 10+2"])
        #expect(device.registers(.inputRegisters, at: 0, count: 1) == [42])
    }

    @Test("a line answers for attached units only; a broadcast write reaches all and is never answered")
    func line() {
        let line = SimulatedModbusLine()
        let first = Self.device()
        let second = Self.device()
        line.attach(first, as: 1)
        line.attach(second, as: 2)
        #expect(line.serves(1) && line.serves(2) && !line.serves(3))
        #expect(line.reply(to: .readInputRegisters(address: 0, count: 1), unit: 3) == .silence)
        #expect(line.reply(to: .writeSingleRegister(address: 12, value: 99), unit: .broadcast) == .silence)
        #expect(first.registers(.holdingRegisters, at: 12, count: 1) == [99])
        #expect(second.registers(.holdingRegisters, at: 12, count: 1) == [99])
        line.detach(2)
        #expect(line.reply(to: .readInputRegisters(address: 0, count: 1), unit: 2) == .silence)
        #expect(line.log.map(\.unit) == [3, .broadcast, 2])
    }
}
