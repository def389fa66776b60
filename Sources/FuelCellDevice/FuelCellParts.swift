public import ADS1115
public import FuelCellController
import FuelCellLogic
public import HAL

/// The parts the plant reads and drives, opened by the daemon from the board file and the backend in use.
public struct FuelCellParts: Sendable {
    /// The controller's driver on its Modbus client.
    public var controller: FuelCellController
    /// The ADS1115 the H₂ detector's analog output is wired to, and its input.
    public var h2Sensor: ADS1115
    public var h2Input: ADS1115.Input
    public var leakContact: any GPIOInputLine
    public var emergencyStop: any GPIOInputLine
    public var faultReset: (any GPIOInputLine)?
    public var valve: any GPIOOutputLine
    public var ventilation: any GPIOOutputLine

    public init(
        controller: FuelCellController, h2Sensor: ADS1115, h2Input: ADS1115.Input, leakContact: any GPIOInputLine,
        emergencyStop: any GPIOInputLine, faultReset: (any GPIOInputLine)?, valve: any GPIOOutputLine,
        ventilation: any GPIOOutputLine
    ) {
        self.controller = controller
        self.h2Sensor = h2Sensor
        self.h2Input = h2Input
        self.leakContact = leakContact
        self.emergencyStop = emergencyStop
        self.faultReset = faultReset
        self.valve = valve
        self.ventilation = ventilation
    }
}

/// Which input an edge came from.
public enum FuelCellInput: String, Sendable, Hashable {
    case leakContact = "leak-contact"
    case emergencyStop = "e-stop"
    case faultReset = "fault-reset"
}

extension FuelCellController.State {
    /// The controller's state as the machine knows it.
    var machineState: ControllerState {
        switch self {
        case .off: .off
        case .starting: .starting
        case .running: .running
        case .stopping: .stopping
        case .fault: .fault
        case .emergencyStop: .emergencyStop
        }
    }
}

extension FuelCellController.Faults {
    /// The register map's fault bits as the codes of `controller-fault:<code>`.
    var codes: Set<String> {
        let named: [(Self, String)] = [
            (.overTemperature, "over-temperature"), (.hydrogenPressureLow, "h2-pressure-low"),
            (.hydrogenLeak, "h2-leak"), (.stackUndervoltage, "stack-undervoltage"),
            (.coolingFailure, "cooling-failure"), (.communicationLost, "communication-lost"),
        ]
        return Set(named.filter { contains($0.0) }.map(\.1))
    }
}
