/// The AC charge point as a state machine (IEC 61851-1 Annex A sequence): pilot readings, authorisation, lock and
/// contactor feedback, limits, stops and faults go in as `ChargerEvent`s with the time they happened; the state, the
/// offered current and every actuator's level come out. Time is injected (a monotonic `Duration` since any fixed
/// origin); nothing here reads a clock or touches a line.
///
/// Every event passes through `handle(_:at:)`, whose `destination` is the one transition table. The helpers below it
/// (`lockChanged`, `contactorChanged`, `tick`, `setGridLimit`, …) only feed it events.
public struct ChargerMachine: Sendable {
    public private(set) var state: ChargerState = .available
    public var settings: ChargerSettings
    /// The local ceiling on the offered current (the `hardware` section): no command or remote setting exceeds it.
    public let ceilingAmps: Double

    /// The last accepted pilot state (nil until the first reading, and again after a reset).
    public private(set) var pilot: PilotState?
    /// The cable assembly's rating from its PP resistor (nil: a tethered cable, rated by the ceiling).
    public private(set) var cableAmps: Double?
    /// The grid operator's limit (`set-current-limit`); nil: none.
    public private(set) var gridLimitAmps: Double?
    /// The id tag in force for the vehicle now connected.
    public private(set) var idTag: String?
    /// An authorisation given before a vehicle was connected, and when.
    public private(set) var pendingAuthorization: (idTag: String, at: Duration)?
    /// Whether a session (transaction) is open; it stays open across `preparing` after a restart (`resume`).
    public private(set) var sessionOpen = false
    /// The feedback inputs as last seen.
    public private(set) var lockLocked = false
    public private(set) var contactorClosed = false
    /// Faults latched until a reset, and those whose cause is still present.
    public private(set) var latched: Set<ChargerFault> = []
    public private(set) var causes: Set<ChargerFault> = []
    /// Since when a feedback has disagreed with its command, and what the command was.
    private var lockMismatch: (expected: Bool, since: Duration)?
    private var contactorMismatch: (expected: Bool, since: Duration)?

    public init(settings: ChargerSettings, ceilingAmps: Double) {
        self.settings = settings
        self.ceilingAmps = ceilingAmps
    }

    /// The current offered now: min(cable rating, configured maximum, grid limit, local ceiling).
    public var offeredAmps: Double {
        min(cableAmps ?? .infinity, settings.maxCurrentAmps, gridLimitAmps ?? .infinity, ceilingAmps)
    }

    /// What every actuator should do now. The contactor closes only in `charging` (reached only with the lock
    /// confirmed); the lock holds while a vehicle is in a session and, whatever the state, while the contactor's
    /// feedback says current can flow.
    public var outputs: ChargerOutputs {
        var outputs = ChargerOutputs()
        outputs.contactor = state == .charging
        switch state {
        case .suspendedEV, .charging:
            outputs.pilot = PilotDuty.duty(forAmps: offeredAmps).map { .pwm(duty: $0) } ?? .steady
        case .faulted: outputs.pilot = .notAvailable
        default: outputs.pilot = .steady
        }
        outputs.lock = [.preparing, .suspendedEV, .charging, .suspendedEVSE].contains(state) || contactorClosed
        return outputs
    }

    // MARK: The transition table

    private enum Rule {
        case go(ChargerState)
        case refuse(String)
    }

    /// Where a connected, authorised and locked vehicle goes: charging if it asks (C, or D with ventilation) and
    /// current can be offered, suspended otherwise.
    private var sessionState: ChargerState { sessionState(pilot: pilot) }

    private func sessionState(pilot: PilotState?) -> ChargerState {
        guard offeredAmps >= PilotDuty.minimumAmps else { return .suspendedEVSE }
        return pilot == .c || (pilot == .d && settings.ventilation) ? .charging : .suspendedEV
    }

    private func isAllowed(_ tag: String) -> Bool { settings.freeVend || settings.allowList.contains(tag) }

