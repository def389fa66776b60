public import ConfigSupport
public import StreetlightLogic
public import Yams

/// The `device` section of streetlightd's configuration: where the parts sit (`hardware`, local only), how often
/// the environment is sampled (`environment`), and the dimming and lamp-health settings (`StreetlightSettings`).
///
/// ```yaml
/// device:
///   hardware: {i2c_bus: i2c-1, relay: lampRelay, motion: motion, dimmer: 0x40, lux: 0x10, climate: 0x76,
///              dust: 0x69, meter: 0x45}
///   environment: {interval_s: 60, dust_warmup_s: 30, dust_clean_interval_s: 604800}
///   latitude: 37.5665
///   lux_on: 30
/// ```
public struct StreetlightConfiguration: Sendable, Hashable {
    /// Which board names and I²C addresses the parts use. A sensor set to `none` is absent.
    public struct Hardware: Sendable, Hashable {
        public var i2cBus = "i2c-1"
        public var relay = "lampRelay"
        public var relayActiveLow = false
        public var motion: String? = "motion"
        public var dimmer: UInt8 = 0x40
        public var dimmerChannel = 0
        public var lux: UInt8? = 0x10
        public var climate: UInt8? = 0x76
        public var dust: UInt8? = 0x69
        public var meter: UInt8? = 0x45
        public var shuntOhms = 0.1
        public var maxAmps = 3.2
        public init() {}
    }

    public struct Environment: Sendable, Hashable {
        public var interval: Duration = .seconds(60)
        /// The SPS30 reaches its specified precision 8–30 s after start-up (datasheet 1.1, footnote 5): readings
        /// before that are not published.
        public var dustWarmup: Duration = .seconds(30)
        /// The SPS30's fan auto-cleaning interval; 604 800 s (one week) is the sensor's default.
        public var dustCleanIntervalSeconds: UInt32 = 604_800
        public init() {}
    }

    public var hardware = Hardware()
    public var environment = Environment()
    public var settings = StreetlightSettings()

    public init() {}

    /// Reads the `device` section (absent: defaults), every problem recorded with its path.
    public static func read(_ reader: inout NodeReader, _ node: Node?, at path: JSONPath) -> StreetlightConfiguration? {
        var configuration = StreetlightConfiguration()
        guard let node else { return configuration }
        let issuesBefore = reader.issues.count
        guard let (taken, rest) = reader.split(node, at: path, taking: ["hardware", "environment"]) else { return nil }
        if let hardware = taken["hardware"] {
            configuration.hardware = readHardware(&reader, hardware, at: path.appending("hardware"))
        }
        if let environment = taken["environment"] {
            configuration.environment = readEnvironment(&reader, environment, at: path.appending("environment"))
        }
        guard let settings = StreetlightSettings.read(&reader, rest, at: path) else { return nil }
        configuration.settings = settings
        return reader.issues.count == issuesBefore ? configuration : nil
    }

    private static func readHardware(_ reader: inout NodeReader, _ node: Node, at path: JSONPath) -> Hardware {
        var hardware = Hardware()
        let keys =
            reader.object(
                node, at: path, required: [],
                optional: [
                    "i2c_bus", "relay", "relay_active_low", "motion", "dimmer", "dimmer_channel", "lux", "climate",
                    "dust", "meter", "shunt_ohms", "max_amps",
                ]) ?? [:]
        if let node = keys["i2c_bus"], let value = reader.string(node, at: path.appending("i2c_bus")) {
            hardware.i2cBus = value
        }
        if let node = keys["relay"], let value = reader.string(node, at: path.appending("relay")) {
            hardware.relay = value
        }
        if let node = keys["relay_active_low"], let value = reader.bool(node, at: path.appending("relay_active_low")) {
            hardware.relayActiveLow = value
        }
        if let node = keys["motion"], let value = reader.string(node, at: path.appending("motion")) {
            hardware.motion = value == "none" ? nil : value
        }
        func address(_ key: String, optional: Bool) -> UInt8?? {
            guard let node = keys[key] else { return .none }
            if optional, node.string == "none" { return .some(nil) }
            return reader.integer(node, at: path.appending(key), in: 0x03...0x77).map { .some(UInt8($0)) }
        }
        if case .some(let value?) = address("dimmer", optional: false) { hardware.dimmer = value }
        if case .some(let value) = address("lux", optional: true) { hardware.lux = value }
        if case .some(let value) = address("climate", optional: true) { hardware.climate = value }
        if case .some(let value) = address("dust", optional: true) { hardware.dust = value }
        if case .some(let value) = address("meter", optional: true) { hardware.meter = value }
        if let node = keys["dimmer_channel"],
            let value = reader.integer(node, at: path.appending("dimmer_channel"), in: 0...15)
        {
            hardware.dimmerChannel = value
        }
        if let node = keys["shunt_ohms"],
            let value = reader.number(node, at: path.appending("shunt_ohms"), in: 0.001...10, unit: "Ω")
        {
            hardware.shuntOhms = value
        }
        if let node = keys["max_amps"],
            let value = reader.number(node, at: path.appending("max_amps"), in: 0.01...20, unit: "A")
        {
            hardware.maxAmps = value
        }
        return hardware
    }

    private static func readEnvironment(_ reader: inout NodeReader, _ node: Node, at path: JSONPath) -> Environment {
        var environment = Environment()
        let keys =
            reader.object(
                node, at: path, required: [], optional: ["interval_s", "dust_warmup_s", "dust_clean_interval_s"])
            ?? [:]
        if let node = keys["interval_s"],
            let value = reader.integer(node, at: path.appending("interval_s"), in: 1...86_400, unit: "s")
        {
            environment.interval = .seconds(value)
        }
        if let node = keys["dust_warmup_s"],
            let value = reader.integer(node, at: path.appending("dust_warmup_s"), in: 0...600, unit: "s")
        {
            environment.dustWarmup = .seconds(value)
        }
        // The SPS30 accepts 0 (off) up to 2^32 − 1 s; more than a month between cleanings defeats the point.
        if let node = keys["dust_clean_interval_s"],
            let value = reader.integer(node, at: path.appending("dust_clean_interval_s"), in: 0...2_678_400, unit: "s")
        {
            environment.dustCleanIntervalSeconds = UInt32(value)
        }
        return environment
    }
}
