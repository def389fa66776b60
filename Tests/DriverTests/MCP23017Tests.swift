import HAL
import HALSim
import Locking
import MCP23017
import Testing

/// The MCP23017 driver against its simulated chip, asserting the bytes on the wire.
@Suite("MCP23017")
struct MCP23017Tests {
    let bus = SimulatedI2CBus(name: "sim-i2c")
    let chip = SimulatedMCP23017()

    init() {
        bus.attach(chip, at: MCP23017.baseAddress)
    }

    func driver() async throws -> MCP23017 {
        MCP23017(device: try await bus.device(at: MCP23017.baseAddress))
    }

    var writes: [[UInt8]] {
        bus.log.compactMap { if case .write(_, let bytes) = $0 { bytes } else { nil } }
    }

    @Test("A2–A0 select 0x20…0x27")
    func addresses() {
        #expect(MCP23017.address(a2: false, a1: false, a0: false) == 0x20)
        #expect(MCP23017.address(a2: true, a1: false, a0: true) == 0x25)
        #expect(MCP23017.address(a2: true, a1: true, a0: true) == 0x27)
    }

    @Test("reset values: IODIRA/B FFh, all else 00h; a sequential read rolls over after 15h (datasheet Table 3-1)")
    func resetValues() async throws {
        let device = try await bus.device(at: 0x20)
        let all = try await device.writeRead([0x00], readCount: MCP23017.registerCount)
        #expect(all == [0xFF, 0xFF] + [UInt8](repeating: 0, count: 20))
        #expect(chip.addressPointer == 0x00)
        // Reading past OLATB continues at IODIRA.
        #expect(try await device.writeRead([0x14], readCount: 3) == [0x00, 0x00, 0xFF])
    }

