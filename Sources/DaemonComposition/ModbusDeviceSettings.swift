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

    static let keys = ["serial", "tcp", "baud", "parity", "data_bits", "stop_bits", "rs485", "unit", "timeout_ms"]
    static let serialOnlyKeys = ["baud", "parity", "data_bits", "stop_bits", "rs485"]

    /// Reads one device's placement, every problem recorded at its path.
    public static func read(_ reader: inout NodeReader, _ node: Node, at path: JSONPath) -> ModbusDeviceSettings? {
        let issuesBefore = reader.issues.count
        guard let keys = reader.object(node, at: path, required: ["unit"], optional: keys.filter { $0 != "unit" })
        else { return nil }
        let fields = FieldReader(keys: keys, path: path)
        // Unit 0 is broadcast (no answers) and 248…255 are reserved (Modbus over Serial Line V1.02, 2.2).
        var unit = 1
        fields.integer(&reader, "unit", 1...247, into: &unit)
        var timeoutMs = 500
        fields.integer(&reader, "timeout_ms", 10...60_000, "ms", into: &timeoutMs)

        var transport: Transport?
        switch (keys["serial"], keys["tcp"]) {
        case (let serial?, nil):
            var line = SerialLine()
            fields.integer(&reader, "baud", 1_200...921_600, "Bd", into: &line.baudRate)
            fields.integer(&reader, "data_bits", 7...8, into: &line.dataBits)
            fields.integer(&reader, "stop_bits", 1...2, into: &line.stopBits)
            if let parity = keys["parity"].flatMap({
                reader.choice($0, at: path.appending("parity"), of: ModbusRTUConfiguration.Parity.self)
            }) {
                line.parity = parity
            }
            if let rs485 = keys["rs485"].flatMap({ reader.bool($0, at: path.appending("rs485")) }) {
                line.rs485 = rs485
            }
            if let port = reader.string(serial, at: path.appending("serial"), what: "a board serial port name") {
                transport = .serial(port: port, line: line)
            }
        case (nil, let tcp?):
            for key in serialOnlyKeys where keys[key] != nil {
                reader.report(
                    .conflict, at: path.appending(key), expected: "serial line settings only with serial",
                    found: "\(key) with tcp", node: keys[key])
            }
            if let text = reader.string(
                tcp, at: path.appending("tcp"), matching: { parseHostPort($0) != nil }, what: "\"host:port\"")
            {
                if let (host, port) = parseHostPort(text) { transport = .tcp(host: host, port: port) }
            }
        case (.some, .some):
            reader.report(
                .conflict, at: path, expected: "either serial or tcp", found: "both", node: node)
        case (nil, nil):
            reader.report(
                .missingKey, at: path.appending("serial"), expected: "serial (a board port) or tcp (\"host:port\")",
                found: "nothing", node: node)
        }
        guard reader.issues.count == issuesBefore, let transport else { return nil }
        return ModbusDeviceSettings(
            transport: transport, unit: ModbusUnitID(UInt8(unit)), timeout: .milliseconds(timeoutMs))
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
