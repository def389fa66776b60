/// The crossing's timing and profiles; the keys are declared in `CrosswalkSettings+Config.swift`.
public struct CrosswalkSettings: Sendable, Hashable {
    /// How long the beacons flash after the last detection (after the last pedestrian left the crossing, with
    /// presence detection): the pedestrian clearance time IA-21 condition 5g refers to MUTCD 4E.06 for.
    public var clearance: Duration = .seconds(15)
    public var schoolZone = SchoolZone()
    /// A presence input or button active longer than this is stuck.
    public var stuckAfter: Duration = .seconds(300)
    /// A zone whose heartbeat line shows no edge for this long has a silent detector.
    public var heartbeatTimeout: Duration = .seconds(3)
    /// Local time offset from UTC, for the school-zone schedule.
    public var utcOffsetMinutes = 0
    /// Period of the counts in `telemetry/crossing`.
    public var telemetryInterval: Duration = .seconds(60)

    /// The stricter settings during school hours.
    public struct SchoolZone: Sendable, Hashable {
        public var clearance: Duration = .seconds(25)
        public var markersAlwaysOn = true
        public var schedule: [SchoolZoneWindow] = []
        public init() {}

        /// Whether school hours hold at `unixSeconds` (UTC).
        public func isActive(unixSeconds: Double, utcOffsetMinutes: Int) -> Bool {
            schedule.contains { $0.contains(unixSeconds: unixSeconds, utcOffsetMinutes: utcOffsetMinutes) }
        }
    }

    public init() {}
}
