public import HAL

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The NOAA Solar Calculator (Global Monitoring Laboratory), as in its published spreadsheet and web page: Julian
/// century, geometric mean longitude and anomaly, equation of centre, apparent longitude, corrected obliquity,
/// declination, equation of time and the hour angle at a zenith angle. NOAA states the results are good to about a
/// minute between ±72° latitude; nearer the poles refraction dominates and errors grow.
public struct SolarCalculator: Hashable, Sendable {
    /// Zenith of sunrise and sunset: 90° plus 0.833° for the sun's radius and standard atmospheric refraction.
    public static let sunriseZenithDegrees = 90.833
    /// Zenith of civil dawn and dusk: the sun's centre 6° below the horizon.
    public static let civilTwilightZenithDegrees = 96.0

    /// Latitude in degrees, north positive, −90…90.
    public var latitudeDegrees: Double
    /// Longitude in degrees, east positive, −180…180 (NOAA's own page uses west positive; this does not).
    public var longitudeDegrees: Double

    /// A calculator for the place at `latitudeDegrees` (north positive) and `longitudeDegrees` (east positive).
    public init(latitudeDegrees: Double, longitudeDegrees: Double) {
        precondition((-90...90).contains(latitudeDegrees), "latitude out of range")
        precondition((-180...180).contains(longitudeDegrees), "longitude out of range")
        self.latitudeDegrees = latitudeDegrees
        self.longitudeDegrees = longitudeDegrees
    }

    /// The solar events of the local day `date` (the day whose solar noon falls on `date` at this longitude); a
    /// sunrise east of Greenwich is often on the previous UTC date.
    public func day(_ date: CivilDate) -> SolarDay {
        let noon = solarNoon(date)
        return SolarDay(
            date: date, solarNoon: noon,
            sunrise: crossing(date, zenithDegrees: Self.sunriseZenithDegrees, morning: true),
            sunset: crossing(date, zenithDegrees: Self.sunriseZenithDegrees, morning: false),
            civilDawn: crossing(date, zenithDegrees: Self.civilTwilightZenithDegrees, morning: true),
            civilDusk: crossing(date, zenithDegrees: Self.civilTwilightZenithDegrees, morning: false))
    }

    /// The local solar date an instant falls on at this longitude (UTC date of the local mean solar time).
    public func solarDate(of instant: Timestamp) -> CivilDate {
        instant.adding(seconds: longitudeDegrees / 360 * 86_400).utcDate
    }

    /// Solar noon of `date`, refined once at its own instant.
    public func solarNoon(_ date: CivilDate) -> Timestamp {
        let midnight = Timestamp(year: date.year, month: date.month, day: date.day)
        var minutes = 720 - 4 * longitudeDegrees
        for _ in 0..<2 {
            let position = Self.sunPosition(at: midnight.adding(seconds: minutes * 60))
            minutes = 720 - 4 * longitudeDegrees - position.equationOfTimeMinutes
        }
        return midnight.adding(seconds: minutes * 60)
    }

    /// The morning or evening crossing of `zenithDegrees` on `date`, iterated at the event's own instant because
    /// declination and equation of time move during the day (as NOAA's web calculator does).
    public func crossing(_ date: CivilDate, zenithDegrees: Double, morning: Bool) -> SolarCrossing {
        let midnight = Timestamp(year: date.year, month: date.month, day: date.day)
        var minutes = 720 - 4 * longitudeDegrees
        for _ in 0..<3 {
            let position = Self.sunPosition(at: midnight.adding(seconds: minutes * 60))
            guard let hourAngle = hourAngleDegrees(zenithDegrees: zenithDegrees, declination: position.declination)
            else {
                return Self.noCrossing(
                    latitudeDegrees: latitudeDegrees, declination: position.declination, zenithDegrees: zenithDegrees)
            }
            let noonMinutes = 720 - 4 * longitudeDegrees - position.equationOfTimeMinutes
            minutes = noonMinutes + (morning ? -4 : 4) * hourAngle
        }
        return .at(midnight.adding(seconds: minutes * 60))
    }

    /// Hour angle in degrees at which the sun's centre reaches `zenithDegrees`, or nil when it never does.
    private func hourAngleDegrees(zenithDegrees: Double, declination: Double) -> Double? {
        let latitude = Self.radians(latitudeDegrees)
        let cosine =
            cos(Self.radians(zenithDegrees)) / (cos(latitude) * cos(declination)) - tan(latitude) * tan(declination)
        guard (-1...1).contains(cosine) else { return nil }
        return Self.degrees(acos(cosine))
    }

    private static func noCrossing(latitudeDegrees: Double, declination: Double, zenithDegrees: Double)
        -> SolarCrossing
    {
        // Altitude at transit tells which side of the zenith circle the sun stays on all day.
        let noonZenith = abs(latitudeDegrees - degrees(declination))
        return noonZenith < zenithDegrees ? .neverBelow : .neverAbove
    }

    /// Declination (radians) and equation of time (minutes) at an instant: NOAA spreadsheet columns G–V.
    static func sunPosition(at instant: Timestamp) -> (declination: Double, equationOfTimeMinutes: Double) {
        let julianDay = instant.secondsSinceEpoch / 86_400 + 2_440_587.5
        let t = (julianDay - 2_451_545) / 36_525
        let meanLongitude = (280.46646 + t * (36_000.76983 + t * 0.0003032)).truncatingRemainder(dividingBy: 360)
        let meanAnomaly = 357.52911 + t * (35_999.05029 - 0.0001537 * t)
        let eccentricity = 0.016708634 - t * (0.000042037 + 0.0000001267 * t)
        let m = radians(meanAnomaly)
        let equationOfCenter =
            sin(m) * (1.914602 - t * (0.004817 + 0.000014 * t)) + sin(2 * m) * (0.019993 - 0.000101 * t)
            + sin(3 * m) * 0.000289
        let trueLongitude = meanLongitude + equationOfCenter
        let omega = radians(125.04 - 1_934.136 * t)
        let apparentLongitude = trueLongitude - 0.00569 - 0.00478 * sin(omega)
        let meanObliquity = 23 + (26 + (21.448 - t * (46.815 + t * (0.00059 - t * 0.001813))) / 60) / 60
        let obliquity = meanObliquity + 0.00256 * cos(omega)
        let declination = asin(sin(radians(obliquity)) * sin(radians(apparentLongitude)))
        let y = tan(radians(obliquity) / 2) * tan(radians(obliquity) / 2)
        let l0 = radians(meanLongitude)
        let equationOfTime =
            y * sin(2 * l0) - 2 * eccentricity * sin(m) + 4 * eccentricity * y * sin(m) * cos(2 * l0)
            - 0.5 * y * y * sin(4 * l0) - 1.25 * eccentricity * eccentricity * sin(2 * m)
        return (declination, 4 * degrees(equationOfTime))
    }

    static func radians(_ degrees: Double) -> Double { degrees * .pi / 180 }
    static func degrees(_ radians: Double) -> Double { radians * 180 / .pi }
}
