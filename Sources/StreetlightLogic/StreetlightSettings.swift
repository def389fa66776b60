public import HAL

/// Every tunable of a streetlight: where it is, when and how bright the lamp burns, and what counts as healthy.
///
/// Defaults suit a 60 W LED luminaire in Seoul; customize to suit your situation. Read from the `device` section of
/// the agent configuration with ``read(_:_:at:)``.
public struct StreetlightSettings: Hashable, Sendable, Codable {
    /// Latitude of the pole, degrees north positive.
    public var latitudeDegrees = 37.5665
    /// Longitude of the pole, degrees east positive.
    public var longitudeDegrees = 126.9780
    /// Local civil time minus UTC, in minutes (Korea Standard Time: +540); used by the night profile and for the
    /// day boundary of the energy counters. Fixed offset: a region with daylight saving time needs the daemon to
    /// update it (this library does not carry a time-zone database).
    public var utcOffsetMinutes = 540
    /// Astronomical clock: lamp on at sunset plus this many minutes (negative: before sunset).
    public var sunsetOffsetMinutes = 0.0
    /// Astronomical clock: lamp off at sunrise plus this many minutes (negative: before sunrise).
    public var sunriseOffsetMinutes = 0.0

    /// Ambient light: switch on when the lux reading stays below this.
    public var luxOn = 30.0
    /// Ambient light: switch off when the lux reading stays above this; above ``luxOn`` for hysteresis.
    public var luxOff = 60.0
    /// How long a reading must stay past a threshold before the lamp switches, so a passing cloud or headlights
    /// do not flicker the lamp.
    public var luxDwellSeconds = 120.0
    /// A lux sensor silent for longer than this counts as failed.
    public var luxTimeoutSeconds = 60.0

    /// Presence boost: level after motion, percent.
    public var boostLevelPercent = 100.0
    /// Presence boost: how long the boost holds after the last motion edge, seconds.
    public var boostHoldSeconds = 60.0
    /// Every level change ramps linearly over this time, seconds (0: step).
    public var fadeSeconds = 3.0
    /// Lowest level the LED driver runs at; a requested level between 0 and this is raised to it. Percent.
    public var minimumOnLevelPercent = 10.0
    /// Level when the lamp is on and no profile entry applies, percent.
    public var onLevelPercent = 100.0
    /// Time-of-night profile: from each entry's local time on, the on-level is the entry's level (until the next
    /// entry, wrapping at midnight). Empty: always ``onLevelPercent``.
    public var profile: [ProfileEntry] = []
    /// PCA9685 PWM frequency for the LED driver's dimming input, hertz.
    public var pwmFrequencyHz = 1_000

    /// Lamp health thresholds.
    public var lamp = LampHealthSettings()

    /// The defaults.
    public init() {}

    /// One step of the time-of-night profile.
    public struct ProfileEntry: Hashable, Sendable, Codable {
        /// Local time of day the step starts, minutes after midnight (0…1439).
        public var startMinuteOfDay: Int
        /// Level from then on, percent (0 turns the lamp off for the step).
        public var levelPercent: Double

        /// A step starting at `startMinuteOfDay` (local minutes after midnight) at `levelPercent`.
        public init(startMinuteOfDay: Int, levelPercent: Double) {
            self.startMinuteOfDay = startMinuteOfDay
            self.levelPercent = levelPercent
        }
    }

    /// A calculator for the configured place.
    public var solarCalculator: SolarCalculator {
        SolarCalculator(latitudeDegrees: latitudeDegrees, longitudeDegrees: longitudeDegrees)
    }

    /// Local minutes after midnight at `instant`, 0 ..< 1440 (fractional).
    public func localMinuteOfDay(at instant: Timestamp) -> Double {
        instant.adding(seconds: Double(utcOffsetMinutes) * 60).utcSecondsOfDay / 60
    }

    /// The local calendar date at `instant`.
    public func localDate(at instant: Timestamp) -> CivilDate {
        instant.adding(seconds: Double(utcOffsetMinutes) * 60).utcDate
    }
}
