public import ConfigSupport
public import VibrationLogic
public import Yams

/// The `device` section of vibrationd's configuration: where the accelerometer sits (`hardware`, local only) and the
/// analysis, alarm and capture settings (`VibrationSettings`).
///
/// ```yaml
/// device:
///   hardware: {i2c_bus: i2c-1, address: 0x1D, interrupt: accelDataReady, range_g: 2, watermark_samples: 16}
///   odr_hz: 1000
///   structure_class: line2
/// ```
public struct VibrationConfiguration: Sendable, Hashable {
    public struct Hardware: Sendable, Hashable {
        public var i2cBus = "i2c-1"
        public var address: UInt8 = 0x1D
        /// The board line INT1 is wired to (FIFO watermark and overrun, active high).
        public var interrupt = "accelDataReady"
        public var rangeG = 2
        /// FIFO watermark in samples (1…32): an interrupt every `watermark_samples / odr_hz` seconds.
        public var watermarkSamples = 16
        public init() {}
    }

    public var hardware = Hardware()
    public var settings = VibrationSettings()

    public init() {}

    public static func read(_ reader: inout NodeReader, _ node: Node?, at path: JSONPath) -> VibrationConfiguration? {
        var configuration = VibrationConfiguration()
        guard let node else { return configuration }
        let issuesBefore = reader.issues.count
        guard let (taken, rest) = reader.split(node, at: path, taking: ["hardware"]) else { return nil }
        if let hardware = taken["hardware"] {
            configuration.hardware = readHardware(&reader, hardware, at: path.appending("hardware"))
        }
        guard let settings = VibrationSettings.read(&reader, rest, at: path) else { return nil }
        configuration.settings = settings
        return reader.issues.count == issuesBefore ? configuration : nil
    }

    private static func readHardware(_ reader: inout NodeReader, _ node: Node, at path: JSONPath) -> Hardware {
        var hardware = Hardware()
        let keys =
            reader.object(
                node, at: path, required: [],
                optional: ["i2c_bus", "address", "interrupt", "range_g", "watermark_samples"]) ?? [:]
        if let node = keys["i2c_bus"], let value = reader.string(node, at: path.appending("i2c_bus")) {
            hardware.i2cBus = value
        }
        if let node = keys["address"], let value = reader.integer(node, at: path.appending("address"), in: 0x03...0x77)
        {
            hardware.address = UInt8(value)
        }
        if let node = keys["interrupt"], let value = reader.string(node, at: path.appending("interrupt")) {
            hardware.interrupt = value
        }
        if let node = keys["range_g"] {
            if let value = reader.integer(node, at: path.appending("range_g"), in: 2...8, unit: "g") {
                if [2, 4, 8].contains(value) {
                    hardware.rangeG = value
                } else {
                    reader.report(
                        .invalidValue, at: path.appending("range_g"), expected: "2, 4 or 8 (g)", found: "\(value)",
                        node: node)
                }
            }
        }
        if let node = keys["watermark_samples"],
            let value = reader.integer(node, at: path.appending("watermark_samples"), in: 1...32)
        {
            hardware.watermarkSamples = value
        }
        return hardware
    }
}
