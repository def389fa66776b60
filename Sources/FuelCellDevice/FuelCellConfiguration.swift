public import ConfigSupport
public import DaemonComposition
public import FuelCellLogic
public import Yams

/// The `device` section of fuelcelld's configuration: where the controller, the H₂ detector, the E-stop and the
/// actuators sit, and the local safety limits (`hardware`, local only); the sequence timing and demand response
/// (`FuelCellSettings`, also remotely settable).
///
/// ```yaml
/// device:
///   hardware:
///     controller: {tcp: "192.0.2.10:502", unit: 1}
///     h2_sensor: {bus: i2c-1, address: 0x48, channel: 0}
///     e_stop: eStop
///     limits: {power_ceiling_kw: 440, ramp_ceiling_kw_per_s: 10}
///   ramp_kw_per_s: 5
/// ```
public struct FuelCellConfiguration: Sendable, Hashable {
    public struct Hardware: Sendable, Hashable {
        /// The fuel-cell controller (generic register map) on Modbus TCP or RTU.
        public var controller = ModbusDeviceSettings.Placement.controllerDefault
        public var h2Sensor = HydrogenSensor()
        /// The leak detector's digital alarm contact (active = alarm).
        public var leakContact = "h2Leak"
        /// The emergency-stop chain, normally closed: active (closed) is healthy, inactive (open) trips.
        public var emergencyStop = "eStop"
        public var faultReset: String? = nil
        public var inputsActiveLow = false
        /// The H₂ shut-off valve, energise-to-open.
        public var valve = "h2Valve"
        public var ventilation = "ventFan"
        /// Cells in the stack, for the voltage efficiency.
        public var stackCells = 48
        /// The controller's own communication watchdog, seconds (0: off); kicked by every poll.
        public var controllerWatchdogSeconds = 5
        public var poll: Duration = .milliseconds(200)
        public var sensorPeriod: Duration = .milliseconds(50)
        public var limits = FuelCellLimits()
        /// How long the control loop may go without a step before the watchdog makes the plant safe.
        public var stallLimit: Duration = .seconds(1)
        public init() {}
    }

    /// The H₂ detector's analog output on an ADS1115 input: a live-zero signal (4–20 mA across 100 Ω reads
    /// 0.4–2.0 V), so a broken wire reads as a fault, not as clean air.
    public struct HydrogenSensor: Sendable, Hashable {
        public var bus = "sim-i2c-0"
        public var address: UInt8 = 0x48
        public var channel = 0
        public var zeroVolts = 0.4
        public var fullScaleVolts = 2.0
        public var fullScaleLFL = 100.0
        public init() {}

        /// %LFL for a reading, or nil outside the live range (more than 0.1 V below zero, i.e. < 3 mA on a 4–20 mA
        /// loop, or more than 10 % above full scale).
        public func percentLFL(volts: Double) -> Double? {
            let span = fullScaleVolts - zeroVolts
            guard volts.isFinite, volts >= zeroVolts - 0.1 * span / 1.6, volts <= fullScaleVolts + 0.1 * span else {
                return nil
            }
            return max(0, (volts - zeroVolts) / span * fullScaleLFL)
        }
    }

    public var hardware = Hardware()
    public var settings = FuelCellSettings()

    public init() {}

    /// Reads the section, then holds the settings to the power and ramp ceilings of its own (local-only) hardware
    /// section: a remote configuration carries the local hardware section unchanged, so a `ramp_kw_per_s`,
    /// `warm_up_kw` or `start_power_kw` above the local ceilings is refused with the envelope's name, and the running
    /// settings stay.
    public static func read(_ reader: inout NodeReader, _ node: Node?, at path: JSONPath) -> Self? {
        guard
            let configuration = localSection.read(
                &reader, node, at: path, defaults: Self(), rest: \.settings, FuelCellSettings.read)
        else { return nil }
        let limits = configuration.hardware.limits
        let settings = configuration.settings
        let checks = [
            (limits.rampEnvelope, "ramp_kw_per_s", settings.rampKWPerSecond),
            (limits.powerEnvelope, "warm_up_kw", settings.warmUpKW),
            (limits.powerEnvelope, "start_power_kw", settings.startPowerKW),
        ]
        var kept = true
        for (envelope, key, value) in checks {
            kept = envelope.checkGiven(value, key: key, of: node, at: path, reader: &reader) && kept
        }
        return kept ? configuration : nil
    }

