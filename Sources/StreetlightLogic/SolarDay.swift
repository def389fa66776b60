public import HAL

/// Sunrise, sunset and civil twilight of one local solar day at one place, as UTC instants.
public struct SolarDay: Hashable, Sendable {
    /// The date the events belong to: the calendar date at the place (by mean solar time).
    public var date: CivilDate
    /// Solar noon, the sun's transit of the meridian.
    public var solarNoon: Timestamp
    /// Upper limb on the horizon in the morning (zenith 90.833°, refraction included).
    public var sunrise: SolarCrossing
    /// Upper limb on the horizon in the evening (zenith 90.833°).
    public var sunset: SolarCrossing
    /// Sun centre 6° below the horizon in the morning (zenith 96°).
    public var civilDawn: SolarCrossing
    /// Sun centre 6° below the horizon in the evening (zenith 96°).
    public var civilDusk: SolarCrossing
}
