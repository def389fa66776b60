import HAL
import ModbusBridgeLogic
import Testing

/// Decoding and encoding every data type in every word and byte order, against register layouts written out by hand
/// from the definition (big-endian bytes; `little` bytes swap within a register, `little` words reverse the registers).
@Suite("Point codec")
struct PointCodecTests {
    static func codec(
        _ type: ModbusDataType, _ words: WordOrder = .big, _ bytes: ByteOrder = .big, length: Int = 1,
        scale: Double = 1,
        offset: Double = 0, bits: [ModbusPoint.BitName] = []
    ) -> PointCodec {
        PointCodec(
            type: type, count: type.registerCount(length: length), wordOrder: words, byteOrder: bytes, scale: scale,
            offset: offset, bits: bits)
    }

    struct Layout: Sendable, CustomTestStringConvertible {
        var words: WordOrder
        var bytes: ByteOrder
        var registers: [UInt16]
        var testDescription: String { "\(words) words, \(bytes) bytes" }
    }

    /// 0x12345678 in the four layouts (ABCD, CDAB, BADC, DCBA).
    static let u32Layouts = [
        Layout(words: .big, bytes: .big, registers: [0x1234, 0x5678]),
        Layout(words: .little, bytes: .big, registers: [0x5678, 0x1234]),
        Layout(words: .big, bytes: .little, registers: [0x3412, 0x7856]),
        Layout(words: .little, bytes: .little, registers: [0x7856, 0x3412]),
    ]

    @Test("u32 and i32 in every order", arguments: u32Layouts)
    func u32(layout: Layout) throws {
        let codec = Self.codec(.u32, layout.words, layout.bytes)
        #expect(codec.decode(registers: layout.registers[...]) == .integer(0x1234_5678))
        #expect(try codec.encode(.number(0x1234_5678)) == layout.registers)
        // The same registers agree with the HAL's own 32-bit decoder.
        let halOrder: ModbusWordOrder =
            switch (layout.words, layout.bytes) {
            case (.big, .big): .bigEndian
            case (.little, .big): .wordSwapped
            case (.big, .little): .byteSwapped
            case (.little, .little): .littleEndian
            }
        #expect(halOrder.uint32(layout.registers[0], layout.registers[1]) == 0x1234_5678)
        let signed = Self.codec(.i32, layout.words, layout.bytes)
        let minusOne = try signed.encode(.number(-2))
        #expect(signed.decode(registers: minusOne[...]) == .integer(-2))
    }

    /// 0x0102030405060800 in the four layouts: little words reverse all four registers. (A value a JSON number, a
    /// double, holds exactly, so the write direction is checked with it too.)
    static let u64Layouts = [
        Layout(words: .big, bytes: .big, registers: [0x0102, 0x0304, 0x0506, 0x0800]),
        Layout(words: .little, bytes: .big, registers: [0x0800, 0x0506, 0x0304, 0x0102]),
        Layout(words: .big, bytes: .little, registers: [0x0201, 0x0403, 0x0605, 0x0008]),
        Layout(words: .little, bytes: .little, registers: [0x0008, 0x0605, 0x0403, 0x0201]),
    ]

