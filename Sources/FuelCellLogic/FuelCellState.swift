/// The plant's operating state, published retained on `state`.
///
/// - `standby`: H₂ valve closed, controller stopped, ventilation off unless a warning is latched.
/// - `purge`: the enclosure is ventilated with the valve still closed before any hydrogen flows (like a burner's
///   pre-purge), for the configured purge time.
/// - `start`: valve open, run requested; waiting for the controller to report `running`.
/// - `warm-up`: the controller runs; the set-point is held at the warm-up power for the warm-up time.
/// - `running`: the set-point follows the demand (`set-power`), ramp-limited.
/// - `cool-down`: stop requested; the controller ramps down and cools the stack, until it reports `off`.
/// - `tripped`: a latched safety shutdown: valve closed, controller emergency stop, ventilation on, until a reset
///   once every cause has cleared.
public enum FuelCellState: String, Sendable, Hashable, CaseIterable {
    case standby
    case purge
    case start
    case warmUp = "warm-up"
    case running
    case coolDown = "cool-down"
    case tripped
}

/// Where a fault reset came from: the local reset input, or the authorised `reset-fault` command.
public enum ResetSource: String, Sendable, Hashable, CaseIterable {
    case localInput = "local-input"
    case command
}

/// The controller's own operating state as the machine sees it (the register map's `state`, mapped by the device).
public enum ControllerState: String, Sendable, Hashable, CaseIterable {
    case off
    case starting
    case running
    case stopping
    case fault
    case emergencyStop = "emergency-stop"
}
