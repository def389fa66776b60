/// A decoded point value, as published.
public enum PointValue: Sendable, Hashable {
    case bool(Bool)
    /// Signed integers, and unsigned ones up to `Int64.max`, unscaled.
    case integer(Int64)
    /// Unsigned 64-bit values above `Int64.max`, unscaled.
    case unsigned(UInt64)
    /// Floats, and integers with a scale or offset.
    case number(Double)
    case string(String)
    /// A bitfield's named bits.
    case bits([String: Bool])

    /// The value as a number, for deadbands; nil for strings and bitfields.
    public var number: Double? {
        switch self {
        case .integer(let value): Double(value)
        case .unsigned(let value): Double(value)
        case .number(let value): value
        case .bool(let value): value ? 1 : 0
        case .string, .bits: nil
        }
    }
}

/// A value a `write` command asks for, before it is checked against the point.
public enum WriteValue: Sendable, Hashable {
    case number(Double)
    case bool(Bool)
    case string(String)
}
