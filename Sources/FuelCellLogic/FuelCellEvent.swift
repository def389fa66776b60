/// Everything that can happen to the plant. Each is offered to `FuelCellMachine.handle(_:at:)`, whose one transition
/// table accepts it (possibly staying in the same state) or refuses it with a reason.
public enum FuelCellEvent: Sendable, Hashable {
    /// `start` command: begin the start sequence.
    case startRequested
    /// `stop` command: a controlled stop with cool-down.
    case stopRequested
    /// `set-power {kw}`: the demanded electrical output.
    case powerRequested(kilowatts: Double)
    /// The purge time has passed.
    case purgeElapsed
    /// The warm-up time has passed.
    case warmUpElapsed
    /// The controller reported its operating state.
    case controllerReported(ControllerState)
    case conditionFound(FuelCellCondition)
    /// The condition's cause is gone; it stays latched until a reset.
    case causeCleared(FuelCellCondition)
    case resetRequested(ResetSource)

    /// The event's name without its payload, for tables and `event/…` documents.
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        case startRequested = "start-requested"
        case stopRequested = "stop-requested"
        case powerRequested = "power-requested"
        case purgeElapsed = "purge-elapsed"
        case warmUpElapsed = "warm-up-elapsed"
        case controllerReported = "controller-reported"
        case conditionFound = "condition-found"
        case causeCleared = "cause-cleared"
        case resetRequested = "reset-requested"
    }

    public var kind: Kind {
        switch self {
        case .startRequested: .startRequested
        case .stopRequested: .stopRequested
        case .powerRequested: .powerRequested
        case .purgeElapsed: .purgeElapsed
        case .warmUpElapsed: .warmUpElapsed
        case .controllerReported: .controllerReported
        case .conditionFound: .conditionFound
        case .causeCleared: .causeCleared
        case .resetRequested: .resetRequested
        }
    }
}

/// What `FuelCellMachine.handle` did with an event: the states before and after, or why it refused.
public struct FuelCellTransition: Sendable, Hashable {
    public var from: FuelCellState
    public var to: FuelCellState
    public var event: FuelCellEvent
    /// Why the event was refused (the machine is unchanged), or nil when accepted.
    public var refusal: String?

    public var isRefused: Bool { refusal != nil }
    /// This event took the plant from a running state into `tripped` (`event/shutdown`).
    public var isShutdown: Bool { from != .tripped && to == .tripped }
}
