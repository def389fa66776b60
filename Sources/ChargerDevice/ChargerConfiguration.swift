public import ChargerLogic
public import ConfigSupport
public import DaemonComposition
import HAL
public import Yams

/// The `device` section of chargerd's configuration: where the parts sit and the local current ceiling (`hardware`,
/// local only) and the charging settings (`ChargerSettings`), which remote configuration may change.
///
/// ```yaml
/// device:
///   hardware:
///     i2c_bus: sim-i2c-0
///     pwm: 0x41
///     adc: 0x48
///     contactor: contactor
///     meter: {serial: rs485-0, unit: 1}
///     ceiling_a: 32
///   max_current_a: 32
/// ```
public struct ChargerConfiguration: Sendable, Hashable {
    /// Board names, I²C addresses and the pilot front end's scaling; the ceiling no command can lift.
    public struct Hardware: Sendable, Hashable {
        public var i2cBus = "sim-i2c-0"
        /// PCA9685 generating the 1 kHz pilot (full on: +12 V, full off: −12 V through the ±12 V driver).
        public var pwm: UInt8 = 0x41
        public var pwmChannel = 0
        /// ADS1115 sampling the pilot's high and low levels (peak-hold stages on two inputs) and the PP divider.
        public var adc: UInt8 = 0x48
        public var cpHighChannel = 0
        public var cpLowChannel = 1
        /// The front end maps the pilot's ±12 V into the ADC's range: ADC volts = (CP volts + offset) × scale.
        public var cpScale = 0.1
        public var cpOffsetVolts = 12.0
        /// The PP resistor against a pull-up: nil for a tethered cable (rated `tetheredCableAmps`).
        public var ppChannel: Int? = 2
        public var ppPullupOhms = 1_000.0
        public var ppSupplyVolts = 3.3
        public var tetheredCableAmps = 32.0
        public var contactor = "contactor"
        public var contactorFeedback = "contactorFeedback"
        public var rcd = "rcdFault"
        public var lock = "cableLock"
        public var lockFeedback = "cableLockFeedback"
        public var meter = ModbusDeviceSettings.Placement()
        /// The local ceiling on the offered current: the supply's and the contactor's rating.
        public var ceilingAmps = 32.0
        /// How long the pilot loop may go without a step before the watchdog makes the charge point safe.
        public var stallLimit: Duration = .milliseconds(500)

        public init() {
            meter.serial = "rs485-0"
            // As Eastron ships the SDM630: 9600 Bd, 8N1, unit 1 (SDM630MCT-ML user manual V1.2).
            meter.parity = .none
        }
    }

    public var hardware = Hardware()
    public var settings = ChargerSettings()

    public init() {}

    /// The current ceiling of the local hardware section, as refusals cite it.
    public var currentEnvelope: SafetyEnvelope {
        SafetyEnvelope("device.hardware.ceiling_a", .ceiling, hardware.ceilingAmps, unit: "A")
    }

    /// Reads the section, then holds `max_current_a` to the ceiling of its own (local-only) hardware section: a remote
    /// configuration carries the local hardware section unchanged, so a maximum above the local ceiling is refused
    /// with the envelope's name, and the running settings stay.
    public static func read(_ reader: inout NodeReader, _ node: Node?, at path: JSONPath) -> Self? {
        guard
            let configuration = localSection.read(
                &reader, node, at: path, defaults: Self(), rest: \.settings, ChargerSettings.read),
            configuration.currentEnvelope.checkGiven(
                configuration.settings.maxCurrentAmps, key: "max_current_a", of: node, at: path, reader: &reader)
        else { return nil }
        return configuration
    }

    public static var localSection: ConfigSection<ChargerConfiguration> {
        ConfigSection(
            doc:
                "The `device` section of chargerd's configuration. `hardware` is local only; everything else may "
                + "also come through remote configuration (config/desired).",
            keys: [.section("hardware", \.hardware, Hardware.section)])
    }
}

extension ChargerConfiguration.Hardware {
    static var section: ConfigSection<Self> {
        ConfigSection(
            doc:
                "Where the parts sit, by board-file names and I²C addresses, and the local current ceiling. Local only: "
                + "a remote change is refused.",
            keys: [
                .string("i2c_bus", \.i2cBus, doc: "Board I²C bus of the pilot's PWM and ADC."),
                .i2cAddress("pwm", \.pwm, doc: "PCA9685 generating the control pilot (0x40…0x7F)."),
                .integer("pwm_channel", \.pwmChannel, 0...15, doc: "PCA9685 channel driving the pilot."),
                .i2cAddress("adc", \.adc, doc: "ADS1115 sampling the pilot levels and the PP divider."),
                .integer("cp_high_channel", \.cpHighChannel, 0...3, doc: "ADS1115 input with the pilot's high level."),
                .integer("cp_low_channel", \.cpLowChannel, 0...3, doc: "ADS1115 input with the pilot's low level."),
                // A front end must bring ±12 V into 0…4.096 V: scale 0.05…0.17 covers the usual dividers.
                .number("cp_scale", \.cpScale, 0.01...1, doc: "ADC volts per pilot volt (front-end divider)."),
                .number("cp_offset_v", \.cpOffsetVolts, 0...24, "V", doc: "Pilot volts added before scaling."),
                .integerOrNone(
                    "pp_channel", \.ppChannel, 0...3, as: .identity,
                    doc: "ADS1115 input of the proximity-pilot divider, or \"none\" for a tethered cable."),
                .number("pp_pullup_ohm", \.ppPullupOhms, 10...100_000, "Ω", doc: "PP pull-up resistor."),
                .number("pp_supply_v", \.ppSupplyVolts, 1...5, "V", doc: "PP pull-up supply."),
                .number(
                    "tethered_cable_a", \.tetheredCableAmps, 6...80, "A",
                    doc: "Rating of a tethered cable (used when pp_channel is none)."),
                .string("contactor", \.contactor, doc: "Board GPIO line of the contactor coil (active: closed)."),
                .string(
                    "contactor_feedback", \.contactorFeedback,
                    doc: "Board GPIO line of the contactor's auxiliary contact (active: closed)."),
                .string("rcd", \.rcd, doc: "Board GPIO line of the RCD / RDC-DD trip output (active: tripped)."),
                .string("lock", \.lock, doc: "Board GPIO line of the cable lock motor (active: lock)."),
                .string("lock_feedback", \.lockFeedback, doc: "Board GPIO line of the lock feedback (active: locked)."),
                .section("meter", \.meter, ModbusDeviceSettings.section),
                // No command or remote configuration can offer more than this (supply, contactor, wiring).
                .number(
                    "ceiling_a", \.ceilingAmps, 6...80, "A",
                    doc:
                        "Safety envelope: the offered current never exceeds this, whatever set-current-limit or "
                        + "max_current_a say; a max_current_a above it is refused (a set-current-limit above it is "
                        + "held to it, and the reply says so)."),
                .stallLimit(\.stallLimit, loop: "pilot loop", steps: "10 ms", default: "500"),
            ])
    }
}
