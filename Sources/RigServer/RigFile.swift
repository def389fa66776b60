public import ConfigSupport
import Foundation
public import HAL
import Yams

/// A rig file (`Firmware-config/rigs/*.yaml`): which board the rig simulates, which simulated chips sit on its I²C
/// buses, which simulated Modbus devices answer on which TCP port or serial line, and the physical models that
/// tie them together.
///
/// ```yaml
/// rig: streetlight
/// board: ../../Boards/sim.yaml
/// i2c:
///   - {bus: sim-i2c-0, address: 0x10, chip: VEML7700, name: ambient}
/// modbus:
///   - {name: meter, device: SDM630, unit: 1, rtu: "${RUN_DIR}/ttyRS485-0", baud: 9600, parity: even}
///   - {name: stack, device: FuelCellController, unit: 1, tcp: 0}        # 0: a free port, reported by `hello`
/// models:
///   - {model: daylight, sensor: ambient, latitude: 37.5665, longitude: 126.978}
/// ```
public struct RigFile: Sendable, Hashable {
    public struct I2CDevice: Sendable, Hashable {
        public var bus: String
        public var address: UInt8
        public var chip: String
        /// What scenarios and models call it; `bus@0xNN` unless the file names it.
        public var name: String
    }

    public struct ModbusDevice: Sendable, Hashable {
        public enum Endpoint: Sendable, Hashable {
            /// A Modbus TCP server on 127.0.0.1; port 0 takes a free port (reported by `hello`).
            case tcp(port: Int)
            /// A Modbus RTU line on a pseudo-terminal whose daemon end is symlinked at `link`; a link under
            /// `${RUN_DIR}` lands in the rig's own run folder.
            case rtu(link: String, baudRate: Int, parity: ModbusRTUConfiguration.Parity)

            /// The endpoint with `${RUN_DIR}` replaced by `runDirectory`.
            public func resolved(runDirectory: String) -> Endpoint {
                guard case .rtu(let link, let baudRate, let parity) = self else { return self }
                return .rtu(
                    link: link.replacingOccurrences(of: RigFile.runDirectoryPlaceholder, with: runDirectory),
                    baudRate: baudRate, parity: parity)
            }
        }

        public var name: String
        public var device: String
        public var unit: ModbusUnitID
        public var endpoint: Endpoint
        /// The board serial port the line stands for (`rtu: rs485-0`): its link is `${RUN_DIR}/rs485-0`, and `hello`
        /// names the port, so a daemon configured with `serial: rs485-0` finds it on the rig as on a board.
        public var serialPort: String?
        /// The simulated device's design figures the rig file sets (`design: {startup_s: 2}`), by the names
        /// `SimulatedModbusCatalog.designKeys` lists for its kind; the rest keep the device's defaults.
        public var design: [String: Double] = [:]
    }

    public struct Model: Sendable, Hashable {
        public var kind: String
        /// Device, chip or line names the model connects.
        public var references: [String: String]
        public var numbers: [String: Double]
    }

    /// Model kinds, their references (required) and numeric parameters (optional, with defaults).
    public static let modelKinds: [String: (references: [String], numbers: [String: Double])] = [
        "lamp": (["pwm", "relay", "meter"], ["channel": 0, "rated_watts": 60, "supply_volts": 24]),
        "ev": (
            ["pwm", "adc", "contactor", "feedback", "meter", "lock", "lock_feedback", "rcd"],
            [
                "pwm_channel": 0, "adc_channel": 0, "divider": 0.25, "ev_max_amps": 32, "phases": 3, "volts": 230,
                // The charge point's front end: pilot levels shifted into the ADC's range, the low level's input and
                // the PP divider's (-1: not wired), and the cable's PP resistor.
                "offset_volts": 0, "adc_low_channel": -1, "pp_channel": -1, "pp_pullup_ohm": 1_000, "pp_supply_v": 3.3,
                "cable_ohm": 220,
            ]
        ),
        "vibration": (
            ["sensor", "interrupt"],
            [
                "interrupt_pin": 1, "noise_mg": 0.3, "mode1_hz": 2.3, "mode1_mg": 2, "mode2_hz": 7.9, "mode2_mg": 1,
                "mode3_hz": 17.5, "mode3_mg": 0.5, "tilt_x_deg": 0, "tilt_y_deg": 0, "seed": 1,
            ]
        ),
        "fuel-cell": (
            ["adc", "stack", "e_stop"],
            ["adc_channel": 0, "zero_volts": 0.4, "full_scale_volts": 2.0, "full_scale_lfl": 100]
        ),
        "daylight": (
            ["sensor"], ["latitude": 37.5665, "longitude": 126.978, "peak_lux": 100_000, "clouds": 0.3, "seed": 1]
        ),
    ]

