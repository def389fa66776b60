/// What the policy wants the lamp to do at one instant.
public struct DimmingOutput: Hashable, Sendable {
    /// Level the lamp is heading to, percent (0 = off; otherwise at least the minimum on-level).
    public var targetLevelPercent: Double
    /// Level to drive now, on the fade towards the target, percent.
    public var levelPercent: Double
    /// The layer that decided the target.
    public var activeLayer: DimmingLayer
    /// The layer that decided on/off underneath: ``DimmingLayer/ambient`` or ``DimmingLayer/astronomical``.
    public var switchingLayer: DimmingLayer
    /// The relay should be closed (the lamp is lit or fading).
    public var relayOn: Bool
    /// The lux sensor failed or went silent; the policy fell back to the astronomical clock. The daemon raises an
    /// event on the change.
    public var luxSensorDegraded: Bool
    /// The current ramp.
    public var fade: Fade
}
