/// A UTC instant, as seconds since the Unix epoch (1970-01-01T00:00:00Z), leap seconds ignored like POSIX time.
///
/// The logic never reads a clock itself: the daemon passes the time of each batch of samples in, so tests drive
/// time directly.
public struct Timestamp: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    /// Seconds since 1970-01-01T00:00:00Z.
    public var secondsSinceEpoch: Double

    /// The instant `secondsSinceEpoch` seconds after 1970-01-01T00:00:00Z.
    public init(secondsSinceEpoch: Double) { self.secondsSinceEpoch = secondsSinceEpoch }

    /// `self` moved by `seconds` (negative moves back).
    public func adding(seconds: Double) -> Timestamp { Timestamp(secondsSinceEpoch: secondsSinceEpoch + seconds) }

    /// Seconds from `other` to `self` (positive when `self` is later).
    public func seconds(since other: Timestamp) -> Double { secondsSinceEpoch - other.secondsSinceEpoch }

    /// Whole milliseconds since the epoch, rounded; used in capture identifiers.
    public var millisecondsSinceEpoch: Int64 { Int64((secondsSinceEpoch * 1_000).rounded()) }

    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool { lhs.secondsSinceEpoch < rhs.secondsSinceEpoch }

    /// Seconds since the epoch, e.g. `1764049725.123`.
    public var description: String { String(secondsSinceEpoch) }
}
