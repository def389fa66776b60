public import AgentRuntime
public import DaemonComposition
public import HAL

/// One part a daemon's configuration uses, by board name: what `curbctl check` opens or probes and what the wiring
/// commands (`curbctl gpio|i2c|modbus`) find by its logical name.
public struct ConfiguredPart: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        /// A GPIO input line (board name or alias).
        case input(line: String, activeLow: Bool)
        /// A GPIO output line and the level the daemon holds it at when safe; a check requests it at that level.
        case output(line: String, activeLow: Bool, safe: GPIOValue)
        /// An I²C chip on a board bus, by its driver's name (`BME280`).
        case chip(bus: String, address: I2CAddress, chip: String)
        /// A Modbus device on a board serial port or at a TCP address.
        case modbus(ModbusDeviceSettings)
    }

    /// The role in the configuration (`relay`, `climate`, `zones[0].presence`).
    public var name: String
    /// Where the configuration names it (`$.device.hardware.relay`), for messages.
    public var configPath: String
    public var kind: Kind

    public init(name: String, configPath: String, kind: Kind) {
        self.name = name
        self.configPath = configPath
        self.kind = kind
    }

    /// The board GPIO line name, for lines.
    public var line: String? {
        switch kind {
        case .input(let line, _), .output(let line, _, _): line
        case .chip, .modbus: nil
        }
    }
}

/// A daemon's `device` section that can list the parts it uses, so a check opens exactly what the daemon opens.
public protocol PartsInventory: DeviceConfiguration {
    /// Every part, in the order the daemon opens them.
    var parts: [ConfiguredPart] { get }
}

extension ConfiguredPart {
    /// A part under `$.device.hardware`.
    static func hardware(_ key: String, _ kind: Kind) -> ConfiguredPart {
        ConfiguredPart(name: key, configPath: "$.device.hardware.\(key)", kind: kind)
    }

    /// An I²C chip under `$.device.hardware` at an optional address (nil: the configuration leaves it out), named
    /// `role` where the key is not a role (vibrationd's `address` is the accelerometer's).
    static func chip(_ key: String, bus: String, _ address: UInt8?, _ chip: String, role: String? = nil)
        -> ConfiguredPart?
    {
        guard let address, let i2c = I2CAddress(rawValue: address) else { return nil }
        return ConfiguredPart(
            name: role ?? key, configPath: "$.device.hardware.\(key)", kind: .chip(bus: bus, address: i2c, chip: chip))
    }
}
