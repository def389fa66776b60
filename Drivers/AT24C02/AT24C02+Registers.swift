public import HAL

// Memory organisation and timing of the AT24C02 (Atmel AT24C02B datasheet 5126H–SEEPR–8/07; the later Microchip
// AT24C02C keeps the same organisation and command set). An EEPROM has no registers: its "map" is its memory array,
// its pages and its device address.

extension AT24C02 {
    /// Memory size: 2 Kbit organised as 256 × 8 (datasheet "Description"); the data word address is one byte.
    public static let memorySize = 256
    /// Page write buffer: 8 bytes (datasheet "Write Operations", PAGE WRITE: "capable of an 8-byte page write").
    /// A page starts at a multiple of 8; the lower three address bits count within it and wrap.
    public static let pageSize = 8
    /// Self-timed write cycle, maximum (datasheet "AC Characteristics", tWR = 5 ms). The chip does not acknowledge
    /// its address until the cycle ends (datasheet "Write Operations", ACKNOWLEDGE POLLING).
    public static let writeCycleTime: Duration = .milliseconds(5)
    /// Device address `1010 A2 A1 A0` (datasheet "Device Addressing"): 0x50 with all address pins low.
    public static let baseAddress: I2CAddress = 0x50
    /// Every address the A2–A0 pins can select: 0x50…0x57.
    public static let addresses: ClosedRange<UInt8> = 0x50...0x57

    /// The address selected by the A2, A1, A0 pins (datasheet "Device Addressing").
    public static func address(a2: Bool, a1: Bool, a0: Bool) -> I2CAddress {
        let pins: UInt8 = (a2 ? 4 : 0) | (a1 ? 2 : 0) | (a0 ? 1 : 0)
        return I2CAddress(rawValue: baseAddress.rawValue | pins) ?? baseAddress
    }

    /// The first address of the page holding `address`.
    static func pageStart(of address: Int) -> Int { address & ~(pageSize - 1) }
}