    public static var localSection: ConfigSection<FuelCellConfiguration> {
        ConfigSection(
            doc:
                "The `device` section of fuelcelld's configuration. `hardware` is local only; everything else may "
                + "also come through remote configuration (config/desired).",
            keys: [.section("hardware", \.hardware, Hardware.section)])
    }
}

extension ModbusDeviceSettings.Placement {
    /// The controller at the generic map's default: unit 1 on Modbus TCP port 502.
    static var controllerDefault: Self {
        var placement = Self()
        placement.tcp = "fuel-cell-controller:502"
        placement.timeoutMs = 300
        return placement
    }
}

extension FuelCellConfiguration.Hardware {
    static var section: ConfigSection<Self> {
        ConfigSection(
            doc: "Where the parts sit and the safety limits. Local only: a remote change is refused.",
            keys: [
                .section("controller", \.controller, ModbusDeviceSettings.section),
                .section("h2_sensor", \.h2Sensor, FuelCellConfiguration.HydrogenSensor.section),
                .string("leak_contact", \.leakContact, doc: "Board GPIO line of the leak detector's alarm contact."),
                .string(
                    "e_stop", \.emergencyStop,
                    doc: "Board GPIO line of the emergency-stop chain (normally closed: open trips)."),
                .string(
                    "fault_reset", \.faultReset, parse: { $0 == "none" ? .some(nil) : $0 }, format: { $0 ?? "none" },
                    doc: "Board GPIO line of the local fault-reset key switch (a rising edge resets), or \"none\"."),
                .bool("inputs_active_low", \.inputsActiveLow, doc: "Every input is active at a low level."),
                .string("valve", \.valve, doc: "Board GPIO line of the H2 shut-off valve (energise-to-open)."),
                .string("ventilation", \.ventilation, doc: "Board GPIO line of the enclosure ventilation fan."),
                .integer("stack_cells", \.stackCells, 1...2_000, doc: "Cells in the stack (voltage efficiency)."),
                .integer(
                    "controller_watchdog_s", \.controllerWatchdogSeconds, 0...600, "s",
                    doc: "The controller's communication watchdog, armed at start and kicked by every poll; 0 = off."),
                // Faster than 50 ms loads an RS-485 line for nothing; slower than 2 s hides a fault for too long.
                .integer(
                    "poll_ms", \.poll, 50...2_000, "ms", as: .milliseconds,
                    doc: "Period of the controller status poll."),
                .integer(
                    "sensor_ms", \.sensorPeriod, 10...1_000, "ms", as: .milliseconds,
                    doc: "Period of the H2 detector reading."),
                .section("limits", \.limits, FuelCellLimits.section),
                .stallLimit(\.stallLimit, loop: "control loop", steps: "100 ms", default: "1000"),
            ])
    }
}

extension FuelCellConfiguration.HydrogenSensor {
    static var section: ConfigSection<Self> {
        ConfigSection(
            doc: "The H2 detector's analog output on an ADS1115 input.",
            keys: [
                .string("bus", \.bus, doc: "Board I2C bus of the ADS1115."),
                .i2cAddress("address", \.address, doc: "ADS1115 address (0x48…0x4B)."),
                .integer("channel", \.channel, 0...3, doc: "ADS1115 input (AIN0…AIN3, single-ended)."),
                .number("zero_volts", \.zeroVolts, 0...4, "V", doc: "Reading at 0 %LFL (live zero)."),
                .number("full_scale_volts", \.fullScaleVolts, 0.1...4, "V", doc: "Reading at full scale."),
                .number("full_scale_lfl_pct", \.fullScaleLFL, 1...100, "%LFL", doc: "Full scale of the detector."),
            ],
            rules: [
                { reader, found, sensor in
                    guard sensor.fullScaleVolts <= sensor.zeroVolts else { return }
                    reader.report(
                        .invalidValue, at: found.path.appending("full_scale_volts"),
                        expected: "above zero_volts (\(sensor.zeroVolts) V)", found: "\(sensor.fullScaleVolts) V",
                        node: found.keys["full_scale_volts"] ?? found.node)
                }
            ])
    }
}