    /// The one place transitions are decided: for the current state and `event`, the next state or the refusal.
    private func destination(of event: ChargerEvent) -> Rule {
        switch (state, event) {
        // While faulted the EVSE drives −12 V itself: the pilot tells nothing until a reset.
        case (.faulted, .pilot):
            return .go(.faulted)
        case (_, .pilot(.invalid(let volts))):
            return .refuse("CP high level \(volts) V is outside every state's band")
        case (_, .pilot(.diodeFault)), (_, .pilot(.pilotFault)), (_, .pilot(.state(.e))), (_, .pilot(.state(.f))):
            return .go(.faulted)
        case (_, .pilot(.state(let reading))) where reading == pilot:
            return .refuse("the pilot is already in state \(reading.rawValue)")
        case (_, .pilot(.state(.a))):
            return .go(.available)
        // Plugged in with the lock already reading locked (held over a restart) and an authorisation waiting.
        case (.available, .pilot(.state(let reading)))
        where lockLocked && (settings.freeVend || pendingAuthorization != nil):
            return .go(sessionState(pilot: reading))
        case (.available, .pilot):
            return .go(.preparing)
        case (.preparing, .pilot), (.finishing, .pilot), (.suspendedEVSE, .pilot):
            return .go(state)
        case (.suspendedEV, .pilot(.state(.d))) where !settings.ventilation,
            (.charging, .pilot(.state(.d))) where !settings.ventilation:
            return .go(.suspendedEV)
        case (.suspendedEV, .pilot(.state(.c))) where !lockLocked, (.suspendedEV, .pilot(.state(.d))) where !lockLocked:
            return .refuse("the cable lock is not confirmed")
        case (.suspendedEV, .pilot(.state(.c))), (.suspendedEV, .pilot(.state(.d))):
            return .go(.charging)
        case (.charging, .pilot(.state(.b))):
            return .go(.suspendedEV)
        case (_, .pilot):
            return .go(state)

        case (.faulted, .authorized):
            return .refuse("a fault is latched")
        case (_, .authorized(let tag)) where !isAllowed(tag):
            return .refuse("id tag \(tag) is not on the allow-list")
        case (.finishing, .authorized):
            return .refuse("the session was stopped; unplug the vehicle first")
        case (_, .authorized) where state.hasSession:
            return .refuse("a session is already running")
        case (.available, .authorized):
            return .go(.available)
        case (.preparing, .authorized):
            return .go(lockLocked ? sessionState : .preparing)
        case (_, .authorized):
            return .refuse("cannot authorise in \(state.rawValue)")

        case (_, .lockFeedback(let locked)) where locked == lockLocked:
            return .refuse("the lock already reads \(locked ? "locked" : "unlocked")")
        case (.preparing, .lockFeedback(true)) where idTag != nil:
            return .go(sessionState)
        case (_, .lockFeedback):
            return .go(state)

        case (_, .contactorFeedback(let closed)) where closed == contactorClosed:
            return .refuse("the contactor feedback already reads \(closed ? "closed" : "open")")
        case (_, .contactorFeedback):
            return .go(state)

        case (.suspendedEV, .limitChanged), (.charging, .limitChanged), (.suspendedEVSE, .limitChanged):
            return .go(sessionState)
        case (_, .limitChanged):
            return .go(state)

        case (.preparing, .stopRequested):
            return .go(.finishing)
        case (_, .stopRequested) where state.hasSession:
            return .go(.finishing)
        case (_, .stopRequested):
            return .refuse("no session to stop in \(state.rawValue)")

        case (_, .faultFound(let fault))
        where causes.contains(fault) || (!fault.observableWhileFaulted && state == .faulted && latched.contains(fault)):
            return .refuse("\(fault) is already present")
        case (_, .faultFound):
            return .go(.faulted)
        case (_, .causeCleared(let fault)) where !causes.contains(fault):
            return .refuse("\(fault) is not present")
        case (_, .causeCleared):
            return .go(state)

        case (.faulted, .resetRequested):
            let remaining = latched.intersection(causes)
            guard remaining.isEmpty else {
                return .refuse(
                    "cause still present: " + remaining.map(\.description).sorted().joined(separator: "; "))
            }
            return .go(.available)
        case (_, .resetRequested):
            return .refuse("no fault is latched")
        }
    }

