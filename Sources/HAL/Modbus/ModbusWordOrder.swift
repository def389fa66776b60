/// How a device lays out a 32-bit value over two 16-bit registers.
///
/// The Modbus specification defines only 16-bit registers; every vendor picks an order for wider values. Names give
/// the byte order of the value 0xAABBCCDD as it arrives on the wire. libmodbus 3.1.6's `modbus_get_float_*` helpers
/// get some of these wrong, so decoding lives here, in Swift, tested against known registers.
public enum ModbusWordOrder: String, Sendable, Hashable, CaseIterable, Codable {
    /// High word first, big-endian bytes ("ABCD"): Eastron SDM meters, most PLCs.
    case bigEndian = "ABCD"
    /// Low word first, big-endian bytes ("CDAB"): many Schneider and Modicon devices.
    case wordSwapped = "CDAB"
    /// High word first, bytes swapped within words ("BADC").
    case byteSwapped = "BADC"
    /// Low word first, bytes swapped ("DCBA").
    case littleEndian = "DCBA"

    /// Combines two registers (in the order they were read) into the 32-bit value.
    public func uint32(_ first: UInt16, _ second: UInt16) -> UInt32 {
        switch self {
        case .bigEndian: UInt32(first) << 16 | UInt32(second)
        case .wordSwapped: UInt32(second) << 16 | UInt32(first)
        case .byteSwapped: UInt32(first.byteSwapped) << 16 | UInt32(second.byteSwapped)
        case .littleEndian: UInt32(second.byteSwapped) << 16 | UInt32(first.byteSwapped)
        }
    }

    /// Splits a 32-bit value into the two registers a device in this order holds, first register first.
    public func registers(_ value: UInt32) -> [UInt16] {
        let high = UInt16(value >> 16)
        let low = UInt16(truncatingIfNeeded: value)
        switch self {
        case .bigEndian: return [high, low]
        case .wordSwapped: return [low, high]
        case .byteSwapped: return [high.byteSwapped, low.byteSwapped]
        case .littleEndian: return [low.byteSwapped, high.byteSwapped]
        }
    }

    /// An IEEE 754 single from two registers.
    public func float32(_ first: UInt16, _ second: UInt16) -> Float {
        Float(bitPattern: uint32(first, second))
    }

    public func int32(_ first: UInt16, _ second: UInt16) -> Int32 {
        Int32(bitPattern: uint32(first, second))
    }

    public func registers(_ value: Float) -> [UInt16] {
        registers(value.bitPattern)
    }

    /// Decodes consecutive pairs of registers as floats; an odd register count is a caller bug.
    public func float32s(_ registers: [UInt16]) -> [Float] {
        precondition(registers.count.isMultiple(of: 2), "32-bit values span two registers")
        return stride(from: 0, to: registers.count, by: 2).map { float32(registers[$0], registers[$0 + 1]) }
    }
}
