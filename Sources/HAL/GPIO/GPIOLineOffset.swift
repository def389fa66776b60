/// A line's offset within its GPIO chip, as the kernel numbers it (`gpiochip0` line 17).
public struct GPIOLineOffset: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible,
    ExpressibleByIntegerLiteral
{
    public var rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    public init(_ rawValue: UInt32) { self.rawValue = rawValue }
    public init(integerLiteral value: UInt32) { self.rawValue = value }
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
    public var description: String { String(rawValue) }
}

/// Where a line lives: the chip (by name such as `gpiochip0` or by label such as `pinctrl-rp1`) and the offset.
/// Printed as `gpiochip0:17`, the form board files and error messages use.
public struct GPIOLineAddress: Hashable, Sendable, CustomStringConvertible {
    public var chip: String
    public var offset: GPIOLineOffset

    public init(chip: String, offset: GPIOLineOffset) {
        self.chip = chip
        self.offset = offset
    }

    public var description: String { "\(chip):\(offset)" }
}