    // MARK: Handling events

    /// Offers `event`, happened at `now`, to the table; an accepted one updates the machine and says whether a
    /// session started or stopped.
    @discardableResult
    public mutating func handle(_ event: ChargerEvent, at now: Duration) -> ChargerTransition {
        let from = state
        switch destination(of: event) {
        case .refuse(let reason):
            return ChargerTransition(from: from, to: from, event: event, refusal: reason)
        case .go(let next):
            apply(event, at: now)
            state = next
            var transition = ChargerTransition(from: from, to: next, event: event, refusal: nil)
            // A resumed session waits in `available` for the first reading: only a change of state, or state A
            // itself, ends it.
            let ends =
                [.available, .finishing, .faulted].contains(next) && (from != next || event == .pilot(.state(.a)))
            if next.hasSession, !sessionOpen {
                sessionOpen = true
                transition.sessionStarted = idTag
            } else if sessionOpen, ends {
                sessionOpen = false
                transition.sessionStopped = stopReason(of: event)
            }
            if next == .available || next == .finishing || next == .faulted { idTag = nil }
            supervise(at: now)
            return transition
        }
    }

    private func stopReason(of event: ChargerEvent) -> StopReason {
        switch event {
        case .pilot(.state(.a)): .evDisconnected
        case .stopRequested(let reason): reason
        default: event.fault?.stopReason ?? .other
        }
    }

    private mutating func apply(_ event: ChargerEvent, at now: Duration) {
        if state != .faulted, let fault = event.fault {
            latched.insert(fault)
            if fault.observableWhileFaulted { causes.insert(fault) }
            return
        }
        switch event {
        case .pilot(.state(let reading)) where state != .faulted:
            pilot = reading
            if reading == .a {
                return
            }
            if state == .available {
                if settings.freeVend {
                    idTag = "free-vend"
                } else if let pending = pendingAuthorization {
                    idTag = pending.idTag
                }
                pendingAuthorization = nil
            }
        case .pilot: break
        case .authorized(let tag):
            if state == .available { pendingAuthorization = (tag, now) } else { idTag = tag }
        case .lockFeedback(let locked): lockLocked = locked
        case .contactorFeedback(let closed): contactorClosed = closed
        case .faultFound(let fault):
            // Seen again while faulted: its cause is back.
            if fault.observableWhileFaulted { causes.insert(fault) }
        case .causeCleared(let fault): causes.remove(fault)
        case .resetRequested:
            latched = []
            pilot = nil
        case .limitChanged, .stopRequested: break
        }
    }

    /// Tracks how long each feedback has disagreed with its command.
    private mutating func supervise(at now: Duration) {
        let wanted = outputs
        if lockLocked == wanted.lock {
            lockMismatch = nil
        } else if lockMismatch?.expected != wanted.lock {
            lockMismatch = (wanted.lock, now)
        }
        if contactorClosed == wanted.contactor {
            contactorMismatch = nil
        } else if contactorMismatch?.expected != wanted.contactor {
            contactorMismatch = (wanted.contactor, now)
        }
    }

    // MARK: Inputs that bring more than one event

    /// The lock feedback changed: the change itself; a locked cable coming unlocked during a session is a lock
    /// failure at once; a feedback that agrees again clears a lock failure's cause.
    public mutating func lockChanged(locked: Bool, at now: Duration) -> [ChargerTransition] {
        var transitions = [handle(.lockFeedback(locked: locked), at: now)]
        guard !transitions[0].isRefused else { return transitions }
        if !locked, state.hasSession, !causes.contains(.lockFailure) {
            transitions.append(handle(.faultFound(.lockFailure), at: now))
        }
        transitions += clearedCauses(at: now)
        return transitions
    }

