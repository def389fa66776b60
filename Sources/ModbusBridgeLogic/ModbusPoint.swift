public import HAL

/// How a point's registers hold its value.
public enum ModbusDataType: String, Sendable, Hashable, CaseIterable {
    /// A coil or discrete input: one bit.
    case bool
    case u16, i16, u32, i32, u64, i64, f32, f64
    /// Characters, two per register, `length` registers; trailing NULs and spaces are trimmed.
    case string
    /// Named bits of one or two registers (`bits: {running: 0, fault: 3}`), published as booleans.
    case bitfield

    /// Registers a value of this type spans (strings and bitfields: their `length`).
    public func registerCount(length: Int) -> Int {
        switch self {
        case .bool, .u16, .i16: 1
        case .u32, .i32, .f32: 2
        case .u64, .i64, .f64: 4
        case .string, .bitfield: length
        }
    }

    /// Whether the value is a number that scale, offset and deadband apply to.
    public var isNumeric: Bool {
        switch self {
        case .bool, .string, .bitfield: false
        default: true
        }
    }
}

/// Which register of a multi-register value comes first: the high word (`big`, Modbus's own register order) or the
/// low word (`little`, many Schneider and Modicon devices).
public enum WordOrder: String, Sendable, Hashable, CaseIterable {
    case big, little
}

/// The order of the two bytes within each register: `big` as the Modbus specification says, `little` for devices
/// that swap them.
public enum ByteOrder: String, Sendable, Hashable, CaseIterable {
    case big, little
}

/// The register table a point sits in, as a map file names it.
public enum RegisterType: String, Sendable, Hashable, CaseIterable {
    case coil, discrete, holding, input

    /// The HAL's table.
    public var table: ModbusTable {
        switch self {
        case .coil: .coils
        case .discrete: .discreteInputs
        case .holding: .holdingRegisters
        case .input: .inputRegisters
        }
    }

    /// Coils and discrete inputs hold bits; the others 16-bit registers.
    public var isBits: Bool { self == .coil || self == .discrete }
    /// Only coils and holding registers can be written (functions 05/15 and 06/16).
    public var isWritable: Bool { self == .coil || self == .holding }
}

/// One named value of a device: where it sits, how it is encoded, how it is published and whether it may be written.
public struct ModbusPoint: Sendable, Hashable {
    public var name: String
    public var register: RegisterType = .holding
    /// The 0-based protocol address (not the "40001" documentation number).
    public var address = 0
    public var type: ModbusDataType = .u16
    /// Registers of a `string` or `bitfield`; ignored otherwise.
    public var length = 1
    /// Nil: the map's default.
    public var wordOrder: WordOrder?
    public var byteOrder: ByteOrder?
    /// Published value = raw × scale + offset (numeric types only).
    public var scale = 1.0
    public var offset = 0.0
    public var unit: String?
    /// A change of at most this much (in published units) does not publish the group; 0: any change does.
    public var deadband = 0.0
    /// The poll group (`groups` of the map) the point is read and published with.
    public var group = ""
    /// Whether `write` may set it (coil or holding register only).
    public var writable = false
    /// Accepted range of a write, in published units.
    public var minimum: Double?
    public var maximum: Double?
    /// A bitfield's bits by name: bit 0 is the least significant of the value.
    public var bits: [BitName] = []

    public struct BitName: Sendable, Hashable {
        public var name: String
        public var bit: Int
        public init(name: String, bit: Int) {
            self.name = name
            self.bit = bit
        }
    }

    public init(name: String) { self.name = name }

    /// Registers (or bits) the point spans.
    public var count: Int { type.registerCount(length: length) }

    /// The point's layout with the map's defaults filled in.
    public func codec(defaults: (WordOrder, ByteOrder)) -> PointCodec {
        PointCodec(
            type: type, count: count, wordOrder: wordOrder ?? defaults.0, byteOrder: byteOrder ?? defaults.1,
            scale: scale, offset: offset, bits: bits)
    }
}
