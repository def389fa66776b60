public import HAL

/// A lamp problem found from the commanded level and the measured supply power (INA219).
public struct LampFinding: Hashable, Sendable, Codable, CustomStringConvertible {
    /// What kind of problem; more codes may be added.
    public struct Code: Hashable, Sendable, Codable, CustomStringConvertible {
        /// The event name the daemon publishes, e.g. `lamp-failure`.
        public let name: String
        /// Commanded on, but the power stayed below the expected band after the settle time (`event/lamp-failure`).
        public static let lampFailure = Code(name: "lamp-failure")
        /// Commanded off, but the lamp still draws power after the settle time (`event/relay-stuck`).
        public static let relayStuck = Code(name: "relay-stuck")
        /// Too many observed on/off transitions within the window (`event/lamp-cycling`).
        public static let cycling = Code(name: "lamp-cycling")
        /// The event name.
        public var description: String { name }
    }

    /// What kind of problem.
    public var code: Code
    /// When the condition was first confirmed.
    public var since: Timestamp
    /// The measured power that confirmed it, watts.
    public var powerWatts: Double
    /// The commanded level at the time, percent.
    public var commandedLevelPercent: Double
    /// For ``Code/lampFailure``: the lower edge of the expected band, watts.
    public var expectedMinimumWatts: Double?
    /// For ``Code/cycling``: transitions counted in the window.
    public var transitions: Int?

    /// `lamp-failure since …: 3.2 W at 100 % (expected ≥ 36 W)`.
    public var description: String {
        var text = "\(code) since \(since): \(powerWatts) W at \(commandedLevelPercent) %"
        if let expectedMinimumWatts { text += " (expected ≥ \(expectedMinimumWatts) W)" }
        if let transitions { text += " (\(transitions) transitions)" }
        return text
    }
}
