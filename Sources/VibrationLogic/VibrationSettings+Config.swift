public import ConfigSupport
public import Yams

extension VibrationSettings {
    /// The `device` keys of the analysis, alarms and captures, each declared once: read from YAML and written into
    /// `Firmware-config/schema/vibrationd-device.schema.json` (`make schemas`), defaults from `VibrationSettings()`.
    public static var section: ConfigSection<VibrationSettings> {
        let rates = adxl355OutputDataRates.map { YAMLDocument.format($0) }.joined(separator: ", ")
        return ConfigSection(
            doc: "Analysis, alarms and captures.",
            keys: [
                .number(
                    "odr_hz", \.outputDataRateHz, (adxl355OutputDataRates.min() ?? 0)...maximumRateHz, "Hz",
                    as: .identity, allowed: adxl355OutputDataRates, what: "an ADXL355 rate (\(rates) Hz)",
                    doc: "ADXL355 output data rate."),
                .number("window_s", \.windowSeconds, 0.1...60, "s", doc: "Analysis window."),
                .number(
                    "highpass_hz", \.highPassCornerHz, 0.1...20, "Hz",
                    doc: "Corner of the drift-removing high-pass around the velocity integration."),
                .number(
                    "tilt_tau_s", \.tiltTimeConstantSeconds, 0.1...3_600, "s",
                    doc: "Time constant of the gravity low-pass for static tilt."),
                .list(
                    "bands", \.bands, of: "frequency bands", minimumCount: 1, item: FrequencyBand.section,
                    seed: FrequencyBand(lowerHz: 0, upperHz: nil),
                    doc: "Band-energy bands, each from_hz up to to_hz (none: up to Nyquist).", accept: bandWithinNyquist
                ),
                .string(
                    "structure_class", \.structureClass,
                    what: "\"line1\" (commercial), \"line2\" (dwellings) or \"line3\" (sensitive)",
                    choices: DIN4150Class.allCases.map(\.rawValue), parse: DIN4150Class.init(rawValue:),
                    format: \.rawValue,
                    doc: "DIN 4150-3:2016 Table 1 line: 1 commercial/industrial, 2 dwellings, 3 sensitive/listed. "
                        + "Short-term PPV guideline values by dominant frequency (<10 Hz, 10–50 Hz, 50–100 Hz): "
                        + "line 1 20/20–40/40–50, line 2 5/5–15/15–20, line 3 3/3–8/8–10 mm/s."),
                .list(
                    "custom_thresholds", \.customThresholds, of: "threshold points", minimumCount: 1,
                    item: ThresholdPoint.section, seed: ThresholdPoint(frequencyHz: 0, ppvMillimetersPerSecond: 0),
                    doc: "Instead of a DIN class: PPV limits by frequency (linear between points).",
                    accept: frequencyAscending),
                .number(
                    "hysteresis_percent", \.hysteresisFraction, 0...50, "%", as: .percentOfOne,
                    doc: "An alarm clears below limit × (1 − hysteresis)."),
                .number(
                    "alarm_hold_s", \.alarmHoldSeconds, 0...3_600, "s",
                    doc: "An alarm stays raised at least this long after the last window at or above the limit."),
                .section("capture", \.capture, CaptureSettings.section),
            ],
            constraints: [
                SchemaJSON.Member(
                    "not",
                    .object([
                        SchemaJSON.Member(
                            "required", .array([.string("structure_class"), .string("custom_thresholds")]))
                    ]))
            ],
            rules: [classOrCurve])
    }

    /// The fastest ADXL355 rate; its Nyquist frequency bounds every band and threshold point.
    static var maximumRateHz: Double { adxl355OutputDataRates.max() ?? 4_000 }

    /// A DIN class and a curve of one's own would be two answers to one question.
    private static func classOrCurve(
        _ reader: inout NodeReader, _ found: ConfigSection<VibrationSettings>.Found, _: inout VibrationSettings
    ) {
        guard let thresholds = found.keys["custom_thresholds"], let structureClass = found.keys["structure_class"]
        else { return }
        reader.report(
            .conflict, at: found.path.appending("custom_thresholds"),
            expected: "either structure_class or custom_thresholds, not both",
            found: "both (structure_class \(NodeReader.describe(structureClass)))", node: thresholds)
    }

