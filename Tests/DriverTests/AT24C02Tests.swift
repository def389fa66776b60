import AT24C02
import HAL
import HALSim
import Testing

/// The AT24C02 driver against its simulated chip, asserting the bytes on the wire.
@Suite("AT24C02")
struct AT24C02Tests {
    let bus = SimulatedI2CBus(name: "sim-i2c")
    let chip: SimulatedAT24C02

    init() {
        chip = SimulatedAT24C02(writeCycle: .addressAttempts(0))
        bus.attach(chip, at: AT24C02.baseAddress)
    }

    func driver(timeout: Duration = .milliseconds(25)) async throws -> AT24C02 {
        AT24C02(device: try await bus.device(at: AT24C02.baseAddress), writeCycleTimeout: timeout)
    }

    @Test("A2–A0 select 0x50…0x57")
    func addresses() {
        #expect(AT24C02.address(a2: false, a1: false, a0: false) == 0x50)
        #expect(AT24C02.address(a2: true, a1: false, a0: true) == 0x55)
        #expect(AT24C02.address(a2: true, a1: true, a0: true) == 0x57)
    }

    @Test("the chip wraps a page write inside its 8-byte page (datasheet: Page Write)")
    func pageWrapInChip() async throws {
        let device = try await bus.device(at: 0x50)
        // Five data bytes from 0x05: 0x05, 0x06, 0x07, then wrap to 0x00, 0x01 of the same page.
        try await device.write([0x05, 0xA1, 0xA2, 0xA3, 0xA4, 0xA5])
        let contents = chip.contents
        #expect(Array(contents[0...7]) == [0xA4, 0xA5, 0xFF, 0xFF, 0xFF, 0xA1, 0xA2, 0xA3])
        #expect(contents[8] == 0xFF)
        #expect(chip.addressPointer == 0x02)
        // Ten bytes into one page: the last two overwrite the first two.
        try await device.write([0x08] + Array(1...10))
        #expect(Array(chip.contents[8...15]) == [9, 10, 3, 4, 5, 6, 7, 8])
        #expect(chip.writeCycleCount == 2)
    }

    @Test("sequential reads roll over from 0xFF to 0x00 (datasheet: Read Operations)")
    func readRollover() async throws {
        chip.contents = (0...255).map { UInt8($0) }
        let device = try await bus.device(at: 0x50)
        #expect(try await device.writeRead([0xFE], readCount: 4) == [0xFE, 0xFF, 0x00, 0x01])
        // The counter keeps going: a current-address read continues where the last one stopped.
        #expect(try await device.read(count: 1) == [0x02])
    }

    @Test("the driver splits writes at page boundaries and sends one page write per page")
    func pageSplitting() async throws {
        let eeprom = try await driver()
        try await eeprom.write(Array(1...10), at: 0x06)
        let writes = bus.log.compactMap { entry -> [UInt8]? in
            if case .write(_, let bytes) = entry, bytes.count > 1 { return bytes }
            return nil
        }
        #expect(writes == [[0x06, 1, 2], [0x08, 3, 4, 5, 6, 7, 8, 9, 10]])
        #expect(Array(chip.contents[6...15]) == Array(1...10))
        #expect(chip.writeCycleCount == 2)
        #expect(try await eeprom.read(from: 0x06, count: 10) == Array(1...10))
    }

    @Test("the chip NACKs its address during the write cycle, then answers again")
    func nackDuringWriteCycle() async throws {
        chip.setWriteCycle(.addressAttempts(2))
        let device = try await bus.device(at: 0x50)
        try await device.write([0x10, 0x42])
        for _ in 0..<2 {
            do {
                _ = try await device.writeRead([0x10], readCount: 1)
                Issue.record("expected a NACK during the write cycle")
            } catch {
                #expect(error.code == .nack)
                #expect(error.description == "sim-i2c@0x50 write-read 0x10 1 bytes: no acknowledge")
            }
        }
        #expect(try await device.writeRead([0x10], readCount: 1) == [0x42])
        #expect(chip.nacksDuringWriteCycle == 2)
    }

    @Test("the driver polls for the acknowledge after each page")
    func ackPolling() async throws {
        chip.setWriteCycle(.addressAttempts(3))
        // Counts attempts, not time: a generous bound keeps a loaded machine from failing it.
        let eeprom = try await driver(timeout: .seconds(60))
        try await eeprom.write([0x55], at: 0x20)
        #expect(chip.nacksDuringWriteCycle == 3)
        #expect(bus.log.filter { $0 == .nack(0x50) }.count == 3)
        #expect(bus.log.suffix(2) == [.write(0x50, [0x20]), .stop])
        #expect(chip.contents[0x20] == 0x55)
    }

    @Test("acknowledge polling against the real 5 ms write cycle")
    func ackPollingTimed() async throws {
        chip.setWriteCycle(.timed(AT24C02.writeCycleTime))
        let eeprom = try await driver(timeout: .seconds(60))
        let data: [UInt8] = (0..<16).map { UInt8($0 * 3) }
        try await eeprom.write(data, at: 0x40)
        #expect(chip.writeCycleCount == 2)
        #expect(try await eeprom.read(from: 0x40, count: 16) == data)
    }

    @Test("a write cycle that never ends fails within the bounded wait", .timeLimit(.minutes(1)))
    func ackPollingTimeout() async throws {
        chip.setWriteCycle(.addressAttempts(Int.max))
        let eeprom = try await driver(timeout: .milliseconds(10))
        // It gives up rather than hanging: the time limit above catches a hang, not a wall-clock assertion.
        do {
            try await eeprom.write([1], at: 0)
            Issue.record("expected the acknowledge polling to give up")
        } catch {
            #expect(error.code == .nack)
            #expect(error.description.hasPrefix("sim-i2c@0x50 acknowledge polling after write 0x00: no acknowledge"))
        }
    }

    @Test("reads are chunked to 32 bytes and must stay inside the array")
    func readChunksAndRange() async throws {
        chip.contents = (0...255).map { UInt8(255 - $0) }
        let eeprom = try await driver()
        let bytes = try await eeprom.read(from: 0x00, count: 64)
        #expect(bytes == (0..<64).map { UInt8(255 - $0) })
        #expect(bus.log.filter { if case .read(_, let b) = $0 { b.count == 32 } else { false } }.count == 2)
        await #expect(throws: I2CError.self) { try await eeprom.read(from: 0xF8, count: 9) }
        await #expect(throws: I2CError.self) { try await eeprom.write([1, 2], at: 0xFF) }
    }

    @Test("a chip that is not there gives a NACK from the driver")
    func absentChip() async throws {
        bus.detach(at: AT24C02.baseAddress)
        let eeprom = try await driver()
        await #expect(throws: I2CError.self) { try await eeprom.read(from: 0, count: 1) }
    }
}
