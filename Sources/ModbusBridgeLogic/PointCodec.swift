/// Decodes a point's registers into its value and encodes a written value into registers, in Swift: libmodbus 3.1.6's
/// `modbus_get_float_*` helpers swap bytes where they should not, so none of them is used.
///
/// A value spanning several registers is first taken as big-endian bytes: each register's two bytes in `byteOrder`
/// (swapped when `little`), then the registers in `wordOrder` (the low word first when `little`, for all four words
/// of a 64-bit value). That is the layout pymodbus's `BinaryPayloadBuilder(byteorder:wordorder:)` writes.
public struct PointCodec: Sendable, Hashable {
    public var type: ModbusDataType
    /// Registers (or bits) the value spans.
    public var count: Int
    public var wordOrder: WordOrder
    public var byteOrder: ByteOrder
    public var scale: Double
    public var offset: Double
    public var bits: [ModbusPoint.BitName]

    public init(
        type: ModbusDataType, count: Int, wordOrder: WordOrder = .big, byteOrder: ByteOrder = .big, scale: Double = 1,
        offset: Double = 0, bits: [ModbusPoint.BitName] = []
    ) {
        self.type = type
        self.count = count
        self.wordOrder = wordOrder
        self.byteOrder = byteOrder
        self.scale = scale
        self.offset = offset
        self.bits = bits
    }

    /// Whether the published value is the raw one (no scale or offset).
    var isUnscaled: Bool { scale == 1 && offset == 0 }

    /// The value of `registers` (exactly `count` of them).
    public func decode(registers: ArraySlice<UInt16>) -> PointValue {
        precondition(registers.count == count, "a \(type) point spans \(count) registers")
        switch type {
        case .bool: return .bool(registers.first != 0)
        case .string: return .string(Self.text(bytes(registers, wordOrder: .big)))
        case .bitfield:
            let raw = unsigned(registers)
            return .bits(Dictionary(bits.map { ($0.name, raw >> UInt64($0.bit) & 1 == 1) }) { first, _ in first })
        case .u16, .u32, .u64:
            let raw = unsigned(registers)
            if !isUnscaled { return .number(Double(raw) * scale + offset) }
            return raw <= UInt64(Int64.max) ? .integer(Int64(raw)) : .unsigned(raw)
        case .i16, .i32, .i64:
            let raw = signed(unsigned(registers))
            return isUnscaled ? .integer(raw) : .number(Double(raw) * scale + offset)
        case .f32:
            let single = Float(bitPattern: UInt32(truncatingIfNeeded: unsigned(registers)))
            // The shortest decimal that reads back as this single (230.1, not 230.10000610351562 — the widened
            // double's digits are noise the device never measured).
            return .number((Double(single.description) ?? Double(single)) * scale + offset)
        case .f64:
            return .number(Double(bitPattern: unsigned(registers)) * scale + offset)
        }
    }

    /// The value of a coil or discrete input.
    public func decode(bit: Bool) -> PointValue { .bool(bit) }

    /// The registers that hold `value`, after the range checks a write needs; a coil's value is `encodeBit`.
    public func encode(_ value: WriteValue) throws(PointWriteError) -> [UInt16] {
        switch (type, value) {
        case (.string, .string(let text)):
            var data = Array(text.utf8)
            guard data.count <= count * 2 else {
                throw PointWriteError("\"\(text)\" is \(data.count) bytes; the point holds \(count * 2)")
            }
            data += Array(repeating: 0, count: count * 2 - data.count)
            return stride(from: 0, to: data.count, by: 2).map { index in
                let word = UInt16(data[index]) << 8 | UInt16(data[index + 1])
                return byteOrder == .little ? word.byteSwapped : word
            }
        case (.u16, .number(let number)), (.u32, .number(let number)), (.u64, .number(let number)),
            (.i16, .number(let number)), (.i32, .number(let number)), (.i64, .number(let number)):
            return words(try integerBits(number))
        case (.f32, .number(let number)):
            let raw = Float((number - offset) / scale)
            guard raw.isFinite else { throw PointWriteError("\(number) does not fit a 32-bit float") }
            return words(UInt64(raw.bitPattern))
        case (.f64, .number(let number)):
            let raw = (number - offset) / scale
            guard raw.isFinite else { throw PointWriteError("\(number) is not finite") }
            return words(raw.bitPattern)
        case (.bitfield, _):
            throw PointWriteError("a bitfield is read only")
        default:
            throw PointWriteError("expected \(type.isNumeric ? "a number" : "a \(type.rawValue)")")
        }
    }

