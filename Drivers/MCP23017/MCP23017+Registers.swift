public import HAL

// Register map of the MCP23017 (Microchip DS20001952C, 2005–2016, section 3.5 "Configuration and Control
// Registers", Table 3-1 / Table 3-3 with IOCON.BANK = 0). Registers are 8 bits; with BANK = 0 the A and B registers
// of each kind sit at adjacent addresses (A even, B odd), so a sequential transfer covers both ports.

extension MCP23017 {
    /// Address with A2 = A1 = A0 = 0 (datasheet 3.3.1 "Addressing I2C Devices", Figure 3-6): `0100 A2 A1 A0`.
    public static let baseAddress: I2CAddress = 0x20
    /// Every address the A2–A0 pins can select: 0x20…0x27.
    public static let addresses: ClosedRange<UInt8> = 0x20...0x27

    /// The address selected by the A2, A1, A0 pins.
    public static func address(a2: Bool, a1: Bool, a0: Bool) -> I2CAddress {
        let pins: UInt8 = (a2 ? 4 : 0) | (a1 ? 2 : 0) | (a0 ? 1 : 0)
        return I2CAddress(rawValue: baseAddress.rawValue | pins) ?? baseAddress
    }

    /// One of the two 8-bit ports; with BANK = 0 a port's register is the A register plus this offset.
    public enum Port: UInt8, Sendable, CaseIterable, CustomStringConvertible {
        case a = 0
        case b = 1

        public var description: String { self == .a ? "A" : "B" }
    }

    /// Register addresses with IOCON.BANK = 0 (datasheet Table 3-1). Only the A register of each pair is listed
    /// except IOCON, which has one register at 0x0A and 0x0B; use `address(port:)` for B.
    public enum Register: UInt8, Sendable, CaseIterable {
        /// IODIR (3.5.1): 1 = input, 0 = output. Reset 0xFF.
        case iodir = 0x00
        /// IPOL (3.5.2): 1 = GPIO reads the inverted pin level.
        case ipol = 0x02
        /// GPINTEN (3.5.3): 1 = pin enabled for interrupt-on-change.
        case gpinten = 0x04
        /// DEFVAL (3.5.4): compare value for pins with INTCON = 1.
        case defval = 0x06
        /// INTCON (3.5.5): 1 = compare with DEFVAL, 0 = compare with the previous pin value.
        case intcon = 0x08
        /// IOCON (3.5.6): shared by both ports, at 0x0A and 0x0B.
        case iocon = 0x0A
        /// GPPU (3.5.7): 1 = 100 kΩ pull-up on an input pin.
        case gppu = 0x0C
        /// INTF (3.5.8), read-only: 1 = this pin caused the interrupt.
        case intf = 0x0E
        /// INTCAP (3.5.9), read-only: GPIO captured when the interrupt occurred; reading it clears the interrupt.
        case intcap = 0x10
        /// GPIO (3.5.10): reads the port (clears the interrupt); writing writes OLAT.
        case gpio = 0x12
        /// OLAT (3.5.11): the output latches.
        case olat = 0x14

        /// The address of this register for `port` (IOCON is the same register for both).
        public func address(port: Port) -> UInt8 {
            self == .iocon ? rawValue : rawValue + port.rawValue
        }
    }

    /// Number of register addresses with BANK = 0: 0x00…0x15; the address pointer rolls over to 0x00 after 0x15
    /// (datasheet 3.2.2.3 "I2C Sequential Write/Read").
    public static let registerCount = 0x16

    /// Reset value of IODIRA/IODIRB (all inputs); every other register resets to 0x00 (datasheet Table 3-1,
    /// "POR/RST value").
    public static let iodirResetValue: UInt8 = 0xFF

    /// IOCON bits (datasheet 3.5.6, Register 3-6).
    public struct IOCON: OptionSet, Sendable, Hashable {
        public var rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }

        /// Bit 7 BANK: 1 = registers of each port in separate banks (different addresses; not used by this driver).
        public static let bank = IOCON(rawValue: 1 << 7)
        /// Bit 6 MIRROR: INTA and INTB are internally ORed.
        public static let mirror = IOCON(rawValue: 1 << 6)
        /// Bit 5 SEQOP: 1 = byte mode, the address pointer does not increment.
        public static let sequentialOperationDisabled = IOCON(rawValue: 1 << 5)
        /// Bit 4 DISSLW: slew rate control on SDA disabled.
        public static let slewRateDisabled = IOCON(rawValue: 1 << 4)
        /// Bit 3 HAEN: hardware address enable (MCP23S17 only; ignored by the MCP23017).
        public static let hardwareAddressEnable = IOCON(rawValue: 1 << 3)
        /// Bit 2 ODR: INT pins are open-drain (overrides INTPOL).
        public static let openDrain = IOCON(rawValue: 1 << 2)
        /// Bit 1 INTPOL: INT pins active high (push-pull only).
        public static let interruptActiveHigh = IOCON(rawValue: 1 << 1)
        /// Bit 0 is unimplemented and reads 0.
        public static let implementedMask: UInt8 = 0xFE
    }
}

/// One of the sixteen pins: GPA0…GPA7, GPB0…GPB7.
public struct MCP23017Pin: Sendable, Hashable, CustomStringConvertible {
    public var port: MCP23017.Port
    /// 0…7 within the port.
    public var number: Int

    public init(_ port: MCP23017.Port, _ number: Int) {
        precondition((0...7).contains(number), "MCP23017 pins are numbered 0…7 per port")
        self.port = port
        self.number = number
    }

    /// The pin's bit in its port's registers.
    public var mask: UInt8 { 1 << UInt8(number) }

    /// `GPA3`, `GPB0` as in the datasheet.
    public var description: String { "GP\(port)\(number)" }
}
