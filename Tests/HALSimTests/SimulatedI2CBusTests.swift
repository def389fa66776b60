import HAL
import HALSim
import Testing

@Suite("SimulatedI2CBus")
struct SimulatedI2CBusTests {
    let bus = SimulatedI2CBus(name: "sim-i2c")

    @Test("an absent address gives a typed NACK that names bus, address and operation")
    func absentAddressNACK() async throws {
        let device = try await bus.device(at: 0x51)
        do {
            _ = try await device.read(count: 4)
            Issue.record("expected a NACK")
        } catch {
            #expect(error.code == .nack)
            #expect(error.address == 0x51)
            #expect(error.description == "sim-i2c@0x51 read 4 bytes: no acknowledge")
        }
        #expect(bus.log == [.nack(0x51), .stop])
    }

    @Test(
        "a read longer than one i2c_msg holds (16-bit length) is an invalid argument, as on Linux, not an allocation",
        arguments: [65_536, 100_000_000_000])
    func readLongerThanAMessage(count: Int) async throws {
        let device = try await bus.device(at: 0x51)
        let read = await #expect(throws: I2CError.self) { try await device.read(count: count) }
        let writeRead = await #expect(throws: I2CError.self) { try await device.writeRead([0], readCount: count) }
        for error in [read, writeRead] {
            #expect(error?.code == .invalidArgument)
            #expect(error?.description.contains("read length \(count)") == true, "\(String(describing: error))")
        }
        #expect(bus.log.isEmpty, "nothing reached the bus")
    }

    @Test("writeRead is a write then a read with a repeated start: no STOP between them")
    func repeatedStart() async throws {
        let chip = SimulatedI2CRegisterFile(registers: [0x10: 0xAB, 0x11: 0xCD])
        bus.attach(chip, at: 0x50)
        let device = try await bus.device(at: 0x50)
        let bytes = try await device.writeRead([0x10], readCount: 2)
        #expect(bytes == [0xAB, 0xCD])
        #expect(bus.log == [.write(0x50, [0x10]), .read(0x50, [0xAB, 0xCD]), .stop])
        #expect(bus.log.map(\.description) == ["W 0x50 [0x10]", "R 0x50 [0xAB 0xCD]", "P"])
    }

    @Test("plain write and read each end with a STOP")
    func plainTransfers() async throws {
        let chip = SimulatedI2CRegisterFile()
        bus.attach(chip, at: 0x20)
        let device = try await bus.device(at: 0x20)
        try await device.write([0x00, 0x11, 0x22])
        try await device.write([0x01])
        #expect(try await device.read(count: 1) == [0x22])
        #expect(
            bus.log == [
                .write(0x20, [0x00, 0x11, 0x22]), .stop, .write(0x20, [0x01]), .stop, .read(0x20, [0x22]), .stop,
            ])
    }

    @Test("SMBus helpers work through the default plain-I2C mapping")
    func smbusDefaults() async throws {
        let chip = SimulatedI2CRegisterFile()
        bus.attach(chip, at: 0x40)
        let device = try await bus.device(at: 0x40)
        try await device.writeWord(register: 0x02, value: 0xBEEF)
        #expect(chip[0x02] == 0xEF)
        #expect(chip[0x03] == 0xBE)
        #expect(try await device.readWord(register: 0x02) == 0xBEEF)
        try await device.writeBlock(register: 0x10, bytes: [1, 2, 3])
        #expect(try await device.readBlock(register: 0x10, count: 3) == [1, 2, 3])
        await #expect(throws: I2CError.self) { try await device.readBlock(register: 0, count: 33) }
    }

    @Test("injected faults hit the next transfers to that address only, then clear")
    func injectedFaults() async throws {
        bus.attach(SimulatedI2CRegisterFile(), at: 0x40)
        bus.injectFault(.busError, at: 0x40, count: 1)
        bus.injectFault(.nack, at: 0x40, count: 1)
        let device = try await bus.device(at: 0x40)
        for expected in [I2CError.Code.busError, .nack] {
            do {
                _ = try await device.readByte(register: 0)
                Issue.record("expected \(expected)")
            } catch {
                #expect(error.code == expected)
            }
        }
        #expect(try await device.readByte(register: 0) == 0)
    }

    @Test("detach unplugs: the next transfer is NACKed")
    func detach() async throws {
        bus.attach(SimulatedI2CRegisterFile(), at: 0x40)
        let device = try await bus.device(at: 0x40)
        _ = try await device.readByte(register: 0)
        bus.detach(at: 0x40)
        await #expect(throws: I2CError.self) { try await device.readByte(register: 0) }
        #expect(bus.chip(at: 0x40) == nil)
    }

    @Test("concurrent transfers are serialised: each writeRead stays contiguous in the log")
    func serialised() async throws {
        let chip = SimulatedI2CRegisterFile(registers: [0: 0xA0, 1: 0xA1])
        bus.attach(chip, at: 0x40)
        let device = try await bus.device(at: 0x40)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for i in 0..<50 {
                group.addTask { _ = try await device.writeRead([UInt8(i % 2)], readCount: 1) }
            }
            try await group.waitForAll()
        }
        let log = bus.log
        #expect(log.count == 150)
        for start in stride(from: 0, to: log.count, by: 3) {
            guard case .write(_, let bytes) = log[start], case .read(_, let read) = log[start + 1] else {
                Issue.record("transfer \(start / 3) interleaved: \(log[start...(start + 2)])")
                continue
            }
            #expect(read == [0xA0 + bytes[0]])
            #expect(log[start + 2] == .stop)
        }
    }

    @Test("a long run keeps only the newest log entries, so a rig sampling at kHz rates does not grow without bound")
    func logIsBounded() async throws {
        let limit = 10_000
        bus.attach(SimulatedI2CRegisterFile(registers: [0: 0]), at: 0x40)
        let device = try await bus.device(at: 0x40)
        // Two entries per transfer (the write and its STOP): 12 000 in all, 2 000 more than the log keeps.
        for index in 0..<6_000 { try await device.write([UInt8(index & 0xFF)]) }
        let log = bus.log
        #expect(log.count == limit)
        #expect(log.first == .write(0x40, [UInt8(1_000 & 0xFF)]), "the oldest kept is transfer 1 000")
        #expect(log.suffix(2) == [.write(0x40, [UInt8(5_999 & 0xFF)]), .stop], "the newest is last")
    }

    @Test("the log limit is a ring: it wraps in order, and clearLog starts it afresh")
    func logLimitWraps() async throws {
        let small = SimulatedI2CBus(name: "sim-i2c", logLimit: 5)
        small.attach(SimulatedI2CRegisterFile(registers: [0: 0]), at: 0x40)
        let device = try await small.device(at: 0x40)
        for byte: UInt8 in 1...4 { try await device.write([byte]) }
        #expect(small.log == [.stop, .write(0x40, [3]), .stop, .write(0x40, [4]), .stop])
        small.clearLog()
        try await device.write([5])
        #expect(small.log == [.write(0x40, [5]), .stop])
    }
}
