public import ConfigSupport
public import Yams

extension StreetlightSettings {
    /// Keys of the `device` section, with units in their names.
    static let deviceKeys = [
        "latitude", "longitude", "utc_offset_min", "sunset_offset_min", "sunrise_offset_min", "lux_on", "lux_off",
        "lux_dwell_s", "lux_timeout_s", "boost_level", "boost_hold_s", "fade_s", "min_on_level", "on_level",
        "profile", "pwm_frequency_hz", "lamp",
    ]
    static let lampKeys = [
        "rated_power_w", "power_tolerance_percent", "settle_s", "relay_stuck_above_w", "cycling_max_transitions",
        "cycling_window_s", "max_sample_gap_s",
    ]

    /// Reads and validates the `device` section at `path` (absent: the defaults), recording every problem in `reader`
    /// with its JSON path, e.g. `$.device.profile[2].level: expected number 0…100, got 140`. Returns nil when any
    /// problem was found. The shape matches `RemotelyConfigurable.read` of the agent runtime.
    ///
    /// ```yaml
    /// device:
    ///   latitude: 37.5665
    ///   longitude: 126.978
    ///   utc_offset_min: 540
    ///   lux_on: 30
    ///   lux_off: 60
    ///   profile:
    ///     - { from: "23:00", level: 50 }
    ///     - { from: "05:00", level: 100 }
    /// ```
    public static func read(_ reader: inout NodeReader, _ node: Node?, at path: JSONPath) -> StreetlightSettings? {
        var settings = StreetlightSettings()
        guard let node else { return settings }
        let issuesBefore = reader.issues.count
        guard let keys = reader.object(node, at: path, required: [], optional: deviceKeys) else { return nil }
        let fields = FieldReader(keys: keys, path: path)

        fields.number(&reader, "latitude", -90...90, "°", into: &settings.latitudeDegrees)
        fields.number(&reader, "longitude", -180...180, "°", into: &settings.longitudeDegrees)
        fields.integer(&reader, "utc_offset_min", -720...840, "min", into: &settings.utcOffsetMinutes)
        fields.number(&reader, "sunset_offset_min", -180...180, "min", into: &settings.sunsetOffsetMinutes)
        fields.number(&reader, "sunrise_offset_min", -180...180, "min", into: &settings.sunriseOffsetMinutes)
        let luxOnValid = fields.number(&reader, "lux_on", 0...100_000, "lx", into: &settings.luxOn)
        let luxOffValid = fields.number(&reader, "lux_off", 0...100_000, "lx", into: &settings.luxOff)
        fields.number(&reader, "lux_dwell_s", 0...3_600, "s", into: &settings.luxDwellSeconds)
        fields.number(&reader, "lux_timeout_s", 1...86_400, "s", into: &settings.luxTimeoutSeconds)
        fields.number(&reader, "boost_level", 0...100, into: &settings.boostLevelPercent)
        fields.number(&reader, "boost_hold_s", 0...86_400, "s", into: &settings.boostHoldSeconds)
        fields.number(&reader, "fade_s", 0...600, "s", into: &settings.fadeSeconds)
        fields.number(&reader, "min_on_level", 0...100, into: &settings.minimumOnLevelPercent)
        fields.number(&reader, "on_level", 0...100, into: &settings.onLevelPercent)
        // PCA9685 §7.3.5: prescale 3…255 at the 25 MHz internal oscillator gives 1526 Hz down to 24 Hz.
        fields.integer(&reader, "pwm_frequency_hz", 24...1_526, "Hz", into: &settings.pwmFrequencyHz)

        // Hysteresis needs a gap: with lux_off ≤ lux_on the lamp would switch on and off at the same light level.
        if luxOnValid != .invalid, luxOffValid != .invalid, let node = keys["lux_off"],
            settings.luxOff <= settings.luxOn
        {
            reader.report(
                .invalidValue, at: path.appending("lux_off"),
                expected: "number above lux_on (\(YAMLDocument.format(settings.luxOn)) lx) for hysteresis",
                found: NodeReader.describe(node), node: node)
        }
        if let node = keys["profile"] {
            settings.profile = readProfile(&reader, node, at: path.appending("profile"))
        }
        if let node = keys["lamp"] {
            settings.lamp = readLamp(&reader, node, at: path.appending("lamp"))
        }
        return reader.issues.count == issuesBefore ? settings : nil
    }

    /// Parses `yaml` and reads its top-level `device` section; throws every problem at once.
    public static func fromConfiguration(yaml: String) throws(DocumentError) -> StreetlightSettings {
        try YAMLDocument.readSection(yaml, section: "device") { read(&$0, $1, at: $2) }
    }

    private static func readProfile(_ reader: inout NodeReader, _ node: Node, at path: JSONPath) -> [ProfileEntry] {
        var entries: [ProfileEntry] = []
        var startsSeen: [Int: Int] = [:]
        for (entryPath, entryNode) in reader.list(node, at: path, of: "profile steps") {
            guard let keys = reader.object(entryNode, at: entryPath, required: ["from", "level"], optional: [])
            else { continue }
            var start: Int?
            if let fromNode = keys["from"],
                let text = reader.string(
                    fromNode, at: entryPath.appending("from"), matching: { parseTimeOfDay($0) != nil },
                    what: "local time \"HH:MM\" 00:00…23:59")
            {
                start = parseTimeOfDay(text)
                if let start, let index = startsSeen[start] {
                    reader.report(
                        .conflict, at: entryPath.appending("from"),
                        expected: "a start time not already used by \(path.appending(index: index))",
                        found: "\"\(text)\" again", node: fromNode)
                } else if let start, let index = entryPath.components.last, case .index(let offset) = index {
                    startsSeen[start] = offset
                }
            }
            var level: Double?
            if let levelNode = keys["level"] {
                level = reader.number(levelNode, at: entryPath.appending("level"), in: 0...100)
            }
            if let start, let level { entries.append(ProfileEntry(startMinuteOfDay: start, levelPercent: level)) }
        }
        return entries
    }

    private static func readLamp(_ reader: inout NodeReader, _ node: Node, at path: JSONPath) -> LampHealthSettings {
        var lamp = LampHealthSettings()
        guard let keys = reader.object(node, at: path, required: [], optional: lampKeys) else { return lamp }
        let fields = FieldReader(keys: keys, path: path)
        fields.number(&reader, "rated_power_w", 0.1...10_000, "W", into: &lamp.ratedPowerWatts)
        fields.number(&reader, "power_tolerance_percent", 0...100, "%", into: &lamp.powerTolerancePercent)
        fields.number(&reader, "settle_s", 0...3_600, "s", into: &lamp.settleSeconds)
        fields.number(&reader, "relay_stuck_above_w", 0...10_000, "W", into: &lamp.relayStuckAboveWatts)
        fields.integer(&reader, "cycling_max_transitions", 1...10_000, into: &lamp.cyclingMaxTransitions)
        fields.number(&reader, "cycling_window_s", 1...86_400, "s", into: &lamp.cyclingWindowSeconds)
        fields.number(&reader, "max_sample_gap_s", 1...86_400, "s", into: &lamp.maxSampleGapSeconds)
        return lamp
    }

    /// `"23:00"` → 1380; nil unless two-digit hours 00…23 and minutes 00…59.
    static func parseTimeOfDay(_ text: String) -> Int? {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count == 2, parts[1].count == 2, let hours = Int(parts[0]),
            let minutes = Int(parts[1]), (0...23).contains(hours), (0...59).contains(minutes)
        else { return nil }
        return hours * 60 + minutes
    }

}
