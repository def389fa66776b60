/// One Modbus request as it travels in a PDU (function code and data, without unit ID, MBAP header or CRC).
///
/// Encoding and decoding follow the Modbus Application Protocol Specification V1.1b3, section 6. The server side
/// (simulated devices speaking real Modbus) decodes requests with `init(pdu:)` and answers with `responsePDU(for:)`.
public enum ModbusRequest: Sendable, Hashable, CustomStringConvertible {
    /// 0x01
    case readCoils(address: RegisterAddress, count: Int)
    /// 0x02
    case readDiscreteInputs(address: RegisterAddress, count: Int)
    /// 0x03
    case readHoldingRegisters(address: RegisterAddress, count: Int)
    /// 0x04
    case readInputRegisters(address: RegisterAddress, count: Int)
    /// 0x05
    case writeSingleCoil(address: RegisterAddress, value: Bool)
    /// 0x06
    case writeSingleRegister(address: RegisterAddress, value: UInt16)
    /// 0x0F
    case writeMultipleCoils(address: RegisterAddress, values: [Bool])
    /// 0x10
    case writeMultipleRegisters(address: RegisterAddress, values: [UInt16])

    /// Quantity limits of the specification (6.1–6.12), which are also libmodbus's `MODBUS_MAX_*`.
    public static let maxReadBits = 2000
    public static let maxReadRegisters = 125
    public static let maxWriteBits = 1968
    public static let maxWriteRegisters = 123

    public var functionCode: UInt8 {
        switch self {
        case .readCoils: 0x01
        case .readDiscreteInputs: 0x02
        case .readHoldingRegisters: 0x03
        case .readInputRegisters: 0x04
        case .writeSingleCoil: 0x05
        case .writeSingleRegister: 0x06
        case .writeMultipleCoils: 0x0F
        case .writeMultipleRegisters: 0x10
        }
    }

    /// The table the request reads or writes.
    public var table: ModbusTable {
        switch self {
        case .readCoils, .writeSingleCoil, .writeMultipleCoils: .coils
        case .readDiscreteInputs: .discreteInputs
        case .readHoldingRegisters, .writeSingleRegister, .writeMultipleRegisters: .holdingRegisters
        case .readInputRegisters: .inputRegisters
        }
    }

    /// The first address the request touches.
    public var address: RegisterAddress {
        switch self {
        case .readCoils(let address, _), .readDiscreteInputs(let address, _), .readHoldingRegisters(let address, _),
            .readInputRegisters(let address, _), .writeSingleCoil(let address, _),
            .writeSingleRegister(let address, _), .writeMultipleCoils(let address, _),
            .writeMultipleRegisters(let address, _):
            address
        }
    }

    /// How many coils or registers the request touches.
    public var count: Int {
        switch self {
        case .readCoils(_, let count), .readDiscreteInputs(_, let count), .readHoldingRegisters(_, let count),
            .readInputRegisters(_, let count):
            count
        case .writeSingleCoil, .writeSingleRegister: 1
        case .writeMultipleCoils(_, let values): values.count
        case .writeMultipleRegisters(_, let values): values.count
        }
    }

    public var isWrite: Bool { functionCode >= 0x05 }

    /// `read holding registers 100+4`, the operation text every `ModbusError` carries.
    public var description: String {
        switch self {
        case .readCoils: "read coils \(address)+\(count)"
        case .readDiscreteInputs: "read discrete inputs \(address)+\(count)"
        case .readHoldingRegisters: "read holding registers \(address)+\(count)"
        case .readInputRegisters: "read input registers \(address)+\(count)"
        case .writeSingleCoil: "write single coil \(address)"
        case .writeSingleRegister: "write single register \(address)"
        case .writeMultipleCoils: "write multiple coils \(address)+\(count)"
        case .writeMultipleRegisters: "write multiple registers \(address)+\(count)"
        }
    }

    /// Checks quantity and address range the way a server must (specification 6.x state diagrams): a quantity out of
    /// range is `illegalDataValue`, a range past 0xFFFF is `illegalDataAddress`. Clients check the same before sending.
    public func validate() throws(ModbusExceptionCode) {
        let limit: Int =
            switch self {
            case .readCoils, .readDiscreteInputs: Self.maxReadBits
            case .readHoldingRegisters, .readInputRegisters: Self.maxReadRegisters
            case .writeSingleCoil, .writeSingleRegister: 1
            case .writeMultipleCoils: Self.maxWriteBits
            case .writeMultipleRegisters: Self.maxWriteRegisters
            }
        guard (1...limit).contains(count) else { throw .illegalDataValue }
        guard Int(address.rawValue) + count <= 0x1_0000 else { throw .illegalDataAddress }
    }

    /// The request PDU: function code, then big-endian fields.
    public var pdu: [UInt8] {
        var bytes: [UInt8] = [functionCode]
        bytes.appendWord(address.rawValue)
        switch self {
        case .readCoils(_, let count), .readDiscreteInputs(_, let count), .readHoldingRegisters(_, let count),
            .readInputRegisters(_, let count):
            bytes.appendWord(UInt16(truncatingIfNeeded: count))
        case .writeSingleCoil(_, let value):
            bytes.appendWord(value ? 0xFF00 : 0x0000)
        case .writeSingleRegister(_, let value):
            bytes.appendWord(value)
        case .writeMultipleCoils(_, let values):
            bytes.appendWord(UInt16(truncatingIfNeeded: values.count))
            let packed = Self.packBits(values)
            bytes.append(UInt8(truncatingIfNeeded: packed.count))
            bytes += packed
        case .writeMultipleRegisters(_, let values):
            bytes.appendWord(UInt16(truncatingIfNeeded: values.count))
            bytes.append(UInt8(truncatingIfNeeded: values.count * 2))
            for value in values { bytes.appendWord(value) }
        }
        return bytes
    }

