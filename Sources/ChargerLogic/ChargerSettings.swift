/// The charge point's remotely configurable settings; the keys are declared in `ChargerSettings+Config.swift`. The
/// local ceiling on the current is in the local-only `hardware` section, out of reach of these.
public struct ChargerSettings: Sendable, Hashable {
    /// The largest current offered (per phase).
    public var maxCurrentAmps = 32.0
    /// Every connected vehicle is authorised at once (id tag `free-vend`).
    public var freeVend = false
    /// Id tags authorised locally (an RFID reader, later, and the `authorize` command check against it).
    public var allowList: [String] = []
    /// The site ventilates, so state D (an EV that needs ventilation) may charge.
    public var ventilation = false
    /// The lock feedback must follow the lock motor within this time.
    public var lockTimeout: Duration = .seconds(2)
    /// The contactor's auxiliary contact must follow the coil within this time (the rig's EV model answers within its
    /// 100 ms tick).
    public var contactorTimeout: Duration = .milliseconds(500)
    /// An authorisation given before the vehicle is plugged in is held this long.
    public var authorizationTimeout: Duration = .seconds(60)
    /// Meter poll period; three failed polls in a row are a lost meter.
    public var meterInterval: Duration = .seconds(1)
    /// Period of `telemetry/charging`.
    public var telemetryInterval: Duration = .seconds(10)

    public init() {}
}
