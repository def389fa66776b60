/// A 7-bit I²C target address. Printed as `0x76`.
public struct I2CAddress: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible,
    ExpressibleByIntegerLiteral
{
    public var rawValue: UInt8

    /// Fails for values that do not fit seven bits.
    public init?(rawValue: UInt8) {
        guard rawValue <= 0x7F else { return nil }
        self.rawValue = rawValue
    }

    public init(integerLiteral value: UInt8) {
        precondition(value <= 0x7F, "I2C addresses are 7-bit")
        self.rawValue = value
    }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
    public var description: String { hex(rawValue) }
}

/// `0x0A`-style hex used in every I²C message.
@inlinable
public func hex(_ byte: UInt8) -> String {
    let digits = Array("0123456789ABCDEF")
    return "0x" + String(digits[Int(byte >> 4)]) + String(digits[Int(byte & 0x0F)])
}