    /// Decodes a request PDU. Throws the exception code a server answers with: `illegalFunction` for a function it
    /// does not implement, `illegalDataValue` for a malformed body or a quantity out of range, `illegalDataAddress`
    /// for a range past the end of the address space.
    public init(pdu: ArraySlice<UInt8>) throws(ModbusExceptionCode) {
        guard let function = pdu.first else { throw .illegalFunction }
        let body = Array(pdu.dropFirst())
        func word(_ index: Int) -> UInt16 { UInt16(body[index]) << 8 | UInt16(body[index + 1]) }
        switch function {
        case 0x01, 0x02, 0x03, 0x04:
            guard body.count == 4 else { throw .illegalDataValue }
            let address = RegisterAddress(word(0))
            let count = Int(word(2))
            self =
                switch function {
                case 0x01: .readCoils(address: address, count: count)
                case 0x02: .readDiscreteInputs(address: address, count: count)
                case 0x03: .readHoldingRegisters(address: address, count: count)
                default: .readInputRegisters(address: address, count: count)
                }
        case 0x05:
            guard body.count == 4 else { throw .illegalDataValue }
            // Only 0xFF00 (ON) and 0x0000 (OFF) are legal (specification 6.5).
            switch word(2) {
            case 0xFF00: self = .writeSingleCoil(address: RegisterAddress(word(0)), value: true)
            case 0x0000: self = .writeSingleCoil(address: RegisterAddress(word(0)), value: false)
            default: throw .illegalDataValue
            }
        case 0x06:
            guard body.count == 4 else { throw .illegalDataValue }
            self = .writeSingleRegister(address: RegisterAddress(word(0)), value: word(2))
        case 0x0F:
            guard body.count >= 5 else { throw .illegalDataValue }
            let count = Int(word(2))
            let byteCount = Int(body[4])
            guard byteCount == (count + 7) / 8, body.count == 5 + byteCount else { throw .illegalDataValue }
            let values = Self.unpackBits(body[5...], count: count)
            self = .writeMultipleCoils(address: RegisterAddress(word(0)), values: values)
        case 0x10:
            guard body.count >= 5 else { throw .illegalDataValue }
            let count = Int(word(2))
            let byteCount = Int(body[4])
            guard byteCount == count * 2, body.count == 5 + byteCount else { throw .illegalDataValue }
            let values = (0..<count).map { word(5 + 2 * $0) }
            self = .writeMultipleRegisters(address: RegisterAddress(word(0)), values: values)
        default:
            throw .illegalFunction
        }
        try validate()
    }

    /// The response PDU for `reply`, or `nil` when nothing is sent (silence, raw bytes, a broadcast).
    /// A reply of the wrong kind for the request (registers for a coil read) is answered `serverDeviceFailure`: a
    /// simulated device with a bug must still speak valid Modbus.
    public func responsePDU(for reply: ModbusReply) -> [UInt8]? {
        switch reply {
        case .silence, .raw:
            return nil
        case .delayed(_, let inner), .badChecksum(let inner):
            return responsePDU(for: inner)
        case .exception(let code):
            return [functionCode | 0x80, code.rawValue]
        case .bits(let values):
            guard !isWrite, table == .coils || table == .discreteInputs, values.count == count else {
                return responsePDU(for: .exception(.serverDeviceFailure))
            }
            return [functionCode, UInt8((count + 7) / 8)] + Self.packBits(values)
        case .registers(let values):
            switch self {
            case .readHoldingRegisters, .readInputRegisters:
                guard values.count == count else { return responsePDU(for: .exception(.serverDeviceFailure)) }
                var bytes: [UInt8] = [functionCode, UInt8(values.count * 2)]
                for value in values { bytes.appendWord(value) }
                return bytes
            default:
                return responsePDU(for: .exception(.serverDeviceFailure))
            }
        case .done:
            switch self {
            case .writeSingleCoil, .writeSingleRegister:
                // Both answer with an echo of the request.
                return pdu
            case .writeMultipleCoils, .writeMultipleRegisters:
                var bytes: [UInt8] = [functionCode]
                bytes.appendWord(address.rawValue)
                bytes.appendWord(UInt16(count))
                return bytes
            default:
                return responsePDU(for: .exception(.serverDeviceFailure))
            }
        }
    }

    /// Coils packed eight to a byte, the first coil in the least significant bit (specification 6.1).
    public static func packBits(_ values: [Bool]) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: (values.count + 7) / 8)
        for (index, value) in values.enumerated() where value {
            bytes[index / 8] |= 1 << UInt8(index % 8)
        }
        return bytes
    }

    public static func unpackBits(_ bytes: ArraySlice<UInt8>, count: Int) -> [Bool] {
        let bytes = Array(bytes)
        return (0..<count).map { index in bytes[index / 8] & (1 << UInt8(index % 8)) != 0 }
    }
}

extension [UInt8] {
    /// Appends a big-endian 16-bit word, the Modbus byte order.
    mutating func appendWord(_ value: UInt16) {
        append(UInt8(value >> 8))
        append(UInt8(truncatingIfNeeded: value))
    }
}
