/// The plant's sequence timing and demand response; remotely settable. Keys in `FuelCellSettings+Config.swift`.
public struct FuelCellSettings: Sendable, Hashable {
    /// Enclosure ventilation with the valve closed before any hydrogen flows.
    public var purge: Duration = .seconds(10)
    /// How long the controller may take from the run request to `running`.
    public var startTimeout: Duration = .seconds(60)
    /// How long the stack runs at `warmUpKW` before following the demand.
    public var warmUp: Duration = .seconds(30)
    public var warmUpKW: Double = 1
    /// The largest set-point change per second, up and down (demand response ramps); never above the local
    /// `FuelCellLimits.rampCeilingKWPerSecond`.
    public var rampKWPerSecond: Double = 0.5
    /// The demand a `start` without an earlier `set-power` runs at (never above the local ceiling).
    public var startPowerKW: Double = 2
    /// Period of `telemetry/plant`.
    public var telemetryInterval: Duration = .seconds(10)

    public init() {}
}

/// The local-only safety figures (the `hardware.limits` section): no command or remote configuration changes them.
public struct FuelCellLimits: Sendable, Hashable {
    /// No set-point above this, whatever a command, the configuration or the controller's rating says.
    public var powerCeilingKW: Double = 5
    /// No ramp faster than this, up or down, whatever the remote configuration says: what the stack and its balance
    /// of plant take. 1 kW/s is a fifth of the default ceiling per second.
    public var rampCeilingKWPerSecond: Double = 1
    /// H₂ warning (ventilation to full) and trip levels, %LFL: the usual two-stage gas-alarm thresholds.
    public var hydrogenWarningLFL: Double = 10
    public var hydrogenTripLFL: Double = 25
    /// No good answer from the controller for this long trips the plant.
    public var linkLostAfter: Duration = .seconds(2)

    public init() {}
}