    @Test("configure writes IOCON at 0Ah and reads it back; 0Bh is the same register")
    func configure() async throws {
        let expander = try await driver()
        try await expander.configure(mirror: true, openDrain: false, interruptActiveHigh: true)
        #expect(
            bus.log == [
                .write(0x20, [0x0A, 0x42]), .stop, .write(0x20, [0x0A]), .read(0x20, [0x42]), .stop,
            ])
        let device = try await bus.device(at: 0x20)
        #expect(try await device.readByte(register: 0x0B) == 0x42)
        // Bit 0 is unimplemented and reads 0.
        try await device.writeByte(register: 0x0B, value: 0x05)
        #expect(try await device.readByte(register: 0x0A) == 0x04)
    }

    @Test("a device that does not keep IOCON gives .invalidResponse")
    func wrongIOCON() async throws {
        // Another chip at the address (here one that reads all ones) does not keep what IOCON was set to.
        bus.attach(AllOnes(), at: 0x20)
        let expander = try await driver()
        do {
            try await expander.configure()
            Issue.record("expected .invalidResponse")
        } catch {
            #expect(error.code == .invalidResponse)
            #expect(error.detail == "IOCON reads 0xFF after writing 0x00")
        }
    }

    @Test("direction, pull-up and output bytes on the wire; the latch drives output pins")
    func directionsPullUpsOutputs() async throws {
        let expander = try await driver()
        try await expander.setDirections(.a, inputMask: 0xF0)
        try await expander.setPullUps(.b, mask: 0x81)
        try await expander.writeOutputs(.a, 0x05)
        #expect(writes == [[0x00, 0xF0], [0x0D, 0x81], [0x14, 0x05]])
        #expect(chip.outputLevel(port: .a, pin: 0) == true)
        #expect(chip.outputLevel(port: .a, pin: 1) == false)
        #expect(chip.outputLevel(port: .a, pin: 2) == true)
        #expect(chip.outputLevel(port: .a, pin: 4) == nil)
        #expect(chip.pinLevel(port: .b, pin: 7))
        #expect(!chip.pinLevel(port: .b, pin: 6))
        // Both ports of a pair in one sequential write: A first, then B.
        try await expander.writePair(.olat, 0xBEEF)
        #expect(writes.last == [0x14, 0xEF, 0xBE])
        #expect(chip.registerValue(.olat, port: .b) == 0xBE)
        // Writing GPIO writes OLAT.
        let device = try await bus.device(at: 0x20)
        try await device.writeByte(register: 0x12, value: 0x0F)
        #expect(chip.registerValue(.olat, port: .a) == 0x0F)
    }

    @Test("pin API: modes and writes are read-modify-write of IODIR, GPPU and OLAT")
    func pinAPI() async throws {
        let expander = try await driver()
        let led = MCP23017Pin(.b, 3)
        let button = MCP23017Pin(.a, 6)
        #expect(led.description == "GPB3")
        try await expander.setMode(led, .output)
        try await expander.setMode(button, .inputPullUp)
        try await expander.write(led, high: true)
        #expect(writes.filter { $0.count == 2 } == [[0x01, 0xF7], [0x0C, 0x40], [0x15, 0x08]])
        #expect(chip.outputLevel(port: .b, pin: 3) == true)
        #expect(try await expander.read(button))
        chip.setInput(port: .a, pin: 6, level: false)
        #expect(try await !expander.read(button))
        // An output pin ignores external drive.
        chip.setInput(port: .b, pin: 3, level: false)
        #expect(try await expander.read(led))
    }

    @Test("inputs: external drive, pull-ups, and IPOL inverting input pins only")
    func inputsWithPolarity() async throws {
        let expander = try await driver()
        try await expander.setDirections(.b, inputMask: 0x0F)
        try await expander.writeOutputs(.b, 0x30)
        try await expander.setPullUps(.b, mask: 0x02)
        chip.setInput(port: .b, pin: 0, level: true)
        // GPB0 driven high, GPB1 pulled up, GPB2/3 floating (low), GPB4/5 outputs high.
        #expect(try await expander.readInputs(.b) == 0x33)
        try await expander.setInputPolarity(.b, invertedMask: 0xFF)
        // IPOL inverts the input pins GPB0–3 only: 0011 → 1100.
        #expect(try await expander.readInputs(.b) == 0x3C)
        #expect(bus.log.suffix(3) == [.write(0x20, [0x13]), .read(0x20, [0x3C]), .stop])
        #expect(try await expander.readAllInputs() == 0x3C00)
    }

    @Test("interrupt on change: INTF and INTCAP latch the first event; reading INTCAP clears it")
    func interruptOnChange() async throws {
        let expander = try await driver()
        try await expander.configure()
        let pin = MCP23017Pin(.a, 2)
        try await expander.setMode(pin, .inputPullUp)
        try await expander.enableInterrupt(pin, on: .change)
        #expect(chip.registerValue(.gpinten, port: .a) == 0x04)
        #expect(chip.registerValue(.intcon, port: .a) == 0x00)
        #expect(try await expander.readInterrupt(.a) == nil)
        #expect(chip.interruptLine(port: .a))  // active low, idle high
        chip.setInput(port: .a, pin: 2, level: false)
        #expect(!chip.interruptLine(port: .a))
        #expect(chip.interruptLine(port: .b))
        // A second change before the clear is not captured again.
        chip.setInput(port: .a, pin: 2, level: true)
        let interrupt = try #require(try await expander.readInterrupt(.a))
        #expect(interrupt.flags == 0x04)
        #expect(interrupt.captured == 0x00)
        #expect(interrupt.pins == [pin])
        #expect(!interrupt.capturedLevel(pin))
        #expect(
            bus.log.suffix(6) == [
                .write(0x20, [0x0E]), .read(0x20, [0x04]), .stop, .write(0x20, [0x10]), .read(0x20, [0x00]), .stop,
            ])
        #expect(chip.interruptLine(port: .a))
        #expect(chip.registerValue(.intf, port: .a) == 0)
        // The next change latches again; reading GPIO clears it too.
        chip.setInput(port: .a, pin: 2, level: false)
        #expect(chip.registerValue(.intf, port: .a) == 0x04)
        _ = try await expander.readInputs(.a)
        #expect(chip.registerValue(.intf, port: .a) == 0)
        #expect(chip.interruptLine(port: .a))
    }

    @Test("interrupt against DEFVAL persists while the pin differs; IPOL applies to INTCAP")
    func interruptAgainstDefault() async throws {
        let expander = try await driver()
        let pin = MCP23017Pin(.b, 7)
        try await expander.setInputPolarity(.b, invertedMask: 0x80)
        chip.setInput(port: .b, pin: 7, level: false)  // reads 1 through IPOL
        try await expander.enableInterrupt(pin, on: .differsFrom(level: true))
        #expect(chip.registerValue(.defval, port: .b) == 0x80)
        #expect(try await expander.readInterrupt(.b) == nil)
        chip.setInput(port: .b, pin: 7, level: true)  // reads 0: differs from DEFVAL
        let first = try #require(try await expander.readInterrupt(.b))
        #expect(first.flags == 0x80)
        #expect(first.captured == 0x00)
        // Still differs after the clear: the interrupt is back at once.
        #expect(chip.registerValue(.intf, port: .b) == 0x80)
        chip.setInput(port: .b, pin: 7, level: false)
        _ = try await expander.readInterrupt(.b)
        #expect(chip.registerValue(.intf, port: .b) == 0)
        #expect(chip.interruptLine(port: .b))
    }

    @Test("INT pins: MIRROR ORs both ports, INTPOL sets the active level, ODR is active low; the rig hears changes")
    func interruptPins() async throws {
        let expander = try await driver()
        let changes = Lock<[String]>([])
        chip.onInterruptLineChange { port, level in changes.withLock { $0.append("INT\(port)=\(level ? 1 : 0)") } }
        try await expander.configure(mirror: true, interruptActiveHigh: true)
        #expect(!chip.interruptLine(port: .a))
        #expect(!chip.interruptLine(port: .b))
        try await expander.enableInterrupt(MCP23017Pin(.b, 0), on: .change)
        chip.setInput(port: .b, pin: 0, level: true)
        #expect(chip.interruptLine(port: .a))
        #expect(chip.interruptLine(port: .b))
        _ = try await expander.readInputs(.b)
        #expect(!chip.interruptLine(port: .a))
        try await expander.configure(mirror: false, openDrain: true, interruptActiveHigh: true)
        #expect(chip.interruptLine(port: .b))
        chip.setInput(port: .b, pin: 0, level: false)
        #expect(!chip.interruptLine(port: .b))
        #expect(chip.interruptLine(port: .a))
        // Configure (active high) makes both lines low; the change raises both (mirror); GPIO read lowers both;
        // ODR releases both; the last change pulls INTB low.
        #expect(
            changes.withLock { $0 } == [
                "INTA=0", "INTB=0", "INTA=1", "INTB=1", "INTA=0", "INTB=0", "INTA=1", "INTB=1", "INTB=0",
            ])
    }

    @Test("byte mode (SEQOP = 1) toggles between GPIOA and GPIOB")
    func byteModeToggles() async throws {
        let device = try await bus.device(at: 0x20)
        try await device.writeByte(register: 0x0A, value: 0x20)
        chip.setInput(port: .a, pin: 0, level: true)
        chip.setInput(port: .b, pin: 1, level: true)
        #expect(try await device.writeRead([0x13], readCount: 4) == [0x02, 0x01, 0x02, 0x01])
    }

    @Test("a NACK gives .nack from the driver")
    func nack() async throws {
        let expander = try await driver()
        bus.injectFault(.nack, at: 0x20)
        do {
            try await expander.configure()
            Issue.record("expected a NACK")
        } catch {
            #expect(error.code == .nack)
            #expect(error.description == "sim-i2c@0x20 write 2 bytes: no acknowledge")
        }
        bus.detach(at: 0x20)
        await #expect(throws: I2CError.self) { try await expander.readInputs(.a) }
    }
}

/// A device that answers every read with 0xFF.
private final class AllOnes: SimulatedI2CChip {
    func received(_ bytes: [UInt8]) throws(SimulatedI2CFault) {}
    func transmit(count: Int) throws(SimulatedI2CFault) -> [UInt8] { Array(repeating: 0xFF, count: count) }
}
