/// A fault that opens the contactor, puts the pilot at state F (−12 V, EVSE not available) and stays latched until a
/// reset after its cause has cleared.
public enum ChargerFault: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// The residual-current device (RCD / RDC-DD) tripped.
    case rcdTrip = "rcd-trip"
    /// The contactor's auxiliary contact says closed while the contactor is commanded open: welded contacts.
    case contactorWelded = "contactor-welded"
    /// The auxiliary contact stays open while the contactor is commanded closed.
    case contactorNotClosing = "contactor-not-closing"
    /// The CP high level sits at 0 V (state E) or −12 V without the EVSE driving it: CP shorted.
    case cpShort = "cp-short"
    /// The low level of the running PWM is not −12 V: the EV's diode is missing.
    case diodeFault = "diode-fault"
    /// The CP high level is one no vehicle can produce (above 13 V, below −13 V, or −10…−2 V): a broken pilot circuit.
    case pilotFault = "pilot-fault"
    /// The cable lock's feedback does not follow its motor within the timeout, or a locked cable came unlocked.
    case lockFailure = "lock-failure"
    /// The energy meter stopped answering.
    case meterLost = "meter-lost"
    /// The daemon's control loop stopped sampling the pilot within its deadline.
    case controlLoopStall = "control-loop-stall"

    /// The fault's code in `event/fault` and `state`.
    public var code: String { rawValue }

    public var description: String {
        switch self {
        case .rcdTrip: "residual-current device tripped"
        case .contactorWelded: "contactor feedback closed while commanded open (welded)"
        case .contactorNotClosing: "contactor feedback open while commanded closed"
        case .cpShort: "control pilot shorted (state E/F level measured)"
        case .diodeFault: "control pilot low level missing (EV diode fault)"
        case .pilotFault: "control pilot level outside every state's range (pilot circuit fault)"
        case .lockFailure: "cable lock feedback disagrees with its command"
        case .meterLost: "energy meter not answering"
        case .controlLoopStall: "control loop stalled"
        }
    }

    /// Faults seen on the pilot can only be observed while the pilot is at +12 V, not at the −12 V of state F: they
    /// latch without a cause the machine could watch clear, and come back after a reset if still there.
    public var observableWhileFaulted: Bool {
        switch self {
        case .cpShort, .diodeFault, .pilotFault, .controlLoopStall: false
        default: true
        }
    }

    /// Why a session ends on this fault (OCPP 2.0.1 reason names).
    public var stopReason: StopReason {
        switch self {
        case .rcdTrip: .groundFault
        default: .other
        }
    }
}