    /// The contactor feedback changed; one that agrees again clears a contactor fault's cause.
    public mutating func contactorChanged(closed: Bool, at now: Duration) -> [ChargerTransition] {
        var transitions = [handle(.contactorFeedback(closed: closed), at: now)]
        guard !transitions[0].isRefused else { return transitions }
        transitions += clearedCauses(at: now)
        return transitions
    }

    private mutating func clearedCauses(at now: Duration) -> [ChargerTransition] {
        var transitions: [ChargerTransition] = []
        if lockMismatch == nil, causes.contains(.lockFailure) {
            transitions.append(handle(.causeCleared(.lockFailure), at: now))
        }
        if contactorMismatch == nil {
            for fault in [ChargerFault.contactorWelded, .contactorNotClosing] where causes.contains(fault) {
                transitions.append(handle(.causeCleared(fault), at: now))
            }
        }
        return transitions
    }

    /// The RCD input changed: a trip is a fault; its release clears the cause.
    public mutating func rcdChanged(tripped: Bool, at now: Duration) -> [ChargerTransition] {
        let present = causes.contains(.rcdTrip)
        guard tripped != present else { return [] }
        return [handle(tripped ? .faultFound(.rcdTrip) : .causeCleared(.rcdTrip), at: now)]
    }

    /// The meter answered (`true`) or was declared lost (`false`).
    public mutating func meterChanged(answering: Bool, at now: Duration) -> [ChargerTransition] {
        let present = causes.contains(.meterLost)
        guard answering == present else { return [] }
        return [handle(answering ? .causeCleared(.meterLost) : .faultFound(.meterLost), at: now)]
    }

    /// The grid operator's limit (nil lifts it); never above the local ceiling, which `offeredAmps` applies.
    public mutating func setGridLimit(_ amps: Double?, at now: Duration) -> ChargerTransition {
        gridLimitAmps = amps.map { max($0, 0) }
        return handle(.limitChanged, at: now)
    }

    /// The cable rating from the PP resistor (nil: no valid coding, nothing can be offered; see `CableRating`).
    public mutating func setCableRating(_ amps: Double?, at now: Duration) -> ChargerTransition {
        cableAmps = amps ?? 0
        return handle(.limitChanged, at: now)
    }

    /// After a restart: a session stored open continues for the vehicle still connected (the next pilot reading
    /// decides — state A ends it as `EVDisconnected`), with its id tag and without a new start.
    public mutating func resume(idTag tag: String) {
        precondition(state == .available && pilot == nil, "a session resumes only before the first pilot reading")
        idTag = nil
        pendingAuthorization = (tag, .zero)
        sessionOpen = true
    }

    /// What time alone brings: feedback that did not follow its command in time, an authorisation that expired.
    public mutating func tick(at now: Duration) -> [ChargerTransition] {
        var transitions: [ChargerTransition] = []
        if let mismatch = lockMismatch, now - mismatch.since >= settings.lockTimeout, !causes.contains(.lockFailure) {
            transitions.append(handle(.faultFound(.lockFailure), at: now))
        }
        if let mismatch = contactorMismatch, now - mismatch.since >= settings.contactorTimeout {
            let fault: ChargerFault = mismatch.expected ? .contactorNotClosing : .contactorWelded
            if !causes.contains(fault) { transitions.append(handle(.faultFound(fault), at: now)) }
        }
        // A feedback that agrees again without changing (a lock released after it jammed locked) clears its cause.
        transitions += clearedCauses(at: now)
        // A resumed session's authorisation (taken at .zero) waits for the first reading, not for the timeout.
        if let pending = pendingAuthorization, !sessionOpen, now - pending.at >= settings.authorizationTimeout {
            pendingAuthorization = nil
        }
        return transitions
    }
}
