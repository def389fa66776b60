/// Something wrong that the machine latches until a reset after its cause has cleared: a warning (ventilation to
/// full, the plant keeps running) or a trip (safety shutdown).
public enum FuelCellCondition: Sendable, Hashable, CustomStringConvertible {
    /// H₂ in the enclosure at or above the warning level (10 %LFL by default): ventilation to full.
    case hydrogenWarning
    /// H₂ at or above the trip level (25 %LFL by default).
    case hydrogenHigh
    /// The H₂ detector's analog signal is out of its live range (broken wire, dead transmitter) or cannot be read:
    /// no reading is no proof of no hydrogen.
    case hydrogenSensorFault
    /// The emergency-stop chain (normally closed) is open.
    case emergencyStop
    /// The leak detector's digital alarm contact is active.
    case leakContact
    /// The controller reports a fault, by its own code (`over-temperature`, `h2-pressure-low`, …).
    case controllerFault(String)
    /// No good answer from the controller for longer than the configured time.
    case controllerLinkLost
    /// The controller did not reach `running` within the start timeout.
    case startTimeout
    /// The daemon's control loop stopped stepping within its deadline.
    case controlLoopStall

    /// Trips shut the plant down; a warning only ventilates.
    public var isTrip: Bool { self != .hydrogenWarning }

    /// The cause's code in `event/shutdown`, `event/fault` and the retained state.
    public var code: String {
        switch self {
        case .hydrogenWarning: "h2-warning"
        case .hydrogenHigh: "h2-high"
        case .hydrogenSensorFault: "h2-sensor-fault"
        case .emergencyStop: "emergency-stop"
        case .leakContact: "leak-contact"
        case .controllerFault(let code): "controller-fault:\(code)"
        case .controllerLinkLost: "controller-link-lost"
        case .startTimeout: "start-timeout"
        case .controlLoopStall: "control-loop-stall"
        }
    }

    public var description: String {
        switch self {
        case .hydrogenWarning: "H2 concentration at or above the warning level"
        case .hydrogenHigh: "H2 concentration at or above the trip level"
        case .hydrogenSensorFault: "H2 detector signal out of range or unreadable"
        case .emergencyStop: "emergency stop opened"
        case .leakContact: "leak detector alarm contact active"
        case .controllerFault(let code): "controller fault: \(code)"
        case .controllerLinkLost: "no answer from the controller"
        case .startTimeout: "controller did not reach running in time"
        case .controlLoopStall: "control loop stalled"
        }
    }

    /// Conditions that are events, not states: their cause is gone as soon as they are found.
    var isMomentary: Bool { self == .startTimeout || self == .controlLoopStall }
}
