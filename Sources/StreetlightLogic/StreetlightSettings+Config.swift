public import ConfigSupport
public import Yams

extension StreetlightSettings {
    /// The `device` keys of the dimming and lamp-health logic, each declared once: read from YAML and written into
    /// `Firmware-config/schema/streetlightd-device.schema.json` (`make schemas`), defaults from `StreetlightSettings()`.
    public static var section: ConfigSection<StreetlightSettings> {
        ConfigSection(
            doc: "Dimming and lamp health.",
            keys: [
                .number(
                    "latitude", \.latitudeDegrees, -90...90, "°",
                    doc: "Latitude of the pole, for sunset/sunrise (NOAA solar algorithm)."),
                .number("longitude", \.longitudeDegrees, -180...180, "°", doc: "Longitude of the pole."),
                .integer(
                    "utc_offset_min", \.utcOffsetMinutes, -720...840, "min",
                    doc: "Local time offset from UTC, for the night profile."),
                .number(
                    "sunset_offset_min", \.sunsetOffsetMinutes, -180...180, "min",
                    doc: "Switch on this long after (negative: before) sunset when the astronomical clock rules."),
                .number(
                    "sunrise_offset_min", \.sunriseOffsetMinutes, -180...180, "min",
                    doc: "Switch off this long after sunrise."),
                .number("lux_on", \.luxOn, 0...100_000, "lx", doc: "Lamp on below this ambient light."),
                .number(
                    "lux_off", \.luxOff, 0...100_000, "lx",
                    doc: "Lamp off above this ambient light (must exceed lux_on: hysteresis)."),
                .number(
                    "lux_dwell_s", \.luxDwellSeconds, 0...3_600, "s",
                    doc:
                        "Light must stay past a threshold this long before the lamp switches (clouds do not flicker it)."
                ),
                .number(
                    "lux_timeout_s", \.luxTimeoutSeconds, 1...86_400, "s",
                    doc:
                        "Without a lux reading for this long the sensor counts as failed (astronomical clock takes over)."
                ),
                .number("boost_level", \.boostLevelPercent, 0...100, doc: "Level after motion, in percent."),
                .number(
                    "boost_hold_s", \.boostHoldSeconds, 0...86_400, "s",
                    doc: "How long the boost lasts after the last motion."),
                .number("fade_s", \.fadeSeconds, 0...600, "s", doc: "Level changes fade over this time."),
                .number(
                    "min_on_level", \.minimumOnLevelPercent, 0...100,
                    doc: "Lowest level the LED driver runs at when on, in percent."),
                .number(
                    "on_level", \.onLevelPercent, 0...100, doc: "Level when on, before the night profile, in percent."),
                .list(
                    "profile", \.profile, of: "profile steps", item: ProfileEntry.section,
                    seed: ProfileEntry(startMinuteOfDay: 0, levelPercent: 100),
                    doc: "Time-of-night profile: from each local time on, this level.", accept: distinctStart),
                // PCA9685 §7.3.5: prescale 3…255 at the 25 MHz internal oscillator gives 1526 Hz down to 24 Hz.
                .integer(
                    "pwm_frequency_hz", \.pwmFrequencyHz, 24...1_526, "Hz",
                    doc: "Dimming PWM frequency (PCA9685 prescale range)."),
                .section("lamp", \.lamp, LampHealthSettings.section),
            ],
            rules: [luxHysteresis])
    }

    /// Hysteresis needs a gap: with lux_off ≤ lux_on the lamp would switch on and off at the same light level.
    /// JSON Schema cannot compare two values, so this rule is code only.
    private static func luxHysteresis(
        _ reader: inout NodeReader, _ found: ConfigSection<StreetlightSettings>.Found,
        _ settings: inout StreetlightSettings
    ) {
        guard !found.invalid.contains("lux_on"), let node = found.valid("lux_off"), settings.luxOff <= settings.luxOn
        else { return }
        reader.report(
            .invalidValue, at: found.path.appending("lux_off"),
            expected: "number above lux_on (\(YAMLDocument.format(settings.luxOn)) lx) for hysteresis",
            found: NodeReader.describe(node), node: node)
    }

    /// Two steps starting at the same time would leave the level at that time to file order.
    private static func distinctStart(
        _ reader: inout NodeReader, _ entry: ListEntry<ProfileEntry>, _: StreetlightSettings
    ) -> Bool {
        guard let node = entry.found.keys["from"],
            let earlier = entry.accepted.first(where: { $0.item.startMinuteOfDay == entry.item.startMinuteOfDay })
        else { return true }
        reader.report(
            .conflict, at: entry.found.path.appending("from"),
            expected: "a start time not already used by \(earlier.path)",
            found: "\(NodeReader.describe(node)) again", node: node)
        return false
    }

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
        section.read(&reader, node, at: path, defaults: StreetlightSettings())
    }

    /// Parses `yaml` and reads its top-level `device` section; throws every problem at once.
    public static func fromConfiguration(yaml: String) throws(DocumentError) -> StreetlightSettings {
        try YAMLDocument.readSection(yaml, section: "device") { read(&$0, $1, at: $2) }
    }
}

extension StreetlightSettings.ProfileEntry {
    /// One step of the night profile.
    static var section: ConfigSection<Self> {
        ConfigSection(
            doc: "A profile step.",
            keys: [
                .string(
                    "from", \.startMinuteOfDay, what: "local time \"HH:MM\" 00:00…23:59",
                    pattern: "^([01][0-9]|2[0-3]):[0-5][0-9]$", parse: { TimeOfDay.parse($0) },
                    format: TimeOfDay.format, doc: "Local time HH:MM."
                ).required(),
                .number("level", \.levelPercent, 0...100, doc: "Level from then on, in percent.").required(),
            ])
    }
}

extension LampHealthSettings {
    /// The `lamp` keys: when a lamp counts as failed, stuck or cycling.
    static var section: ConfigSection<Self> {
        ConfigSection(
            doc: "Lamp health.",
            keys: [
                .number("rated_power_w", \.ratedPowerWatts, 0.1...10_000, "W", doc: "Lamp power at 100 %."),
                .number(
                    "power_tolerance_percent", \.powerTolerancePercent, 0...100, "%",
                    doc: "Power may fall this far below rated × level before event/lamp-failure."),
                .number("settle_s", \.settleSeconds, 0...3_600, "s", doc: "Power is judged this long after a command."),
                .number(
                    "relay_stuck_above_w", \.relayStuckAboveWatts, 0...10_000, "W",
                    doc: "Power above this with the relay open raises event/relay-stuck."),
                .integer(
                    "cycling_max_transitions", \.cyclingMaxTransitions, 1...10_000,
                    doc: "More on/off transitions than this within the window raise event/lamp-cycling."),
                .number(
                    "cycling_window_s", \.cyclingWindowSeconds, 1...86_400, "s", doc: "Window for cycling detection."),
                .number(
                    "max_sample_gap_s", \.maxSampleGapSeconds, 1...86_400, "s",
                    doc: "Energy is not integrated across gaps longer than this."),
            ])
    }
}
