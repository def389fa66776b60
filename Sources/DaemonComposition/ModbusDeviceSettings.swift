public import ConfigSupport
public import HAL
public import Yams

/// Where a Modbus device sits, as a daemon's `hardware` section names it: on a board serial port by name (RTU) or
/// at a TCP address, with its unit id and response timeout.
///
/// ```yaml
/// meter: {serial: rs485-0, baud: 9600, parity: even, unit: 1, timeout_ms: 300}
/// controller: {tcp: "192.0.2.10:502", unit: 1}
/// ```
public struct ModbusDeviceSettings: Sendable, Hashable {
    public enum Transport: Sendable, Hashable {
        /// A board serial port by name (`rs485-0`, `uart0`) or a USB adapter's `/dev/serial/by-id/…` link.
        case serial(port: String, line: SerialLine)
        case tcp(host: String, port: Int)
    }

    /// Serial line settings; every device on one port must agree on them (one owner per port).
    public struct SerialLine: Sendable, Hashable {
        public var baudRate = 9600
        public var parity: ModbusRTUConfiguration.Parity = .even
        public var dataBits = 8
        public var stopBits = 1
        /// Let the kernel drive the transceiver's DE/RE (`TIOCSRS485`).
        public var rs485 = false
        public init() {}
    }

    public var transport: Transport
    public var unit: ModbusUnitID
    public var timeout: Duration = .milliseconds(500)

    public init(transport: Transport, unit: ModbusUnitID, timeout: Duration = .milliseconds(500)) {
        self.transport = transport
        self.unit = unit
        self.timeout = timeout
    }

    /// The keys as a configuration file writes them, declared once (reading and schema).
    public struct Placement: Sendable, Hashable {
        public var serial: String?
        public var tcp: String?
        public var baud = 9600
        public var parity: ModbusRTUConfiguration.Parity = .even
        public var dataBits = 8
        public var stopBits = 1
        public var rs485 = false
        public var unit = 1
        public var timeoutMs = 500
        public init() {}
    }

    static let serialOnlyKeys = ["baud", "parity", "data_bits", "stop_bits", "rs485"]

    /// The mapping a daemon's `hardware` section holds for each Modbus device.
    public static var section: ConfigSection<Placement> {
        ConfigSection(
            doc: "Where a Modbus device sits: a board serial port (RTU) or a TCP address, and its unit id.",
            keys: [
                .string(
                    "serial", \.serial, what: "a board serial port name",
                    doc: "Board serial port (rs485-0, uart0) or /dev/serial/by-id/… link."),
                .string(
                    "tcp", \.tcp, what: "\"host:port\"", pattern: "^.+:[0-9]{1,5}$",
                    doc: "Modbus TCP address, host:port."),
                .integer("baud", \.baud, 1_200...921_600, "Bd", doc: "Serial line speed."),
                .choice(
                    "parity", \.parity, of: ModbusRTUConfiguration.Parity.self, as: .identity,
                    doc: "Serial parity (Modbus RTU's default is even)."),
                .integer("data_bits", \.dataBits, 7...8, doc: "Serial data bits."),
                .integer("stop_bits", \.stopBits, 1...2, doc: "Serial stop bits."),
                .bool("rs485", \.rs485, doc: "Let the kernel drive the RS-485 transceiver (TIOCSRS485)."),
                // Unit 0 is broadcast (no answers) and 248…255 are reserved (Modbus over Serial Line V1.02, 2.2).
                .integer("unit", \.unit, 1...247, doc: "Modbus unit (slave) id.").required(),
                .integer("timeout_ms", \.timeoutMs, 10...60_000, "ms", doc: "Response timeout."),
            ],
            rules: [
                { reader, found, placement in
                    // By presence, not by value: a wrong tcp value must not hide serial keys beside it.
                    switch (found.keys["serial"], found.keys["tcp"]) {
                    case (.some, .some):
                        reader.report(
                            .conflict, at: found.path, expected: "either serial or tcp", found: "both",
                            node: found.node)
                    case (nil, nil):
                        reader.report(
                            .missingKey, at: found.path.appending("serial"),
                            expected: "serial (a board port) or tcp (\"host:port\")", found: "nothing", node: found.node
                        )
                    case (nil, .some):
                        for key in serialOnlyKeys where found.keys[key] != nil {
                            reader.report(
                                .conflict, at: found.path.appending(key),
                                expected: "serial line settings only with serial",
                                found: "\(key) with tcp", node: found.keys[key])
                        }
                        if let node = found.valid("tcp"), parseHostPort(placement.tcp ?? "") == nil {
                            reader.report(
                                .invalidValue, at: found.path.appending("tcp"),
                                expected: "\"host:port\" with a port 1…65535", found: NodeReader.describe(node),
                                node: node)
                        }
                    case (.some, nil): break
                    }
                }
            ])
    }

    /// Reads one device's placement, every problem recorded at its path.
    public static func read(_ reader: inout NodeReader, _ node: Node, at path: JSONPath) -> ModbusDeviceSettings? {
        guard let placement = section.read(&reader, node, at: path, defaults: Placement()) else { return nil }
        return ModbusDeviceSettings(placement: placement)
    }

    /// The settings a valid placement says (nil when it names neither a serial port nor a valid TCP address, which
    /// the section's rules report).
    public init?(placement: Placement) {
        var line = SerialLine()
        line.baudRate = placement.baud
        line.parity = placement.parity
        line.dataBits = placement.dataBits
        line.stopBits = placement.stopBits
        line.rs485 = placement.rs485
        let transport: Transport
        if let port = placement.serial {
            transport = .serial(port: port, line: line)
        } else if let tcp = placement.tcp, let (host, port) = Self.parseHostPort(tcp) {
            transport = .tcp(host: host, port: port)
        } else {
            return nil
        }
        self.init(
            transport: transport, unit: ModbusUnitID(UInt8(placement.unit)), timeout: .milliseconds(placement.timeoutMs)
        )
    }

    /// `"host:port"` with a port 1…65535; IPv6 literals in brackets (`[::1]:502`).
    static func parseHostPort(_ text: String) -> (String, Int)? {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
            (1...65_535).contains(port)
        else { return nil }
        var host = String(text[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return host.isEmpty ? nil : (host, port)
    }
}
