public import ConfigSupport
public import Yams

extension FuelCellSettings {
    /// The `device` keys of the plant's sequence and demand response, each declared once: read from YAML and written
    /// into `Firmware-config/schema/fuelcelld-device.schema.json` (`make schemas`), defaults from `FuelCellSettings()`.
    public static var section: ConfigSection<FuelCellSettings> {
        ConfigSection(
            doc: "Start sequence timing and demand response.",
            keys: [
                // A few air changes of a small enclosure take seconds; ten minutes is beyond any cabinet.
                .integer(
                    "purge_s", \.purge, 1...600, "s", as: .seconds,
                    doc: "Enclosure ventilation with the H2 valve closed before a start."),
                // PEM and SOFC controllers reach running in seconds to tens of minutes.
                .integer(
                    "start_timeout_s", \.startTimeout, 5...3_600, "s", as: .seconds,
                    doc: "The controller must report running this long after the run request, else the plant trips."),
                .integer(
                    "warm_up_s", \.warmUp, 0...7_200, "s", as: .seconds,
                    doc: "Time at the warm-up power before the set-point follows the demand."),
                .number(
                    "warm_up_kw", \.warmUpKW, 0...10_000, "kW",
                    doc: "Set-point during warm-up (above hardware.limits.power_ceiling_kw is refused)."),
                // Stacks take load changes of a few percent of rating per second; 0.01 kW/s keeps a ramp moving.
                .number(
                    "ramp_kw_per_s", \.rampKWPerSecond, 0.01...1_000, "kW/s",
                    doc:
                        "Largest set-point change per second, up and down (demand-response ramps); never above "
                        + "hardware.limits.ramp_ceiling_kw_per_s."),
                .number(
                    "start_power_kw", \.startPowerKW, 0...10_000, "kW",
                    doc:
                        "Demand after a start without an earlier set-power (above hardware.limits.power_ceiling_kw is "
                        + "refused)."),
                .integer(
                    "telemetry_interval_s", \.telemetryInterval, 1...3_600, "s", as: .seconds,
                    doc: "Period of telemetry/plant."),
            ])
    }

    /// Reads and validates the plant keys of the `device` section at `path` (absent: the defaults).
    public static func read(_ reader: inout NodeReader, _ node: Node?, at path: JSONPath) -> FuelCellSettings? {
        section.read(&reader, node, at: path, defaults: FuelCellSettings())
    }
}

extension FuelCellLimits {
    /// The power ceiling as refusals cite it.
    public var powerEnvelope: SafetyEnvelope {
        SafetyEnvelope("device.hardware.limits.power_ceiling_kw", .ceiling, powerCeilingKW, unit: "kW")
    }

    /// The ramp ceiling as refusals cite it.
    public var rampEnvelope: SafetyEnvelope {
        SafetyEnvelope("device.hardware.limits.ramp_ceiling_kw_per_s", .ceiling, rampCeilingKWPerSecond, unit: "kW/s")
    }

    /// The local-only safety figures (`device.hardware.limits`).
    public static var section: ConfigSection<FuelCellLimits> {
        ConfigSection(
            doc: "Safety figures; local only, like the rest of hardware.",
            keys: [
                .number(
                    "power_ceiling_kw", \.powerCeilingKW, 0.1...10_000, "kW",
                    doc:
                        "No set-point above this, whatever a command, the remote configuration or the controller says; "
                        + "a set-power, warm_up_kw or start_power_kw above it is refused."
                ),
                .number(
                    "ramp_ceiling_kw_per_s", \.rampCeilingKWPerSecond, 0.01...1_000, "kW/s",
                    doc: "No set-point change faster than this, up or down; a remote ramp_kw_per_s above it is refused."
                ),
                // Gas-alarm practice: a first stage between 5 and 20 %LFL, the second at most 40 %LFL.
                .number(
                    "h2_warning_lfl_pct", \.hydrogenWarningLFL, 1...20, "%LFL",
                    doc: "H2 level of the warning (ventilation to full)."),
                .number(
                    "h2_trip_lfl_pct", \.hydrogenTripLFL, 5...40, "%LFL",
                    doc: "H2 level of the safety shutdown (above the warning level)."),
                // Shorter than a few polls would trip on one late answer; a minute leaves the stack unattended.
                .integer(
                    "link_lost_ms", \.linkLostAfter, 200...60_000, "ms", as: .milliseconds,
                    doc: "No good answer from the controller this long trips the plant."),
            ],
            rules: [
                { reader, found, limits in
                    guard found.invalid.isDisjoint(with: ["h2_warning_lfl_pct", "h2_trip_lfl_pct"]),
                        limits.hydrogenTripLFL <= limits.hydrogenWarningLFL
                    else { return }
                    reader.report(
                        .invalidValue, at: found.path.appending("h2_trip_lfl_pct"),
                        expected: "above h2_warning_lfl_pct (\(limits.hydrogenWarningLFL) %LFL)",
                        found: "\(limits.hydrogenTripLFL) %LFL", node: found.keys["h2_trip_lfl_pct"] ?? found.node)
                }
            ])
    }
}