    /// A band must lie below the configured rate's Nyquist frequency (the schema can only say the fastest rate's) and
    /// end above where it starts.
    private static func bandWithinNyquist(
        _ reader: inout NodeReader, _ entry: ListEntry<FrequencyBand>, _ settings: VibrationSettings
    ) -> Bool {
        let path = entry.found.path
        var valid = true
        for key in ["from_hz", "to_hz"] {
            guard let node = entry.found.keys[key] else { continue }
            valid =
                reader.number(node, at: path.appending(key), in: 0...settings.outputDataRateHz / 2, unit: "Hz") != nil
                && valid
        }
        guard valid, let upper = entry.item.upperHz, let node = entry.found.keys["to_hz"] else { return valid }
        guard upper > entry.item.lowerHz else {
            reader.report(
                .invalidValue, at: path.appending("to_hz"),
                expected: "number above from_hz (\(YAMLDocument.format(entry.item.lowerHz)) Hz)",
                found: NodeReader.describe(node), node: node)
            return false
        }
        return true
    }

    /// The curve is interpolated between neighbours, so its points must go up in frequency.
    private static func frequencyAscending(
        _ reader: inout NodeReader, _ entry: ListEntry<ThresholdPoint>, _: VibrationSettings
    ) -> Bool {
        guard let previous = entry.accepted.last?.item, entry.item.frequencyHz <= previous.frequencyHz,
            let node = entry.found.keys["frequency_hz"]
        else { return true }
        reader.report(
            .invalidValue, at: entry.found.path.appending("frequency_hz"),
            expected: "a frequency above the previous point's (\(YAMLDocument.format(previous.frequencyHz)) Hz)",
            found: NodeReader.describe(node), node: node)
        return false
    }

    /// Reads and validates the `device` section at `path` (absent: the defaults), recording every problem in `reader`
    /// with its JSON path, e.g. `$.device.bands[1].to_hz: expected number above from_hz (50 Hz), got 20`. Returns nil
    /// when any problem was found. The shape matches `RemotelyConfigurable.read` of the agent runtime.
    ///
    /// `structure_class` selects the DIN 4150-3:2016 Table 1 line (see ``DIN4150Class``); `custom_thresholds`
    /// replaces it with a curve of your own (give one or the other). Customize to suit your situation.
    ///
    /// ```yaml
    /// device:
    ///   odr_hz: 1000
    ///   window_s: 1
    ///   highpass_hz: 1
    ///   structure_class: line2
    ///   hysteresis_percent: 10
    ///   bands:
    ///     - { from_hz: 1, to_hz: 10 }
    ///     - { from_hz: 10, to_hz: 50 }
    ///     - { from_hz: 50 }
    ///   capture: { pre_s: 2, post_s: 5, max_count: 20, max_total_mb: 64 }
    /// ```
    public static func read(_ reader: inout NodeReader, _ node: Node?, at path: JSONPath) -> VibrationSettings? {
        section.read(&reader, node, at: path, defaults: VibrationSettings())
    }

    /// Parses `yaml` and reads its top-level `device` section; throws every problem at once.
    public static func fromConfiguration(yaml: String) throws(DocumentError) -> VibrationSettings {
        try YAMLDocument.readSection(yaml, section: "device") { read(&$0, $1, at: $2) }
    }
}

extension FrequencyBand {
    static var section: ConfigSection<Self> {
        ConfigSection(
            doc: "A band.",
            keys: [
                .number("from_hz", \.lowerHz, 0...VibrationSettings.maximumRateHz / 2, "Hz", doc: "Lowest frequency.")
                    .required(),
                .number(
                    "to_hz", \.upperHz, 0...VibrationSettings.maximumRateHz / 2, "Hz",
                    doc: "Frequency the band stops below; absent: up to Nyquist."),
            ])
    }
}

extension ThresholdPoint {
    static var section: ConfigSection<Self> {
        ConfigSection(
            doc: "A point of the curve.",
            keys: [
                .number("frequency_hz", \.frequencyHz, 0...2_000, "Hz", doc: "Dominant frequency.").required(),
                .number(
                    "ppv_mm_s", \.ppvMillimetersPerSecond, 0.01...1_000, "mm/s",
                    doc: "Peak particle velocity limit at that frequency."
                ).required(),
            ])
    }
}

extension CaptureSettings {
    static var section: ConfigSection<Self> {
        ConfigSection(
            doc: "Triggered waveform captures (state_dir/captures).",
            keys: [
                .number("pre_s", \.preTriggerSeconds, 0...60, "s", doc: "Pre-trigger history kept in a ring buffer."),
                .number("post_s", \.postTriggerSeconds, 0.1...600, "s", doc: "Post-trigger recording."),
                .integer("max_count", \.maxCount, 1...10_000, doc: "Captures kept (oldest deleted first)."),
                .number(
                    "max_total_mb", \.maxTotalBytes, 0.1...100_000, "MiB",
                    as: ConfigConversion(decode: { Int($0 * 1_048_576) }, encode: { Double($0) / 1_048_576 }),
                    doc: "Total size of kept captures."),
            ])
    }
}
