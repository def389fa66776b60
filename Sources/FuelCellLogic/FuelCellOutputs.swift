/// What the plant's actuators and the controller should be told now.
public struct FuelCellOutputs: Sendable, Hashable {
    /// The H₂ shut-off valve (energise-to-open).
    public var valveOpen = false
    public var ventilation = false
    /// The controller's `run` coil.
    public var runRequest = false
    /// The controller's `emergencyStop` coil.
    public var controllerEmergencyStop = false
    /// The electrical power set-point written to the controller, kW.
    public var setpointKW: Double = 0

    public init() {}

    /// The safe state: valve closed, ventilation on, no run request, set-point 0 (the controller's emergency stop is
    /// the trip's business, so a daemon start does not latch one).
    public static let safe: FuelCellOutputs = {
        var outputs = FuelCellOutputs()
        outputs.ventilation = true
        return outputs
    }()
}
