import AgentRuntime
public import ConfigSupport
public import DaemonComposition
import FoundationEssentials
public import ModbusBridgeLogic
import Yams

/// The `device` section of modbusd's configuration: the devices (`hardware`, local only: where each sits and which
/// register map describes it) and how unanswering devices are treated (`ModbusBridgeSettings`, remotely settable).
///
/// ```yaml
/// device:
///   hardware:
///     devices:
///       - {name: meter, map: ../modbus/sdm630.yaml, serial: rs485-1, baud: 9600, parity: even, unit: 2}
///       - {name: stack, map: ../modbus/fuel-cell-controller.yaml, tcp: "192.0.2.10:502", unit: 1}
///   offline_after: 3
/// ```
public struct ModbusdConfiguration: Sendable, Hashable {
    public struct Hardware: Sendable, Hashable {
        public var devices: [Device] = []
        public init() {}
    }

    /// One polled device: its name (the first level of its telemetry streams), its register map file and where it
    /// sits (the keys of `ModbusDeviceSettings`).
    public struct Device: Sendable, Hashable {
        public var name: String
        /// The map file as written; relative to the configuration file's folder.
        public var map = ""
        public var placement = ModbusDeviceSettings.Placement()
        /// Poll periods of this device that differ from its map's, by group name (two meters on one map, one read
        /// more often).
        public var periods: [String: Duration] = [:]
        public init(name: String) { self.name = name }

        /// Where the device sits; nil only for a placement the reader refused.
        public var settings: ModbusDeviceSettings? { ModbusDeviceSettings(placement: placement) }
    }

    public var hardware = Hardware()
    public var settings = ModbusBridgeSettings()
    /// The register maps by device name, loaded by `loadReferencedFiles` (not part of the file's text).
    public var maps: [String: RegisterMap] = [:]

    public init() {}

    public static var localSection: ConfigSection<ModbusdConfiguration> {
        ConfigSection(
            doc: "The `device` section of modbusd's configuration. `hardware` is local only; everything else may "
                + "also come through remote configuration (config/desired).",
            keys: [.section("hardware", \.hardware, Hardware.section)])
    }

    /// Loads every device's register map; a map that cannot be read is reported at the key that names it, a map with
    /// problems under its own file's name with each problem's path in the map.
    public mutating func loadReferencedFiles(configurationFile: String) -> [DocumentError] {
        let folder = URL(fileURLWithPath: configurationFile).deletingLastPathComponent()
        var problems: [DocumentError] = []
        var fileIssues: [ConfigIssue] = []
        // Devices of one model share a map file: it is read and validated once.
        var loaded: [String: Result<RegisterMap, DocumentError>] = [:]
        for (index, device) in hardware.devices.enumerated() {
            let file =
                device.map.hasPrefix("/")
                ? device.map : folder.appendingPathComponent(device.map).standardizedFileURL.path
            guard FileManager.default.isReadableFile(atPath: file) else {
                fileIssues.append(
                    ConfigIssue(
                        .invalidValue, path: "$.device.hardware.devices[\(index)].map",
                        expected: "a readable register map file", found: "\"\(file)\""))
                continue
            }
            do {
                let result = loaded[file] ?? Result { () throws(DocumentError) in try RegisterMap.load(file: file) }
                loaded[file] = result
                var map = try result.get()
                for (group, period) in device.periods.sorted(by: { $0.key < $1.key }) {
                    guard let at = map.groups.firstIndex(where: { $0.name == group }) else {
                        let names = map.groups.map(\.name)
                        fileIssues.append(
                            ConfigIssue(
                                .unknownReference, path: "$.device.hardware.devices[\(index)].periods_ms.\(group)",
                                expected: "a group of \(device.map) (" + names.joined(separator: ", ") + ")",
                                found: "\"\(group)\"", suggestion: NearestMatch.suggestion(for: group, among: names)))
                        continue
                    }
                    map.groups[at].period = period
                }
                maps[device.name] = map
            } catch {
                problems.append(error)
            }
        }
        if !fileIssues.isEmpty {
            problems.insert(DocumentError(.invalid, file: configurationFile, issues: fileIssues), at: 0)
        }
        return problems
    }
}

extension ModbusdConfiguration.Hardware {
    static var section: ConfigSection<Self> {
        ConfigSection(
            doc: "The polled devices. Local only: a remote change is refused.",
            keys: [
                .list(
                    "devices", \.devices, of: "Modbus devices", minimumCount: 1,
                    item: ModbusdConfiguration.Device.section,
                    seed: ModbusdConfiguration.Device(name: ""),
                    doc:
                        "Every device modbusd polls; devices on one serial port share its one owner and line settings.",
                    accept: { reader, entry, _ in entry.hasOwnName("name", \.name, among: "device", &reader) })
            ])
    }
}

extension ModbusdConfiguration.Device {
    /// `periods_ms: {power: 5000}`: group periods of this device that differ from its map's.
    static var periodsKey: ConfigKey<Self> {
        ConfigKey(
            "periods_ms", doc: "Poll periods of this device's groups that differ from its map's, by group name.",
            keywords: { _ in
                [
                    SchemaJSON.Member("type", .string("object")),
                    SchemaJSON.Member(
                        "additionalProperties",
                        .object([
                            SchemaJSON.Member("type", .string("integer")), SchemaJSON.Member("minimum", .number(10)),
                            SchemaJSON.Member("maximum", .number(86_400_000)),
                            SchemaJSON.Member("x-unit", .string("ms")),
                        ])),
                ]
            },
            read: { reader, node, path, device in
                // The same range as a map's period_ms.
                for (group, periodNode) in reader.entries(node, at: path, of: "poll periods by group") {
                    if let period = reader.integer(
                        periodNode, at: path.appending(group), in: 10...86_400_000, unit: "ms")
                    {
                        device.periods[group] = .milliseconds(period)
                    }
                }
            })
    }

    static var section: ConfigSection<Self> {
        ConfigSection(
            doc: "One Modbus device: its name, its register map and where it sits.",
            keys: [
                .string(
                    "name", \.name, what: "a name of letters, digits, '_' and '-'", pattern: "^[A-Za-z][A-Za-z0-9_-]*$",
                    doc: "The device's name: telemetry/{name}/{group}, and the device of a write command."
                ).required(),
                .string(
                    "map", \.map,
                    doc: "Register map file (Firmware-config/schema/modbus-map.schema.json), relative to "
                        + "this configuration file."
                ).required(),
                periodsKey,
            ]
        ).merged(with: ModbusDeviceSettings.section.lifted(\.placement))
    }
}
