import AgentRuntime
public import ConfigSupport
public import DaemonComposition
import Foundation
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
        var unreadable: [ConfigIssue] = []
        for (index, device) in hardware.devices.enumerated() {
            let file =
                device.map.hasPrefix("/")
                ? device.map : folder.appendingPathComponent(device.map).standardizedFileURL.path
            guard FileManager.default.isReadableFile(atPath: file) else {
                unreadable.append(
                    ConfigIssue(
                        .invalidValue, path: "$.device.hardware.devices[\(index)].map",
                        expected: "a readable register map file", found: "\"\(file)\""))
                continue
            }
            do {
                maps[device.name] = try RegisterMap.load(file: file)
            } catch {
                problems.append(error)
            }
        }
        if !unreadable.isEmpty {
            problems.insert(DocumentError(.invalid, file: configurationFile, issues: unreadable), at: 0)
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
            ]
        ).merged(with: ModbusDeviceSettings.section.lifted(\.placement))
    }
}