    /// Stands for the folder of one running rig in RTU link paths, so two rigs from one file never share a line.
    public static let runDirectoryPlaceholder = "${RUN_DIR}"

    public var name: String
    /// Absolute path of the board file.
    public var board: String
    public var i2cDevices: [I2CDevice]
    public var modbusDevices: [ModbusDevice]
    public var models: [Model]

    /// Reads and validates a rig file; relative board paths resolve against the file's folder.
    public static func load(
        file: String, knownChips: [String], knownModbusDevices: [String] = SimulatedModbusCatalog.names
    ) throws(DocumentError) -> RigFile {
        try parse(
            YAMLDocument.load(file: file, what: "a rig mapping"), file: file, knownChips: knownChips,
            knownModbusDevices: knownModbusDevices)
    }

    /// Validates a rig file's text, as `load` does once it has read `file` (relative board paths resolve against
    /// the folder of `file`).
    public static func parse(
        _ text: String, file: String, knownChips: [String],
        knownModbusDevices: [String] = SimulatedModbusCatalog.names
    ) throws(DocumentError) -> RigFile {
        try parse(
            YAMLDocument.parse(text, file: file, what: "a rig mapping"), file: file, knownChips: knownChips,
            knownModbusDevices: knownModbusDevices)
    }

    private static func parse(
        _ root: Node, file: String, knownChips: [String], knownModbusDevices: [String]
    ) throws(DocumentError) -> RigFile {
        var reader = NodeReader()
        let path = JSONPath.root
        var name: String?
        var board: String?
        var devices: [I2CDevice] = []
        var modbus: [ModbusDevice] = []
        var models: [Model] = []
        if let top = reader.object(root, at: path, required: ["rig", "board"], optional: ["i2c", "modbus", "models"]) {
            name = top["rig"].flatMap { reader.string($0, at: path.appending("rig")) }
            board = top["board"].flatMap {
                reader.string(
                    $0, at: path.appending("board"), matching: { $0.hasSuffix(".yaml") }, what: "board file path")
            }
            for (itemPath, item) in top["i2c"].map({ reader.list($0, at: path.appending("i2c"), of: "I2C devices") })
                ?? []
            {
                if let device = i2cDevice(item, at: itemPath, knownChips: knownChips, reader: &reader) {
                    devices.append(device)
                }
            }
            for (itemPath, item) in top["modbus"].map({
                reader.list($0, at: path.appending("modbus"), of: "Modbus devices")
            }) ?? [] {
                if let device = modbusDevice(item, at: itemPath, known: knownModbusDevices, reader: &reader) {
                    modbus.append(device)
                }
            }
            for (itemPath, item) in top["models"].map({ reader.list($0, at: path.appending("models"), of: "models") })
                ?? []
            {
                if let model = self.model(item, at: itemPath, reader: &reader) { models.append(model) }
            }
        }
        let names = devices.map(\.name) + modbus.map(\.name)
        for duplicate in Set(names.filter { name in names.filter { $0 == name }.count > 1 }).sorted() {
            reader.report(
                .invalidValue, at: path, expected: "unique device names", found: "\"\(duplicate)\" used twice")
        }
        guard reader.issues.isEmpty, let name, let board else {
            throw DocumentError(.invalid, file: file, issues: YAMLDocument.inFileOrder(reader.issues))
        }
        let folder = URL(fileURLWithPath: file).deletingLastPathComponent()
        let boardPath = board.hasPrefix("/") ? board : folder.appendingPathComponent(board).standardizedFileURL.path
        return RigFile(name: name, board: boardPath, i2cDevices: devices, modbusDevices: modbus, models: models)
    }

    /// Absolute, or under the run folder; `${…}` nowhere else, so a misspelt placeholder is not taken as a folder.
    private static func isLinkPath(_ link: String) -> Bool {
        let rest =
            link.hasPrefix(runDirectoryPlaceholder + "/") ? String(link.dropFirst(runDirectoryPlaceholder.count)) : link
        return rest.hasPrefix("/") && !rest.contains("${")
    }

    private static func i2cDevice(
        _ item: Node, at itemPath: JSONPath, knownChips: [String], reader: inout NodeReader
    ) -> I2CDevice? {
        guard let keys = reader.object(item, at: itemPath, required: ["bus", "address", "chip"], optional: ["name"])
        else { return nil }
        let bus = keys["bus"].flatMap { reader.string($0, at: itemPath.appending("bus")) }
        let address = keys["address"].flatMap { reader.integer($0, at: itemPath.appending("address"), in: 0x03...0x77) }
        let chip = keys["chip"].flatMap { known($0, at: itemPath.appending("chip"), among: knownChips, &reader) }
        let name = keys["name"].flatMap { reader.string($0, at: itemPath.appending("name")) }
        guard let bus, let address, let chip else { return nil }
        let hexAddress = String(address, radix: 16, uppercase: true)
        return I2CDevice(
            bus: bus, address: UInt8(address), chip: chip,
            name: name ?? "\(bus)@0x\(hexAddress.count == 1 ? "0" : "")\(hexAddress)")
    }

