public import HAL

/// Driver for the MCP23017 16-bit I²C I/O expander, written against `I2CDevice` only.
///
/// The driver keeps IOCON.BANK = 0 and SEQOP = 0 (sequential addressing), so both ports of a register pair can be
/// read or written in one transfer. The chip has no ID register: `configure` writes IOCON and reads it back, and a
/// mismatch is `.invalidResponse`. Pin-level calls do a read-modify-write of the port register.
public struct MCP23017: Sendable {
    /// How a pin is used.
    public enum PinMode: Sendable, Hashable {
        case output
        case input
        /// Input with the internal 100 kΩ pull-up (GPPU).
        case inputPullUp
    }

    /// What an interrupt-on-change compares the pin with (datasheet 3.6 "Interrupt Logic", INTCON).
    public enum InterruptTrigger: Sendable, Hashable {
        /// Any change from the previous value (INTCON = 0).
        case change
        /// The pin (as GPIO reads it) differs from `level` (INTCON = 1, DEFVAL = level); the interrupt persists
        /// while it differs.
        case differsFrom(level: Bool)
    }

    /// What `readInterrupt` found for one port.
    public struct Interrupt: Sendable, Hashable {
        public var port: Port
        /// INTF: the pins that caused the interrupt.
        public var flags: UInt8
        /// INTCAP: the port as GPIO read when the interrupt occurred.
        public var captured: UInt8

        /// The pins that caused the interrupt.
        public var pins: [MCP23017Pin] { (0..<8).filter { flags & 1 << $0 != 0 }.map { MCP23017Pin(port, $0) } }

        /// The captured level of `pin`.
        public func capturedLevel(_ pin: MCP23017Pin) -> Bool { captured & pin.mask != 0 }
    }

    /// The chip on its bus.
    public let device: any I2CDevice

    /// - Parameter device: the chip at 0x20…0x27 (`MCP23017.address(a2:a1:a0:)`).
    public init(device: any I2CDevice) {
        self.device = device
    }

    // MARK: Setup

    /// Writes IOCON with BANK = 0, SEQOP = 0 and the interrupt pin options, then reads it back: the chip has no ID
    /// register, so this is the check that an MCP23017 in the expected state answers at the address.
    /// - Parameters:
    ///   - mirror: INTA and INTB both signal an interrupt on either port (IOCON.MIRROR).
    ///   - openDrain: INT pins are open-drain, active low (IOCON.ODR).
    ///   - interruptActiveHigh: push-pull INT pins are active high (IOCON.INTPOL; ignored with `openDrain`).
    public func configure(mirror: Bool = false, openDrain: Bool = false, interruptActiveHigh: Bool = false)
        async throws(I2CError)
    {
        var iocon: IOCON = []
        if mirror { iocon.insert(.mirror) }
        if openDrain { iocon.insert(.openDrain) }
        if interruptActiveHigh { iocon.insert(.interruptActiveHigh) }
        try await writeRegister(.iocon, port: .a, iocon.rawValue)
        let readBack = try await readRegister(.iocon, port: .a)
        guard readBack == iocon.rawValue else {
            throw I2CError(
                .invalidResponse, bus: device.bus, address: device.address, operation: "read IOCON",
                detail: "IOCON reads \(hex(readBack)) after writing \(hex(iocon.rawValue))")
        }
    }

    // MARK: Registers

    /// Reads one register of `port`.
    public func readRegister(_ register: Register, port: Port) async throws(I2CError) -> UInt8 {
        try await device.readByte(register: register.address(port: port))
    }

    /// Writes one register of `port`.
    public func writeRegister(_ register: Register, port: Port, _ value: UInt8) async throws(I2CError) {
        try await device.writeByte(register: register.address(port: port), value: value)
    }

    /// Reads the A and B registers of a pair in one sequential transfer: A in the low byte, B in the high byte.
    public func readPair(_ register: Register) async throws(I2CError) -> UInt16 {
        let bytes = try await device.writeRead([register.rawValue], readCount: 2)
        return UInt16(bytes[0]) | UInt16(bytes[1]) << 8
    }

