public import ConfigSupport
public import Yams

extension CrosswalkSettings {
    /// The `device` keys of the crossing logic, each declared once: read from YAML and written into
    /// `Firmware-config/schema/crosswalkd-device.schema.json` (`make schemas`), defaults from `CrosswalkSettings()`.
    public static var section: ConfigSection<CrosswalkSettings> {
        ConfigSection(
            doc: "Crossing timing, school-zone profile and detector supervision.",
            keys: [
                // MUTCD 4E.06 times pedestrian clearance at 3.5 ft/s over the crossing: 3 s is a one-lane minimum,
                // ten minutes is far beyond any crossing.
                .integer(
                    "clearance_s", \.clearance, 3...600, "s", as: .seconds,
                    doc: "Beacons flash this long after the last detection (pedestrian clearance time)."),
                .section("school_zone", \.schoolZone, SchoolZone.section),
                .section("beacon_intensity", \.beaconIntensity, BeaconIntensity.section),
                // Nobody stands on a crossing for an hour; below ten seconds a waiting crowd would trip it.
                .integer(
                    "stuck_after_s", \.stuckAfter, 10...3_600, "s", as: .seconds,
                    doc: "A presence input or button active this long is stuck (fault, fail-safe)."),
                // Detectors pulse their heartbeat about once a second; 100 ms would fault on scheduling jitter.
                .integer(
                    "heartbeat_timeout_ms", \.heartbeatTimeout, 100...60_000, "ms", as: .milliseconds,
                    doc: "A zone whose heartbeat line shows no edge this long has a silent detector (fault)."),
                .integer(
                    "utc_offset_min", \.utcOffsetMinutes, -720...840, "min",
                    doc: "Local time offset from UTC, for the school-zone schedule and the night window."),
                .integer(
                    "telemetry_interval_s", \.telemetryInterval, 1...86_400, "s", as: .seconds,
                    doc: "Period of telemetry/crossing (counts of pedestrians, button presses, conflicts, faults)."),
            ],
            rules: [schoolClearance])
    }

    /// The school-zone profile is the stricter one: a shorter clearance there would weaken it.
    private static func schoolClearance(
        _ reader: inout NodeReader, _ found: ConfigSection<CrosswalkSettings>.Found, _ settings: inout CrosswalkSettings
    ) {
        guard !found.invalid.contains("clearance_s"), let node = found.valid("school_zone"),
            settings.schoolZone.clearance < settings.clearance
        else { return }
        reader.report(
            .invalidValue, at: found.path.appending("school_zone").appending("clearance_s"),
            expected: "at least clearance_s (\(settings.clearance.components.seconds) s)",
            found: "\(settings.schoolZone.clearance.components.seconds) s", node: node)
    }

    /// Reads and validates the crossing keys of the `device` section at `path` (absent: the defaults).
    public static func read(_ reader: inout NodeReader, _ node: Node?, at path: JSONPath) -> CrosswalkSettings? {
        section.read(&reader, node, at: path, defaults: CrosswalkSettings())
    }
}

extension CrosswalkSettings.SchoolZone {
    static var section: ConfigSection<Self> {
        ConfigSection(
            doc: "Stricter settings during school hours.",
            keys: [
                .integer(
                    "clearance_s", \.clearance, 3...600, "s", as: .seconds,
                    doc: "Clearance time during school hours (at least clearance_s)."),
                .bool(
                    "markers_always_on", \.markersAlwaysOn, doc: "In-road markers stay on throughout school hours."),
                .list(
                    "schedule", \.schedule, of: "school-hour windows", item: SchoolZoneWindow.section,
                    seed: SchoolZoneWindow(weekdays: 1...5, minutes: 0..<0),
                    doc: "Weekly windows of local time in which the school-zone profile applies."),
            ])
    }
}

extension CrosswalkSettings.BeaconIntensity {
    static var section: ConfigSection<Self> {
        ConfigSection(
            doc:
                "Brightness of lit beacons on a dimmable output (hardware.beacon_dimmer, a PCA9685); GPIO beacons are"
                + " only on or off. The fail-safe state and the safe state always light them fully.",
            keys: [
                // IA-21 gives no figure: the floor of a tenth is ours, so that a slip of the pen (1 for 100) cannot
                // leave a beacon too faint to warn anyone.
                .integer("day_pct", \.dayPercent, 10...100, "%", doc: "Level of a lit beacon by day."),
                .integer("night_pct", \.nightPercent, 10...100, "%", doc: "Level of a lit beacon inside night_hours."),
                .string(
                    "night_hours", \.nightHours,
                    what:
                        "local times \"HH:MM-HH:MM\" (end up to 24:00; an end before the start runs past midnight), or"
                        + " \"none\"",
                    pattern: "^(none|" + SchoolZoneWindow.hoursPattern + ")$",
                    // A text that is not a window is nil (refused), "none" is .some(nil) (no night).
                    parse: { $0 == "none" ? .some(nil) : NightWindow.parse($0).map { .some($0) } },
                    format: { $0.map { TimeOfDay.format($0.start) + "-" + TimeOfDay.format($0.end) } ?? "none" },
                    doc:
                        "Local times of night, every day, e.g. \"19:00-07:00\" (decided on the device, utc_offset_min),"
                        + " or \"none\" (never dimmed)."),
            ],
            rules: [nightNotBrighter])
    }

