/// Everything that can happen to the crossing. Each is offered to `CrosswalkMachine.handle(_:at:)`, whose one
/// transition table accepts it (possibly staying in the same state) or refuses it with a reason.
public enum CrosswalkEvent: Sendable, Hashable {
    /// A presence zone's input went active or a button was pressed.
    case detected(DetectionSource)
    /// That input went inactive again.
    case released(DetectionSource)
    case vehicleArrived
    case vehicleLeft
    /// The signal controller's walk-phase input went active / inactive.
    case walkStarted
    case walkEnded
    /// The clearance time after the last detection passed with nobody on the crossing.
    case clearanceElapsed
    case faultFound(CrosswalkFault)
    /// The fault's cause is gone (the detector beats again, the input released, the output reads back right); the
    /// fault stays latched until a reset.
    case causeCleared(CrosswalkFault)
    case resetRequested(ResetSource)
    case schoolHoursStarted
    case schoolHoursEnded

    /// The event's name without its payload, for tables and `event/…` documents.
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        case detected, released
        case vehicleArrived = "vehicle-arrived"
        case vehicleLeft = "vehicle-left"
        case walkStarted = "walk-started"
        case walkEnded = "walk-ended"
        case clearanceElapsed = "clearance-elapsed"
        case faultFound = "fault-found"
        case causeCleared = "cause-cleared"
        case resetRequested = "reset-requested"
        case schoolHoursStarted = "school-hours-started"
        case schoolHoursEnded = "school-hours-ended"
    }

    public var kind: Kind {
        switch self {
        case .detected: .detected
        case .released: .released
        case .vehicleArrived: .vehicleArrived
        case .vehicleLeft: .vehicleLeft
        case .walkStarted: .walkStarted
        case .walkEnded: .walkEnded
        case .clearanceElapsed: .clearanceElapsed
        case .faultFound: .faultFound
        case .causeCleared: .causeCleared
        case .resetRequested: .resetRequested
        case .schoolHoursStarted: .schoolHoursStarted
        case .schoolHoursEnded: .schoolHoursEnded
        }
    }
}

/// What `CrosswalkMachine.handle` did with an event: the states before and after, or why it refused.
public struct CrosswalkTransition: Sendable, Hashable {
    public var from: CrosswalkState
    public var to: CrosswalkState
    public var event: CrosswalkEvent
    /// Why the event was refused (the machine is unchanged), or nil when accepted.
    public var refusal: String?
    /// A vehicle at the stop line met a pedestrian on the crossing with this event (counted, `event/conflict`).
    public var conflict: Bool

    public var isRefused: Bool { refusal != nil }
}