    /// A coil's written value: a boolean, or the numbers 0 and 1.
    public func encodeBit(_ value: WriteValue) throws(PointWriteError) -> Bool {
        switch value {
        case .bool(let bit): return bit
        case .number(let number) where number == 0 || number == 1: return number == 1
        default: throw PointWriteError("expected true or false")
        }
    }

    /// The raw integer for `number` in published units: a whole number of steps, within the type's range.
    private func integerBits(_ number: Double) throws(PointWriteError) -> UInt64 {
        let raw = (number - offset) / scale
        let whole = raw.rounded()
        // A step of the scale must land on a whole raw value; allow for the decimal representation of both.
        guard abs(raw - whole) <= 1e-6 * max(1, abs(raw)) else {
            throw PointWriteError("\(number) is not a whole number of steps of \(scale)")
        }
        let bitsWide = count * 16
        switch type {
        case .u16, .u32, .u64:
            let maximum = bitsWide == 64 ? Double(UInt64.max) : Double((UInt64(1) << UInt64(bitsWide)) - 1)
            guard whole >= 0, whole <= maximum, let value = UInt64(exactly: whole) else {
                throw PointWriteError("\(number) is outside the range of \(type.rawValue)")
            }
            return value
        default:
            // 2^(bits-1) as a Double: shifting an Int64 by 63 would overflow into the sign bit.
            let limit = Double(sign: .plus, exponent: bitsWide - 1, significand: 1)
            guard whole >= -limit, whole < limit, let value = Int64(exactly: whole) else {
                throw PointWriteError("\(number) is outside the range of \(type.rawValue)")
            }
            return UInt64(bitPattern: value) & (bitsWide == 64 ? UInt64.max : (UInt64(1) << UInt64(bitsWide)) - 1)
        }
    }

    /// The registers' value as an unsigned integer: bytes in `byteOrder`, words in `wordOrder`, big-endian overall.
    private func unsigned(_ registers: ArraySlice<UInt16>) -> UInt64 {
        bytes(registers, wordOrder: wordOrder).reduce(0) { $0 << 8 | UInt64($1) }
    }

    private func bytes(_ registers: ArraySlice<UInt16>, wordOrder: WordOrder) -> [UInt8] {
        let ordered = wordOrder == .big ? Array(registers) : registers.reversed()
        return ordered.flatMap { register -> [UInt8] in
            let word = byteOrder == .little ? register.byteSwapped : register
            return [UInt8(word >> 8), UInt8(truncatingIfNeeded: word)]
        }
    }

    /// Sign-extends the low `count × 16` bits.
    private func signed(_ raw: UInt64) -> Int64 {
        let shift = UInt64(64 - count * 16)
        return Int64(bitPattern: raw << shift) >> Int64(shift)
    }

    /// `value`'s low `count × 16` bits as the registers a device in this layout holds.
    private func words(_ value: UInt64) -> [UInt16] {
        var words = (0..<count).map { index in UInt16(truncatingIfNeeded: value >> UInt64((count - 1 - index) * 16)) }
        if wordOrder == .little { words.reverse() }
        return byteOrder == .little ? words.map(\.byteSwapped) : words
    }

    /// Text up to the first NUL, without trailing spaces (devices pad with either).
    private static func text(_ bytes: [UInt8]) -> String {
        let content = bytes.prefix { $0 != 0 }
        var text = String(decoding: content, as: UTF8.self)
        while text.last == " " { text.removeLast() }
        return text
    }
}

/// Why a written value does not fit its point.
public struct PointWriteError: Error, Sendable, Hashable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
