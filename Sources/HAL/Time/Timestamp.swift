/// A UTC instant, as seconds since the Unix epoch (1970-01-01T00:00:00Z), leap seconds ignored like POSIX time.
///
/// Device logic never reads a clock itself: the daemon passes the current instant (or the time of a batch of
/// samples) in, so tests drive time directly.
public struct Timestamp: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    /// Seconds since 1970-01-01T00:00:00Z.
    public var secondsSinceEpoch: Double

    /// The instant `secondsSinceEpoch` seconds after 1970-01-01T00:00:00Z.
    public init(secondsSinceEpoch: Double) { self.secondsSinceEpoch = secondsSinceEpoch }

    /// The instant of a UTC calendar date and time of day (proleptic Gregorian calendar).
    public init(year: Int, month: Int, day: Int, hour: Int = 0, minute: Int = 0, second: Double = 0) {
        let days = CivilDate(year: year, month: month, day: day).daysSinceEpoch
        secondsSinceEpoch = Double(days) * 86_400 + Double(hour) * 3_600 + Double(minute) * 60 + second
    }

    /// The UTC calendar date this instant falls on.
    public var utcDate: CivilDate { CivilDate(daysSinceEpoch: Int((secondsSinceEpoch / 86_400).rounded(.down))) }

    /// Seconds since UTC midnight of `utcDate`, 0 ..< 86 400.
    public var utcSecondsOfDay: Double {
        secondsSinceEpoch - Double(utcDate.daysSinceEpoch) * 86_400
    }

    /// Whole milliseconds since the epoch, rounded (capture identifiers use them).
    public var millisecondsSinceEpoch: Int64 { Int64((secondsSinceEpoch * 1_000).rounded()) }

    /// `self` moved by `seconds` (negative moves back).
    public func adding(seconds: Double) -> Timestamp { Timestamp(secondsSinceEpoch: secondsSinceEpoch + seconds) }

    /// `self` moved by `duration`.
    public func adding(_ duration: Duration) -> Timestamp { adding(seconds: duration.totalSeconds) }

    /// Seconds from `other` to `self` (positive when `self` is later).
    public func seconds(since other: Timestamp) -> Double { secondsSinceEpoch - other.secondsSinceEpoch }

    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool { lhs.secondsSinceEpoch < rhs.secondsSinceEpoch }

    /// `2026-06-21T20:00:31Z` (whole seconds, rounded).
    public var description: String {
        let rounded = Timestamp(secondsSinceEpoch: secondsSinceEpoch.rounded())
        let date = rounded.utcDate
        let secondsOfDay = Int(rounded.utcSecondsOfDay)
        return "\(date)T\(Self.twoDigits(secondsOfDay / 3_600)):\(Self.twoDigits(secondsOfDay / 60 % 60)):"
            + "\(Self.twoDigits(secondsOfDay % 60))Z"
    }

    static func twoDigits(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
}
