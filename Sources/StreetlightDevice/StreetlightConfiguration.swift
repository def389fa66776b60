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
        /// The night envelope: while it is dark the lamp never burns below this, whatever a command or a remote
        /// configuration says (0: no envelope).
        public var minNightLevelPercent = 0.0
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

    /// The night envelope of the local hardware section, as refusals cite it.
    public var nightEnvelope: SafetyEnvelope {
        SafetyEnvelope("device.hardware.min_night_level_percent", .floor, hardware.minNightLevelPercent, unit: "%")
    }

    /// Why `percent` breaks the night envelope, or nil when it keeps it.
    public func nightEnvelopeRefusal(levelPercent percent: Double) -> String? {
        nightEnvelope.refusal(percent)
    }

    /// Reads the section, then holds the settings to the night envelope of its own (local-only) hardware section:
    /// a remote configuration carries the local hardware section unchanged, so its levels meet the local envelope.
    public static func read(_ reader: inout NodeReader, _ node: Node?, at path: JSONPath) -> Self? {
        guard
            let configuration = localSection.read(
                &reader, node, at: path, defaults: Self(), rest: \.settings, StreetlightSettings.read)
        else { return nil }
        var levels = [(path.appending("on_level"), configuration.settings.onLevelPercent)]
        for (index, entry) in configuration.settings.profile.enumerated() {
            levels.append((path.appending("profile").appending(index: index).appending("level"), entry.levelPercent))
        }
        var kept = true
        for (levelPath, level) in levels {
            kept = configuration.nightEnvelope.check(level, at: levelPath, node: node, reader: &reader) && kept
        }
        return kept ? configuration : nil
    }

    /// The keys this module reads beside `StreetlightSettings`: `hardware` (local only) and `environment`.
    public static var localSection: ConfigSection<StreetlightConfiguration> {
        ConfigSection(
            doc:
                "The `device` section of streetlightd's configuration. `hardware` is local only; everything else may "
                + "also come through remote configuration (config/desired).",
            keys: [
                .section("hardware", \.hardware, Hardware.section),
                .section("environment", \.environment, Environment.section),
            ])
    }

}

extension StreetlightConfiguration.Hardware {
    static var section: ConfigSection<Self> {
        ConfigSection(
            doc: "Where the parts sit, by board-file names and I²C addresses. Local only: a remote change is refused.",
            keys: [
                .string(
                    "i2c_bus", \.i2cBus, doc: "Board I²C bus name (i2c-1 on a Raspberry Pi, sim-i2c-0 on the rig)."),
                .string("relay", \.relay, doc: "Board GPIO line (name or alias) switching the lamp relay."),
                .bool("relay_active_low", \.relayActiveLow, doc: "Relay driver energises on a low level."),
                .string(
                    "motion", \.motion, parse: { $0 == "none" ? .some(nil) : $0 }, format: { $0 ?? "none" },
                    doc: "Board GPIO line of the presence sensor, or \"none\"."),
                .i2cAddress("dimmer", \.dimmer, doc: "PCA9685 address (0x40)."),
                .integer(
                    "dimmer_channel", \.dimmerChannel, 0...15,
                    doc: "PCA9685 channel driving the LED driver's dimming input."),
                .i2cAddressOrNone(
                    "lux", \.lux, doc: "VEML7700 ambient light sensor (7-bit I²C address, or \"none\" when absent)."),
                .i2cAddressOrNone(
                    "climate", \.climate,
                    doc: "BME280 temperature/humidity/pressure sensor (7-bit I²C address, or \"none\" when absent)."),
                .i2cAddressOrNone(
                    "dust", \.dust, doc: "SPS30 particulate sensor (7-bit I²C address, or \"none\" when absent)."),
                .i2cAddressOrNone(
                    "meter", \.meter, doc: "INA219 on the lamp supply (7-bit I²C address, or \"none\" when absent)."),
                .number("shunt_ohms", \.shuntOhms, 0.001...10, "Ω", doc: "INA219 shunt resistor."),
                .number(
                    "max_amps", \.maxAmps, 0.01...20, "A",
                    doc: "Largest expected lamp supply current (sets the INA219 calibration)."),
                .number(
                    "min_night_level_percent", \.minNightLevelPercent, 0...100, "%",
                    doc: "Safety envelope: at night the lamp never goes below this level, whatever a command "
                        + "(set-level, set-profile) or a remote configuration (on_level, profile) asks; those are "
                        + "refused. 0: no envelope."),
            ])
    }
}

extension StreetlightConfiguration.Environment {
    static var section: ConfigSection<Self> {
        ConfigSection(
            doc: "Environment telemetry.",
            keys: [
                .integer(
                    "interval_s", \.interval, 1...86_400, "s", as: .seconds,
                    doc: "Period of telemetry/environment and telemetry/lamp."),
                .integer(
                    "dust_warmup_s", \.dustWarmup, 0...600, "s", as: .seconds,
                    doc: "SPS30 readings are held back this long after start-up (datasheet: 8–30 s to full precision)."),
                // The SPS30 accepts 0 (off) up to 2^32 − 1 s; more than a month between cleanings defeats the point.
                .integer(
                    "dust_clean_interval_s", \.dustCleanIntervalSeconds, 0...2_678_400, "s", as: .narrowed,
                    doc: "SPS30 fan auto-cleaning interval (0 = off; the sensor's default is one week)."),
            ])
    }
}
