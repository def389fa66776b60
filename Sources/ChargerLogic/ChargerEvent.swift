/// Everything that can happen to the charge point. Each is offered to `ChargerMachine.handle(_:at:)`, whose one
/// transition table accepts it (possibly staying in the same state) or refuses it with a reason.
public enum ChargerEvent: Sendable, Hashable {
    /// A new classified pilot measurement (the controller offers changes only).
    case pilot(PilotReading)
    /// The user or the operator is authorised (allow-list, free vend, the `authorize` command), with an id tag.
    case authorized(idTag: String)
    /// The cable lock's feedback changed.
    case lockFeedback(locked: Bool)
    /// The contactor's auxiliary contact changed.
    case contactorFeedback(closed: Bool)
    /// The offered current changed (grid limit, settings, cable): may suspend or resume a session.
    case limitChanged
    /// The session ends by command, authorisation end or the local operator.
    case stopRequested(StopReason)
    case faultFound(ChargerFault)
    /// The fault's cause is gone; the fault stays latched until a reset.
    case causeCleared(ChargerFault)
    case resetRequested

    /// The fault this event reports, if any: a fault found by the controller, or a pilot reading that is itself one.
    public var fault: ChargerFault? {
        switch self {
        case .pilot(.diodeFault): .diodeFault
        case .pilot(.pilotFault): .pilotFault
        case .pilot(.state(.e)), .pilot(.state(.f)): .cpShort
        case .faultFound(let fault): fault
        default: nil
        }
    }

    /// The event's name without its payload, for `event/transition`.
    public var name: String {
        switch self {
        case .pilot: "pilot"
        case .authorized: "authorized"
        case .lockFeedback: "lock-feedback"
        case .contactorFeedback: "contactor-feedback"
        case .limitChanged: "limit-changed"
        case .stopRequested: "stop-requested"
        case .faultFound: "fault-found"
        case .causeCleared: "cause-cleared"
        case .resetRequested: "reset-requested"
        }
    }
}

/// What `ChargerMachine.handle` did with an event.
public struct ChargerTransition: Sendable, Hashable {
    public var from: ChargerState
    public var to: ChargerState
    public var event: ChargerEvent
    /// Why the event was refused (the machine is unchanged), or nil when accepted.
    public var refusal: String?
    /// A session (transaction) started with this event, for this id tag.
    public var sessionStarted: String?
    /// The open session ended with this event, for this reason.
    public var sessionStopped: StopReason?

    public var isRefused: Bool { refusal != nil }
}
