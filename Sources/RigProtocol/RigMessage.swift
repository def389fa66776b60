/// One line of the rig's control protocol: a request (`op` + `id`), its response (`id` + `ok`), or an event pushed
/// to a subscriber (`event`). JSON, one object per line, over a Unix stream socket; documented in
/// `Firmware-config/rigs/PROTOCOL.md`. A flat message keeps the protocol greppable and easy to type by hand
/// (`socat - UNIX-CONNECT:/run/curbside/rig.sock`).
public struct RigMessage: Codable, Sendable, Hashable {
    // Envelope
    public var id: Int?
    public var op: String?
    public var event: String?
    public var ok: Bool?
    public var error: String?
    /// Machine-readable error: `nack`, `bus-error`, `busy`, `not-found`, `invalid-request`, `released`, `unsupported`.
    public var code: String?

    // GPIO
    public var chip: String?
    public var line: String?
    public var offset: UInt32?
    public var handle: Int?
    public var direction: String?
    public var activeLow: Bool?
    public var bias: String?
    public var drive: String?
    public var edges: String?
    public var debounceMs: Double?
    public var consumer: String?
    /// Logical value (GPIO `read`/`write`, `request` initial value).
    public var value: Bool?
    /// Electrical level (rig side: `set-input`, `get-output`).
    public var high: Bool?
    public var kind: String?
    public var timestampNs: UInt64?

    // I2C
    public var bus: String?
    public var address: Int?
    public var bytes: [UInt8]?
    public var count: Int?
    public var fault: String?

    // Physical quantities (`chip.set`, `modbus.set`, `model.set` and their `get`s)
    /// A device or model name from the rig file.
    public var name: String?
    public var quantity: String?
    public var number: Double?
    /// Every quantity of a device or model, in `get` responses.
    public var numbers: [String: Double]?
    /// Where a Modbus device answers (`tcp:127.0.0.1:40123`, `rtu:/tmp/curb-rig-1a2b3c4d/ttyRS485-0@9600`).
    public var endpoint: String?

    // Discovery
    public var board: String?
    public var chips: [ChipInfo]?
    public var buses: [String]?
    public var devices: [DeviceInfo]?
    public var modbus: [ModbusInfo]?
    public var models: [String]?

    public struct ModbusInfo: Codable, Sendable, Hashable {
        public var name: String
        public var device: String
        public var unit: Int
        public var endpoint: String
        /// The board serial port the RTU line stands for (`rs485-0`), when the rig file names one.
        public var serialPort: String?
        public init(name: String, device: String, unit: Int, endpoint: String, serialPort: String? = nil) {
            self.name = name
            self.device = device
            self.unit = unit
            self.endpoint = endpoint
            self.serialPort = serialPort
        }

        enum CodingKeys: String, CodingKey {
            case name, device, unit, endpoint
            case serialPort = "serial_port"
        }
    }

    public struct ChipInfo: Codable, Sendable, Hashable {
        public var name: String
        public var lines: Int
        public init(name: String, lines: Int) {
            self.name = name
            self.lines = lines
        }
    }

    public struct DeviceInfo: Codable, Sendable, Hashable {
        public var bus: String
        public var address: Int
        public var chip: String
        public var name: String?
        public init(bus: String, address: Int, chip: String, name: String? = nil) {
            self.bus = bus
            self.address = address
            self.chip = chip
            self.name = name
        }
    }

    public init(id: Int? = nil, op: String? = nil) {
        self.id = id
        self.op = op
    }

    enum CodingKeys: String, CodingKey {
        case id, op, event, ok, error, code, chip, line, offset, handle, direction, bias, drive, edges, consumer, value
        case high, kind, bus, address, bytes, count, fault, board, chips, buses, devices, modbus, models
        case name, quantity, number, numbers, endpoint
        case activeLow = "active_low"
        case debounceMs = "debounce_ms"
        case timestampNs = "timestamp_ns"
    }

    /// A failed response to request `id`.
    public static func failure(_ id: Int?, code: String, _ text: String) -> RigMessage {
        var message = RigMessage(id: id)
        message.ok = false
        message.code = code
        message.error = text
        return message
    }

    /// A successful response to request `id`.
    public static func success(_ id: Int?) -> RigMessage {
        var message = RigMessage(id: id)
        message.ok = true
        return message
    }

    /// A copy changed by `change`.
    public func with(_ change: (inout RigMessage) -> Void) -> RigMessage {
        var copy = self
        change(&copy)
        return copy
    }
}
