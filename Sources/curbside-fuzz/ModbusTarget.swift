import AgentRuntime
import ModbusBridgeDevice
import ModbusBridgeLogic

/// modbusd's response decoding: registers read from a device decoded by `PointCodec` for every data type, word order
/// and byte order a register map allows, the value as published (`PolledDevice.json`), and the write path's encoding
/// of that value and of a number from the input.
///
/// Input: `[type][length][orders][scale? 16 bytes][bits? 4 bytes][registers, 2 bytes each, big-endian]` — `type`
/// indexes `ModbusDataType.allCases`, `length` is a string's (1…125) or bitfield's (1…4) register count, `orders`
/// bit 0 little word order, bit 1 little byte order, bit 2 a scale and offset follow (each 1e-12…1e12, as maps
/// allow), bit 3 a bitfield's four bit numbers follow. Missing registers are zero.
enum ModbusTarget {
    static let target = FuzzTarget("modbus", generatedSeeds: seeds) { data in
        var input = data[...]
        func byte() -> UInt8 { input.popFirst() ?? 0 }
        func double() -> Double {
            Double(bitPattern: (0..<8).reduce(UInt64(0)) { raw, _ in raw << 8 | UInt64(byte()) })
        }
        let types = ModbusDataType.allCases
        let type = types[Int(byte()) % types.count]
        let lengthByte = Int(byte())
        let length = type == .bitfield ? 1 + lengthByte % 4 : 1 + lengthByte % 125
        let orders = byte()
        var scale = 1.0
        var offset = 0.0
        if orders & 4 != 0 {
            scale = mapRange(double(), nonZero: true)
            offset = mapRange(double(), nonZero: false)
        }
        var bits: [ModbusPoint.BitName] = []
        if orders & 8 != 0 {
            bits = (0..<4).map { ModbusPoint.BitName(name: "b\($0)", bit: Int(byte()) % 64) }
        }
        let count = type.registerCount(length: length)
        let codec = PointCodec(
            type: type, count: count, wordOrder: orders & 1 != 0 ? .little : .big,
            byteOrder: orders & 2 != 0 ? .little : .big, scale: scale, offset: offset, bits: bits)
        let registers = (0..<count).map { _ in UInt16(byte()) << 8 | UInt16(byte()) }
        let value = codec.decode(registers: registers[...])
        _ = Fuzz.published(PolledDevice.json(value), "a \(type) value")
        let written: WriteValue? =
            switch value {
            case .bool(let bit): .bool(bit)
            case .string(let text): .string(text)
            case .bits: nil
            default: value.number.map(WriteValue.number)
            }
        if let written { _ = try? codec.encode(written) }
        _ = try? codec.encode(.number(double()))
        _ = try? codec.encodeBit(.number(double()))
    }

    /// Every type in every word and byte order, over registers that read as recognisable values (230.1 V as a
    /// float, a negative integer, text), plus a scaled and a bitfield input.
    @Sendable static func seeds() -> [(String, [UInt8])] {
        let registers: [UInt8] = [0x43, 0x66, 0x19, 0x9A, 0xFF, 0xFE, 0x41, 0x42, 0x43, 0x20, 0x00, 0x00]
        var seeds: [(String, [UInt8])] = []
        for (index, type) in ModbusDataType.allCases.enumerated() {
            for orders in UInt8(0)...3 {
                seeds.append(("\(type.rawValue)-\(orders)", [UInt8(index), 5, orders] + registers))
            }
        }
        let scale = withUnsafeBytes(of: (0.1).bitPattern.bigEndian, Array.init)
        let offset = withUnsafeBytes(of: (-40.0).bitPattern.bigEndian, Array.init)
        let u16 = UInt8(ModbusDataType.allCases.firstIndex(of: .u16) ?? 0)
        let bitfield = UInt8(ModbusDataType.allCases.firstIndex(of: .bitfield) ?? 0)
        seeds.append(("u16-scaled", [u16, 0, 4] + scale + offset + registers))
        seeds.append(("bitfield-named", [bitfield, 1, 8, 0, 3, 15, 63] + registers))
        return seeds
    }

    /// A value within what a register map accepts for scale (not 0) and offset: finite, ±1e-12…1e12.
    private static func mapRange(_ value: Double, nonZero: Bool) -> Double {
        guard value.isFinite, abs(value) <= 1e12 else { return 1 }
        if nonZero, value == 0 { return 1 }
        return value
    }
}