    /// Writes the A and B registers of a pair in one sequential transfer: A from the low byte, B from the high byte.
    public func writePair(_ register: Register, _ value: UInt16) async throws(I2CError) {
        precondition(register != .iocon, "IOCON is one register")
        try await device.write([register.rawValue, UInt8(truncatingIfNeeded: value), UInt8(value >> 8)])
    }

    // MARK: Ports

    /// IODIR: 1 bits are inputs, 0 bits outputs.
    public func setDirections(_ port: Port, inputMask: UInt8) async throws(I2CError) {
        try await writeRegister(.iodir, port: port, inputMask)
    }

    /// GPPU: 1 bits get the 100 kΩ pull-up.
    public func setPullUps(_ port: Port, mask: UInt8) async throws(I2CError) {
        try await writeRegister(.gppu, port: port, mask)
    }

    /// IPOL: 1 bits read inverted in GPIO.
    public func setInputPolarity(_ port: Port, invertedMask: UInt8) async throws(I2CError) {
        try await writeRegister(.ipol, port: port, invertedMask)
    }

    /// Writes the output latches (OLAT); pins configured as inputs ignore them.
    public func writeOutputs(_ port: Port, _ value: UInt8) async throws(I2CError) {
        try await writeRegister(.olat, port: port, value)
    }

    /// The output latches (OLAT), not the pins.
    public func readOutputLatches(_ port: Port) async throws(I2CError) -> UInt8 {
        try await readRegister(.olat, port: port)
    }

    /// Reads the port (GPIO), with IPOL applied. Clears a pending interrupt on the port.
    public func readInputs(_ port: Port) async throws(I2CError) -> UInt8 {
        try await readRegister(.gpio, port: port)
    }

    /// Reads GPIOA (low byte) and GPIOB (high byte) in one transfer. Clears pending interrupts on both ports.
    public func readAllInputs() async throws(I2CError) -> UInt16 {
        try await readPair(.gpio)
    }

    // MARK: Pins

    /// Sets a pin's direction and pull-up (read-modify-write of IODIR and GPPU).
    public func setMode(_ pin: MCP23017Pin, _ mode: PinMode) async throws(I2CError) {
        try await update(.iodir, pin, set: mode != .output)
        try await update(.gppu, pin, set: mode == .inputPullUp)
    }

    /// Drives an output pin (read-modify-write of OLAT).
    public func write(_ pin: MCP23017Pin, high: Bool) async throws(I2CError) {
        try await update(.olat, pin, set: high)
    }

    /// A pin's level as GPIO reads it (IPOL applied). Clears a pending interrupt on the pin's port.
    public func read(_ pin: MCP23017Pin) async throws(I2CError) -> Bool {
        try await readInputs(pin.port) & pin.mask != 0
    }

    /// Enables interrupt-on-change for a pin (DEFVAL, INTCON, then GPINTEN, each read-modify-write).
    public func enableInterrupt(_ pin: MCP23017Pin, on trigger: InterruptTrigger) async throws(I2CError) {
        switch trigger {
        case .change:
            try await update(.intcon, pin, set: false)
        case .differsFrom(let level):
            try await update(.defval, pin, set: level)
            try await update(.intcon, pin, set: true)
        }
        try await update(.gpinten, pin, set: true)
    }

    /// Disables interrupt-on-change for a pin.
    public func disableInterrupt(_ pin: MCP23017Pin) async throws(I2CError) {
        try await update(.gpinten, pin, set: false)
    }

    /// Reads INTF then INTCAP for `port`; reading INTCAP clears the interrupt. Nil when the port has no interrupt.
    public func readInterrupt(_ port: Port) async throws(I2CError) -> Interrupt? {
        let flags = try await readRegister(.intf, port: port)
        guard flags != 0 else { return nil }
        let captured = try await readRegister(.intcap, port: port)
        return Interrupt(port: port, flags: flags, captured: captured)
    }

    private func update(_ register: Register, _ pin: MCP23017Pin, set: Bool) async throws(I2CError) {
        let old = try await readRegister(register, port: pin.port)
        let new = set ? old | pin.mask : old & ~pin.mask
        if new != old { try await writeRegister(register, port: pin.port, new) }
    }
}