    private static func modbusDevice(
        _ item: Node, at itemPath: JSONPath, known: [String], reader: inout NodeReader
    ) -> ModbusDevice? {
        guard
            let keys = reader.object(
                item, at: itemPath, required: ["name", "device", "unit"],
                optional: ["tcp", "rtu", "baud", "parity", "design"])
        else { return nil }
        let name = keys["name"].flatMap { reader.string($0, at: itemPath.appending("name")) }
        let device = keys["device"].flatMap { Self.known($0, at: itemPath.appending("device"), among: known, &reader) }
        let unit = keys["unit"].flatMap { reader.integer($0, at: itemPath.appending("unit"), in: 1...247) }
        var endpoint: ModbusDevice.Endpoint?
        var serialPort: String?
        switch (keys["tcp"], keys["rtu"]) {
        case (let tcp?, nil):
            endpoint = reader.integer(tcp, at: itemPath.appending("tcp"), in: 0...65_535).map { .tcp(port: $0) }
        case (nil, let rtu?):
            let link = reader.string(
                rtu, at: itemPath.appending("rtu"), matching: { Self.isLinkPath($0) || NodeReader.isName($0) },
                what: "a board serial port name, an absolute path for the pty link, or one under ${RUN_DIR}/")
            if let link, NodeReader.isName(link) { serialPort = link }
            let baud =
                keys["baud"].map { reader.integer($0, at: itemPath.appending("baud"), in: 1200...230_400) } ?? 9600
            let parity =
                keys["parity"].map { reader.choice($0, at: itemPath.appending("parity"), of: ParityName.self) }
                ?? .even
            if let link, let baud, let parity {
                let path = serialPort.map { "\(runDirectoryPlaceholder)/\($0)" } ?? link
                endpoint = .rtu(link: path, baudRate: baud, parity: parity.parity)
            }
        default:
            reader.report(
                .invalidValue, at: itemPath, expected: "exactly one of \"tcp\" (port) or \"rtu\" (link path)",
                found: keys["tcp"] == nil ? "neither" : "both")
        }
        var design: [String: Double] = [:]
        if let node = keys["design"], let device {
            let designPath = itemPath.appending("design")
            let names = SimulatedModbusCatalog.designKeys[device] ?? []
            for (key, value) in reader.object(node, at: designPath, required: [], optional: names) ?? [:] {
                design[key] = reader.number(value, at: designPath.appending(key), in: 0.001...1e6)
            }
        }
        guard let name, let device, let unit, let endpoint else { return nil }
        return ModbusDevice(
            name: name, device: device, unit: ModbusUnitID(UInt8(unit)), endpoint: endpoint, serialPort: serialPort,
            design: design)
    }

    private enum ParityName: String, CaseIterable {
        case none, even, odd
        var parity: ModbusRTUConfiguration.Parity {
            switch self {
            case .none: .none
            case .even: .even
            case .odd: .odd
            }
        }
    }

    private static func model(_ item: Node, at itemPath: JSONPath, reader: inout NodeReader) -> Model? {
        let kinds = modelKinds.keys.sorted()
        guard case .mapping(let mapping) = item, let kindNode = mapping["model"] else {
            _ = reader.object(item, at: itemPath, required: ["model"], optional: [])
            return nil
        }
        guard let kind = known(kindNode, at: itemPath.appending("model"), among: kinds, &reader),
            let spec = modelKinds[kind]
        else { return nil }
        guard
            let keys = reader.object(
                item, at: itemPath, required: ["model"] + spec.references, optional: Array(spec.numbers.keys))
        else { return nil }
        var references: [String: String] = [:]
        for key in spec.references {
            if let value = keys[key].flatMap({ reader.string($0, at: itemPath.appending(key)) }) {
                references[key] = value
            }
        }
        var numbers = spec.numbers
        for key in spec.numbers.keys {
            guard let node = keys[key] else { continue }
            if let value = reader.number(node, at: itemPath.appending(key), in: -1e9...1e9) { numbers[key] = value }
        }
        guard references.count == spec.references.count else { return nil }
        return Model(kind: kind, references: references, numbers: numbers)
    }

    private static func known(_ node: Node, at path: JSONPath, among names: [String], _ reader: inout NodeReader)
        -> String?
    {
        guard let value = reader.string(node, at: path) else { return nil }
        guard names.contains(value) else {
            reader.report(
                .invalidValue, at: path, expected: "one of " + names.sorted().joined(separator: ", "),
                found: "\"\(value)\"", suggestion: NearestMatch.suggestion(for: value, among: names), node: node)
            return nil
        }
        return value
    }
}
