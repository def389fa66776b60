public import ConfigSupport
public import Yams

extension VibrationSettings {
    /// Keys of the `device` section, with units in their names.
    static let deviceKeys = [
        "odr_hz", "window_s", "highpass_hz", "tilt_tau_s", "bands", "structure_class", "custom_thresholds",
        "hysteresis_percent", "alarm_hold_s", "capture",
    ]
    static let captureKeys = ["pre_s", "post_s", "max_count", "max_total_mb"]

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
        var settings = VibrationSettings()
        guard let node else { return settings }
        let issuesBefore = reader.issues.count
        guard let keys = reader.object(node, at: path, required: [], optional: deviceKeys) else { return nil }
        let fields = FieldReader(keys: keys, path: path)

        if let odrNode = keys["odr_hz"],
            let odr = reader.number(odrNode, at: path.appending("odr_hz"), in: 3.906...4_000, unit: "Hz")
        {
            if adxl355OutputDataRates.contains(odr) {
                settings.outputDataRateHz = odr
            } else {
                reader.report(
                    .invalidValue, at: path.appending("odr_hz"),
                    expected: "an ADXL355 rate ("
                        + adxl355OutputDataRates.map { YAMLDocument.format($0) }.joined(separator: ", ") + " Hz)",
                    found: NodeReader.describe(odrNode), node: odrNode)
            }
        }
        fields.number(&reader, "window_s", 0.1...60, "s", into: &settings.windowSeconds)
        fields.number(&reader, "highpass_hz", 0.1...20, "Hz", into: &settings.highPassCornerHz)
        fields.number(&reader, "tilt_tau_s", 0.1...3_600, "s", into: &settings.tiltTimeConstantSeconds)
        var hysteresisPercent = settings.hysteresisFraction * 100
        if fields.number(&reader, "hysteresis_percent", 0...50, "%", into: &hysteresisPercent) == .read {
            settings.hysteresisFraction = hysteresisPercent / 100
        }
        fields.number(&reader, "alarm_hold_s", 0...3_600, "s", into: &settings.alarmHoldSeconds)
        if let classNode = keys["structure_class"],
            let text = reader.string(
                classNode, at: path.appending("structure_class"), matching: { DIN4150Class(rawValue: $0) != nil },
                what: "\"line1\" (commercial), \"line2\" (dwellings) or \"line3\" (sensitive)"),
            let structureClass = DIN4150Class(rawValue: text)
        {
            settings.structureClass = structureClass
        }
        if let bandsNode = keys["bands"] {
            settings.bands = readBands(
                &reader, bandsNode, at: path.appending("bands"), nyquistHz: settings.outputDataRateHz / 2)
        }
        if let thresholdsNode = keys["custom_thresholds"] {
            let thresholdsPath = path.appending("custom_thresholds")
            if let classNode = keys["structure_class"] {
                reader.report(
                    .conflict, at: thresholdsPath,
                    expected: "either structure_class or custom_thresholds, not both",
                    found: "both (structure_class \(NodeReader.describe(classNode)))", node: thresholdsNode)
            }
            settings.customThresholds = readThresholds(&reader, thresholdsNode, at: thresholdsPath)
        }
        if let captureNode = keys["capture"] {
            settings.capture = readCapture(&reader, captureNode, at: path.appending("capture"))
        }
        return reader.issues.count == issuesBefore ? settings : nil
    }

    /// Parses `yaml` and reads its top-level `device` section; throws every problem at once.
    public static func fromConfiguration(yaml: String) throws(DocumentError) -> VibrationSettings {
        try YAMLDocument.readSection(yaml, section: "device") { read(&$0, $1, at: $2) }
    }

    private static func readBands(_ reader: inout NodeReader, _ node: Node, at path: JSONPath, nyquistHz: Double)
        -> [FrequencyBand]
    {
        var bands: [FrequencyBand] = []
        for (bandPath, bandNode) in reader.list(node, at: path, of: "frequency bands", minimumCount: 1) {
            guard let keys = reader.object(bandNode, at: bandPath, required: ["from_hz"], optional: ["to_hz"])
            else { continue }
            var lower: Double?
            if let fromNode = keys["from_hz"] {
                lower = reader.number(fromNode, at: bandPath.appending("from_hz"), in: 0...nyquistHz, unit: "Hz")
            }
            var upper: Double?
            var upperValid = true
            if let toNode = keys["to_hz"] {
                upper = reader.number(toNode, at: bandPath.appending("to_hz"), in: 0...nyquistHz, unit: "Hz")
                upperValid = upper != nil
                if let lower, let value = upper, value <= lower {
                    reader.report(
                        .invalidValue, at: bandPath.appending("to_hz"),
                        expected: "number above from_hz (\(YAMLDocument.format(lower)) Hz)",
                        found: NodeReader.describe(toNode),
                        node: toNode)
                    upperValid = false
                }
            }
            if let lower, upperValid { bands.append(FrequencyBand(lowerHz: lower, upperHz: upper)) }
        }
        return bands
    }

    private static func readThresholds(_ reader: inout NodeReader, _ node: Node, at path: JSONPath)
        -> [ThresholdPoint]
    {
        var points: [ThresholdPoint] = []
        for (pointPath, pointNode) in reader.list(node, at: path, of: "threshold points", minimumCount: 1) {
            guard
                let keys = reader.object(
                    pointNode, at: pointPath, required: ["frequency_hz", "ppv_mm_s"], optional: [])
            else { continue }
            var frequency: Double?
            if let frequencyNode = keys["frequency_hz"] {
                frequency = reader.number(
                    frequencyNode, at: pointPath.appending("frequency_hz"), in: 0...2_000, unit: "Hz")
                if let value = frequency, let previous = points.last, value <= previous.frequencyHz {
                    reader.report(
                        .invalidValue, at: pointPath.appending("frequency_hz"),
                        expected:
                            "a frequency above the previous point's (\(YAMLDocument.format(previous.frequencyHz)) Hz)",
                        found: NodeReader.describe(frequencyNode), node: frequencyNode)
                    frequency = nil
                }
            }
            var ppv: Double?
            if let ppvNode = keys["ppv_mm_s"] {
                ppv = reader.number(ppvNode, at: pointPath.appending("ppv_mm_s"), in: 0.01...1_000, unit: "mm/s")
            }
            if let frequency, let ppv {
                points.append(ThresholdPoint(frequencyHz: frequency, ppvMillimetersPerSecond: ppv))
            }
        }
        return points
    }

    private static func readCapture(_ reader: inout NodeReader, _ node: Node, at path: JSONPath) -> CaptureSettings {
        var capture = CaptureSettings()
        guard let keys = reader.object(node, at: path, required: [], optional: captureKeys) else { return capture }
        let fields = FieldReader(keys: keys, path: path)
        fields.number(&reader, "pre_s", 0...60, "s", into: &capture.preTriggerSeconds)
        fields.number(&reader, "post_s", 0.1...600, "s", into: &capture.postTriggerSeconds)
        fields.integer(&reader, "max_count", 1...10_000, into: &capture.maxCount)
        var megabytes = Double(capture.maxTotalBytes) / 1_048_576
        if fields.number(&reader, "max_total_mb", 0.1...100_000, "MiB", into: &megabytes) == .read {
            capture.maxTotalBytes = Int(megabytes * 1_048_576)
        }
        return capture
    }

}
