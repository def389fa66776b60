/// Thresholds for ``LampHealthMonitor``.
public struct LampHealthSettings: Hashable, Sendable, Codable {
    /// Lamp power at 100 % level, watts; the expected power scales linearly with the level.
    public var ratedPowerWatts = 60.0
    /// How far below the expected power a burning lamp may draw before it counts as failed, percent of expected.
    public var powerTolerancePercent = 40.0
    /// Time after a command change before power is judged (driver soft start, fades), seconds.
    public var settleSeconds = 10.0
    /// Power above this while commanded off means the relay is stuck closed; also the "burning" threshold for
    /// burning hours and cycling. Watts.
    public var relayStuckAboveWatts = 3.0
    /// More observed on/off transitions than this within ``cyclingWindowSeconds`` is cycling.
    public var cyclingMaxTransitions = 6
    /// Window for cycling detection, seconds.
    public var cyclingWindowSeconds = 600.0
    /// Gap between power samples beyond which the interval is not integrated (the daemon was down), seconds.
    public var maxSampleGapSeconds = 300.0

    /// The defaults.
    public init() {}
}
