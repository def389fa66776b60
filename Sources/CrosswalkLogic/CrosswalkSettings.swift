/// The crossing's timing and profiles; the keys are declared in `CrosswalkSettings+Config.swift`.
public struct CrosswalkSettings: Sendable, Hashable {
    /// How long the beacons flash after the last detection (after the last pedestrian left the crossing, with
    /// presence detection): the pedestrian clearance time IA-21 condition 5g refers to MUTCD 4E.06 for.
    public var clearance: Duration = .seconds(15)
    public var schoolZone = SchoolZone()
    /// How bright dimmable beacons (on a PCA9685 channel) light, by day and by night.
    public var beaconIntensity = BeaconIntensity()
    /// A presence input or button active longer than this is stuck.
    public var stuckAfter: Duration = .seconds(300)
    /// A zone whose heartbeat line shows no edge for this long has a silent detector.
    public var heartbeatTimeout: Duration = .seconds(3)
    /// Local time offset from UTC, for the school-zone schedule and the night window.
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

    /// The beacons' level when lit, where the hardware can dim them (a PCA9685 channel; a GPIO line is only on or
    /// off). IA-21 asks for an automatic dimming device that reduces the brilliance at night; night is a local-time
    /// window, decided on the device (no network).
    public struct BeaconIntensity: Sendable, Hashable {
        /// Percent of full brightness by day.
        public var dayPercent = 100
        /// Percent of full brightness inside `nightHours`.
        public var nightPercent = 30
        /// The nightly window; nil: never dimmed.
        public var nightHours: NightWindow? = nil
        public init() {}

        /// Whether it is night at `unixSeconds` (UTC).
        public func isNight(unixSeconds: Double, utcOffsetMinutes: Int) -> Bool {
            nightHours?.contains(unixSeconds: unixSeconds, utcOffsetMinutes: utcOffsetMinutes) ?? false
        }

        /// The level (0…1) of a lit beacon by night or by day.
        public func onLevel(night: Bool) -> Double { Double(night ? nightPercent : dayPercent) / 100 }
    }

    public init() {}
}
