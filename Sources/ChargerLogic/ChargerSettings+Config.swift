public import ConfigSupport
public import Yams

extension ChargerSettings {
    /// The `device` keys of the charging logic, each declared once: read from YAML and written into
    /// `Firmware-config/schema/chargerd-device.schema.json` (`make schemas`), defaults from `ChargerSettings()`.
    public static var section: ConfigSection<ChargerSettings> {
        ConfigSection(
            doc: "Offered current, authorisation and supervision timing of the charge point.",
            keys: [
                // The PWM can offer 6…80 A (IEC 61851-1 Table A.8); the local ceiling in `hardware` caps it further.
                .number(
                    "max_current_a", \.maxCurrentAmps, 6...80, "A",
                    doc: "Largest current offered per phase (never above hardware.ceiling_a)."),
                .bool("free_vend", \.freeVend, doc: "Every connected vehicle charges without authorisation."),
                .list(
                    "allow_list", \.allowList, of: "authorised id tags", item: allowedTag, seed: "",
                    doc: "Id tags authorised locally (the authorize command checks against it)."),
                .bool("ventilation", \.ventilation, doc: "The site is ventilated: an EV in state D may charge."),
                // Lock motors take 0.3–1 s; ten seconds is a jammed lock by any measure.
                .integer(
                    "lock_timeout_ms", \.lockTimeout, 200...10_000, "ms", as: .milliseconds,
                    doc: "The lock feedback must follow the lock motor within this time (else lock failure)."),
                // Contactors switch in 20–100 ms; below 100 ms the rig's 100 ms model tick would trip it.
                .integer(
                    "contactor_timeout_ms", \.contactorTimeout, 100...5_000, "ms", as: .milliseconds,
                    doc: "The auxiliary contact must follow the contactor within this time (else welded / not closing)."
                ),
                .integer(
                    "authorization_timeout_s", \.authorizationTimeout, 5...600, "s", as: .seconds,
                    doc: "An authorisation given before plugging in is held this long."),
                // Three missed polls make a lost meter: 200 ms keeps the RS-485 line usable for other slaves.
                .integer(
                    "meter_interval_ms", \.meterInterval, 200...60_000, "ms", as: .milliseconds,
                    doc: "Energy meter poll period (three failures in a row: meter lost)."),
                .integer(
                    "telemetry_interval_s", \.telemetryInterval, 1...3_600, "s", as: .seconds,
                    doc: "Period of telemetry/charging."),
            ])
    }

    static var allowedTag: ConfigSection<String> {
        ConfigSection(
            doc: "One authorised id tag.",
            keys: [
                .string("id_tag", \.self, pattern: "^[!-~]{1,36}$", doc: "The id tag (OCPP IdToken, up to 36).")
                    .required()
            ])
    }

    /// Reads and validates the charging keys of the `device` section at `path` (absent: the defaults).
    public static func read(_ reader: inout NodeReader, _ node: Node?, at path: JSONPath) -> ChargerSettings? {
        section.read(&reader, node, at: path, defaults: ChargerSettings())
    }
}