    /// Dimming at night means the night level is not above the day level; reported at the key that was written
    /// (night_pct, or day_pct set below the default night level).
    private static func nightNotBrighter(
        _ reader: inout NodeReader, _ found: ConfigSection<Self>.Found, _ intensity: inout Self
    ) {
        guard found.invalid.isDisjoint(with: ["day_pct", "night_pct"]), intensity.nightPercent > intensity.dayPercent
        else { return }
        if let node = found.keys["night_pct"] {
            reader.report(
                .invalidValue, at: found.path.appending("night_pct"),
                expected: "at most day_pct (\(intensity.dayPercent) %)", found: "\(intensity.nightPercent) %",
                node: node)
        } else if let node = found.keys["day_pct"] {
            reader.report(
                .invalidValue, at: found.path.appending("day_pct"),
                expected: "at least night_pct (\(intensity.nightPercent) %)", found: "\(intensity.dayPercent) %",
                node: node)
        }
    }
}

extension NightWindow {
    /// `"19:00-07:00"`: the schedules' hours, where an end at or before the start runs past midnight (equal times
    /// are refused: a night of no or of every minute is not a window).
    static func parse(_ text: String) -> NightWindow? {
        guard let (start, end) = SchoolZoneWindow.parseTimes(text), start != end else { return nil }
        return NightWindow(start: start, end: end)
    }
}

extension SchoolZoneWindow {
    static let dayNames = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]

    static var section: ConfigSection<Self> {
        ConfigSection(
            doc: "One weekly window.",
            keys: [
                .string(
                    "days", \.weekdays, what: "a day or a range of days such as \"mon-fri\"",
                    pattern: "^(mon|tue|wed|thu|fri|sat|sun)(-(mon|tue|wed|thu|fri|sat|sun))?$", parse: parseDays,
                    format: { dayNames[$0.lowerBound - 1] + "-" + dayNames[$0.upperBound - 1] },
                    doc: "Weekdays, e.g. \"mon-fri\" or \"sat\"."
                ).required(),
                .string(
                    "hours", \.minutes, what: "local times \"HH:MM-HH:MM\" (end up to 24:00), the start before the end",
                    pattern: "^" + hoursPattern + "$", parse: parseHours,
                    format: hoursText,
                    doc: "Local start and end time, e.g. \"07:30-09:00\" (\"24:00\" ends at midnight)."
                ).required(),
            ])
    }

    static func parseDays(_ text: String) -> ClosedRange<Int>? {
        let names = text.split(separator: "-").map(String.init)
        guard let first = names.first.flatMap({ dayNames.firstIndex(of: $0) }),
            let last = names.last.flatMap({ dayNames.firstIndex(of: $0) }), first <= last
        else { return nil }
        return (first + 1)...(last + 1)
    }

    /// `HH:MM-HH:MM`, the end up to `24:00`: the schedules' form of local hours.
    static let hoursPattern = "([01][0-9]|2[0-3]):[0-5][0-9]-(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)"

    /// The start and end of `"HH:MM-HH:MM"` in minutes after midnight, in either order; the schedules' one parser.
    static func parseTimes(_ text: String) -> (start: Int, end: Int)? {
        let parts = text.split(separator: "-").map(String.init)
        guard parts.count == 2, let start = TimeOfDay.parse(parts[0]),
            let end = TimeOfDay.parse(parts[1], allowMidnightEnd: true)
        else { return nil }
        return (start, end)
    }

    static func parseHours(_ text: String) -> Range<Int>? {
        guard let (start, end) = parseTimes(text), start < end else { return nil }
        return start..<end
    }

    static func hoursText(_ minutes: Range<Int>) -> String {
        TimeOfDay.format(minutes.lowerBound) + "-" + TimeOfDay.format(minutes.upperBound)
    }
}