    @Test("u64, i64 and f64 in every order", arguments: u64Layouts)
    func u64(layout: Layout) throws {
        let codec = Self.codec(.u64, layout.words, layout.bytes)
        #expect(codec.decode(registers: layout.registers[...]) == .integer(0x0102_0304_0506_0800))
        #expect(try codec.encode(.number(Double(0x0102_0304_0506_0800))) == layout.registers)
        let signed = Self.codec(.i64, layout.words, layout.bytes)
        #expect(
            signed.decode(registers: try signed.encode(.number(-123_456_789_012))[...]) == .integer(-123_456_789_012))
        let double = Self.codec(.f64, layout.words, layout.bytes)
        // 1.5 is 0x3FF8000000000000.
        let registers = try double.encode(.number(1.5))
        let reference = Self.codec(.u64, layout.words, layout.bytes).decode(registers: registers[...])
        #expect(reference == .integer(0x3FF8_0000_0000_0000))
        #expect(double.decode(registers: registers[...]) == .number(1.5))
    }

    @Test("f32 12.5 is 0x41480000 in every order")
    func f32() throws {
        for layout in [
            Layout(words: .big, bytes: .big, registers: [0x4148, 0x0000]),
            Layout(words: .little, bytes: .big, registers: [0x0000, 0x4148]),
            Layout(words: .big, bytes: .little, registers: [0x4841, 0x0000]),
            Layout(words: .little, bytes: .little, registers: [0x0000, 0x4841]),
        ] {
            let codec = Self.codec(.f32, layout.words, layout.bytes)
            #expect(codec.decode(registers: layout.registers[...]) == .number(12.5), "\(layout.testDescription)")
            #expect(try codec.encode(.number(12.5)) == layout.registers, "\(layout.testDescription)")
        }
    }

    @Test("a single is published as its shortest decimal, not the widened double's digits")
    func shortestSingle() throws {
        let codec = Self.codec(.f32)
        let registers = try codec.encode(.number(230.1))
        #expect(codec.decode(registers: registers[...]) == .number(230.1))
        #expect(Double(Float(230.1)) != 230.1)
    }

    @Test("16-bit values: byte order only")
    func sixteenBits() throws {
        #expect(Self.codec(.u16).decode(registers: [0xFFFE][...]) == .integer(65_534))
        #expect(Self.codec(.i16).decode(registers: [0xFFFE][...]) == .integer(-2))
        #expect(Self.codec(.i16, .big, .little).decode(registers: [0xFEFF][...]) == .integer(-2))
        #expect(try Self.codec(.u16, .little, .little).encode(.number(0x1234)) == [0x3412])
    }

    @Test("scale and offset give published units; a write is turned back into raw steps")
    func scaled() throws {
        let codec = Self.codec(.i16, scale: 0.1, offset: -40)
        #expect(codec.decode(registers: [652][...]) == .number(652 * 0.1 - 40))
        #expect(try codec.encode(.number(25.2)) == [652])
        #expect(throws: PointWriteError.self) { try codec.encode(.number(25.25)) }
    }

    @Test("writes outside the type's range are refused")
    func ranges() {
        #expect(throws: PointWriteError.self) { try Self.codec(.u16).encode(.number(65_536)) }
        #expect(throws: PointWriteError.self) { try Self.codec(.u16).encode(.number(-1)) }
        #expect(throws: PointWriteError.self) { try Self.codec(.i16).encode(.number(32_768)) }
        #expect(throws: PointWriteError.self) { try Self.codec(.f32).encode(.number(1e39)) }
        #expect(throws: PointWriteError.self) { try Self.codec(.u16).encode(.string("1")) }
        #expect(throws: PointWriteError.self) { try Self.codec(.string, length: 2).encode(.string("five!")) }
    }

    @Test("strings: two characters per register, NUL and space padding trimmed, byte order applies")
    func strings() throws {
        let codec = Self.codec(.string, length: 3)
        #expect(codec.decode(registers: [0x5344, 0x4D36, 0x3330][...]) == .string("SDM630"))
        #expect(codec.decode(registers: [0x4142, 0x2000, 0x0000][...]) == .string("AB"))
        #expect(try codec.encode(.string("SDM")) == [0x5344, 0x4D00, 0x0000])
        let swapped = Self.codec(.string, .big, .little, length: 3)
        #expect(swapped.decode(registers: [0x4453, 0x364D, 0x3033][...]) == .string("SDM630"))
    }

    @Test("bitfields: named bits, bit 0 least significant, across two registers in word order")
    func bitfields() {
        let bits = [
            ModbusPoint.BitName(name: "running", bit: 0), .init(name: "fault", bit: 3),
            .init(name: "high", bit: 17),
        ]
        let codec = Self.codec(.bitfield, length: 2, bits: bits)
        #expect(
            codec.decode(registers: [0x0002, 0x0009][...])
                == .bits(["running": true, "fault": true, "high": true]))
        let little = Self.codec(.bitfield, .little, length: 2, bits: bits)
        #expect(
            little.decode(registers: [0x0001, 0x0000][...]) == .bits(["running": true, "fault": false, "high": false]))
        #expect(throws: PointWriteError.self) { try codec.encode(.number(1)) }
    }

    @Test("coils take booleans or 0 and 1")
    func coils() throws {
        let codec = Self.codec(.bool)
        #expect(try codec.encodeBit(.bool(true)))
        #expect(try !codec.encodeBit(.number(0)))
        #expect(throws: PointWriteError.self) { try codec.encodeBit(.number(2)) }
    }
}
