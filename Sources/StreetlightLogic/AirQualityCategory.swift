/// The Korean air-quality category for particulate matter (Ministry of Environment forecast grades, PM2.5 bands in
/// force since 2018-03-27).
///
/// The grades are published on whole µg/m³ as closed ranges — PM2.5 good 0–15, moderate 16–35, bad 36–75, very
/// bad 76 and above; PM10 good 0–30, moderate 31–80, bad 81–150, very bad 151 and above — so each upper bound
/// is inclusive: exactly 15 µg/m³ is good, 15.4 is moderate.
public enum AirQualityCategory: Int, Hashable, Sendable, Codable, Comparable, CaseIterable, CustomStringConvertible {
    /// 좋음.
    case good = 1
    /// 보통.
    case moderate = 2
    /// 나쁨.
    case bad = 3
    /// 매우 나쁨.
    case veryBad = 4

    /// The category of a PM2.5 concentration in µg/m³.
    public static func forPM25(microgramsPerCubicMeter value: Double) -> AirQualityCategory {
        category(value, upperBounds: (15, 35, 75))
    }

    /// The category of a PM10 concentration in µg/m³.
    public static func forPM10(microgramsPerCubicMeter value: Double) -> AirQualityCategory {
        category(value, upperBounds: (30, 80, 150))
    }

    /// The overall category: the worse of the PM2.5 and PM10 categories.
    public static func overall(pm25MicrogramsPerCubicMeter pm25: Double, pm10MicrogramsPerCubicMeter pm10: Double)
        -> AirQualityCategory
    {
        max(forPM25(microgramsPerCubicMeter: pm25), forPM10(microgramsPerCubicMeter: pm10))
    }

    private static func category(_ value: Double, upperBounds: (Double, Double, Double)) -> AirQualityCategory {
        precondition(value.isFinite && value >= 0, "a concentration is finite and non-negative")
        if value <= upperBounds.0 { return .good }
        if value <= upperBounds.1 { return .moderate }
        if value <= upperBounds.2 { return .bad }
        return .veryBad
    }

    public static func < (lhs: AirQualityCategory, rhs: AirQualityCategory) -> Bool { lhs.rawValue < rhs.rawValue }

    /// `good`, `moderate`, `bad`, `very-bad`: the telemetry field's value.
    public var description: String {
        switch self {
        case .good: return "good"
        case .moderate: return "moderate"
        case .bad: return "bad"
        case .veryBad: return "very-bad"
        }
    }
}
