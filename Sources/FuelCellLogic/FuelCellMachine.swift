/// The fuel-cell plant as a state machine: commands, the controller's reported state, hydrogen readings, the E-stop
/// and leak inputs and time go in with the instant they happened; the state, the latched conditions, the ramped
/// set-point and the level of every output come out. Time is injected (a monotonic instant as a `Duration`), nothing
/// here reads a clock, a line or a register.
///
/// Every event passes through `handle(_:at:)`, whose `destination` is the one transition table.
public struct FuelCellMachine: Sendable {
    public private(set) var state: FuelCellState = .standby
    public var settings: FuelCellSettings
    public let limits: FuelCellLimits
    /// When the present state was entered.
    public private(set) var enteredAt: Duration
    /// Conditions latched until a reset, and those whose cause is still present.
    public private(set) var latched: Set<FuelCellCondition> = []
    public private(set) var causes: Set<FuelCellCondition> = []
    /// The condition that tripped the plant (the first of the present shutdown).
    public private(set) var tripCause: FuelCellCondition?
    /// The demanded power (`set-power`), kW; nil until one is requested (the start power applies).
    public private(set) var demandKW: Double?
    /// The set-point now, moved toward the target at most `rampKWPerSecond`.
    public private(set) var setpointKW: Double = 0
    /// The controller's last reported state.
    public private(set) var controller: ControllerState = .off
    /// Completed run requests (purge → start).
    public private(set) var starts = 0
    /// The last good controller answer, for the link supervision.
    public private(set) var lastContact: Duration
    private var lastRamp: Duration

    public init(settings: FuelCellSettings, limits: FuelCellLimits, start: Duration) {
        self.settings = settings
        self.limits = limits
        enteredAt = start
        lastContact = start
        lastRamp = start
    }

    /// The highest set-point allowed now: the local ceiling, and the controller's rating when known.
    public func powerLimit(ratedKW: Double? = nil) -> Double {
        min(limits.powerCeilingKW, ratedKW ?? .infinity)
    }

    /// The set-point the ramp moves toward in the present state.
    public var targetKW: Double {
        switch state {
        case .warmUp: min(settings.warmUpKW, limits.powerCeilingKW)
        case .running: min(demandKW ?? settings.startPowerKW, limits.powerCeilingKW)
        case .standby, .purge, .start, .coolDown, .tripped: 0
        }
    }

    // MARK: The transition table

    private enum Rule {
        case go(FuelCellState)
        case refuse(String)
    }

    /// The one place transitions are decided: for the current state and `event`, the next state or the refusal.
    private func destination(of event: FuelCellEvent, at now: Duration) -> Rule {
        switch (state, event) {
        case (.standby, .startRequested) where !latched.isEmpty:
            return .refuse("latched: \(codes(latched)); reset first")
        case (.standby, .startRequested):
            return .go(.purge)
        case (.tripped, .startRequested):
            return .refuse("tripped (\(codes(latched))); reset first")
        case (.coolDown, .startRequested):
            return .refuse("cooling down; start again in standby")
        case (_, .startRequested):
            return .refuse("already starting or running (\(state.rawValue))")

        case (.purge, .stopRequested):
            return .go(.standby)
        case (.start, .stopRequested), (.warmUp, .stopRequested), (.running, .stopRequested):
            return .go(.coolDown)
        case (_, .stopRequested):
            return .refuse("nothing to stop in \(state.rawValue)")

        case (_, .powerRequested(let kilowatts)) where !kilowatts.isFinite || kilowatts < 0:
            return .refuse("\(kilowatts) kW is not a power")
        case (_, .powerRequested(let kilowatts)) where kilowatts > limits.powerCeilingKW:
            return .refuse("\(kilowatts) kW is above the local ceiling of \(limits.powerCeilingKW) kW")
        case (.tripped, .powerRequested):
            return .refuse("tripped; reset first")
        case (_, .powerRequested):
            return .go(state)

        case (.purge, .purgeElapsed) where now - enteredAt < settings.purge:
            return .refuse("the purge time has not passed")
        case (.purge, .purgeElapsed):
            return .go(.start)
        case (_, .purgeElapsed):
            return .refuse("no purge runs in \(state.rawValue)")

        case (.warmUp, .warmUpElapsed) where now - enteredAt < settings.warmUp:
            return .refuse("the warm-up time has not passed")
        case (.warmUp, .warmUpElapsed):
            return .go(.running)
        case (_, .warmUpElapsed):
            return .refuse("no warm-up runs in \(state.rawValue)")

        case (.start, .controllerReported(.running)):
            return .go(.warmUp)
        case (.start, .controllerReported(.stopping)):
            return .go(.coolDown)
        case (.warmUp, .controllerReported(.stopping)), (.running, .controllerReported(.stopping)):
            // The controller stopped on its own (its own watchdog, a local panel): follow it down.
            return .go(.coolDown)
        case (.warmUp, .controllerReported(.off)), (.running, .controllerReported(.off)):
            return .go(.standby)
        case (.coolDown, .controllerReported(.off)):
            return .go(.standby)
        case (_, .controllerReported):
            // Faults and emergency stops reach the table as conditions; other reports change nothing here.
            return .go(state)

        case (_, .conditionFound(let condition)) where causes.contains(condition):
            return .refuse("\(condition.code) is already present")
        case (_, .conditionFound(let condition)) where condition.isTrip:
            return .go(.tripped)
        case (_, .conditionFound):
            return .go(state)
        case (_, .causeCleared(let condition)) where !causes.contains(condition):
            return .refuse("\(condition.code) is not present")
        case (_, .causeCleared):
            return .go(state)

        case (_, .resetRequested) where latched.isEmpty:
            return .refuse("nothing is latched")
        case (_, .resetRequested) where !latched.isDisjoint(with: causes):
            return .refuse("cause still present: \(codes(latched.intersection(causes)))")
        case (.tripped, .resetRequested):
            return .go(.standby)
        case (_, .resetRequested):
            // A latched warning alone: cleared, the plant carries on.
            return .go(state)
        }
    }

    private func codes(_ conditions: Set<FuelCellCondition>) -> String {
        conditions.map(\.code).sorted().joined(separator: ", ")
    }

    // MARK: Handling events

    /// Offers `event`, happened at `now`, to the table; an accepted one updates the latches, the demand and counts.
    @discardableResult
    public mutating func handle(_ event: FuelCellEvent, at now: Duration) -> FuelCellTransition {
        let from = state
        switch destination(of: event, at: now) {
        case .refuse(let reason):
            return FuelCellTransition(from: from, to: from, event: event, refusal: reason)
        case .go(let next):
            apply(event, at: now)
            if next != from {
                state = next
                enteredAt = now
                // The ramp counts from the entry: time spent before it never adds to a step.
                lastRamp = max(lastRamp, now)
                if from == .purge, next == .start { starts += 1 }
                if next == .tripped, tripCause == nil, case .conditionFound(let condition) = event {
                    tripCause = condition
                }
                // Leaving the running states drops the set-point at once: the controller ramps down itself, and a
                // trip must not wait for a ramp.
                if next != .warmUp, next != .running { setpointKW = 0 }
            }
            return FuelCellTransition(from: from, to: next, event: event, refusal: nil)
        }
    }

    private mutating func apply(_ event: FuelCellEvent, at now: Duration) {
        switch event {
        case .powerRequested(let kilowatts): demandKW = kilowatts
        case .controllerReported(let reported): controller = reported
        case .conditionFound(let condition):
            latched.insert(condition)
            if !condition.isMomentary { causes.insert(condition) }
        case .causeCleared(let condition): causes.remove(condition)
        case .resetRequested:
            latched = []
            tripCause = nil
        case .startRequested, .stopRequested, .purgeElapsed, .warmUpElapsed: break
        }
    }

    // MARK: Readings and supervision

    /// The found and cleared conditions a present (`true`) or absent cause brings.
    private mutating func follow(_ condition: FuelCellCondition, present: Bool, at now: Duration)
        -> [FuelCellTransition]
    {
        switch (present, causes.contains(condition)) {
        case (true, false): [handle(.conditionFound(condition), at: now)]
        case (false, true): [handle(.causeCleared(condition), at: now)]
        default: []
        }
    }

    /// An H₂ reading in %LFL, or nil when the detector could not be read or its signal is out of range.
    public mutating func hydrogen(percentLFL: Double?, at now: Duration) -> [FuelCellTransition] {
        var transitions = follow(.hydrogenSensorFault, present: percentLFL == nil, at: now)
        // With the detector silent the last verdicts stand: its fault has tripped the plant already.
        guard let percentLFL else { return transitions }
        transitions += follow(.hydrogenWarning, present: percentLFL >= limits.hydrogenWarningLFL, at: now)
        transitions += follow(.hydrogenHigh, present: percentLFL >= limits.hydrogenTripLFL, at: now)
        return transitions
    }

    /// The emergency-stop chain: `closed` is the healthy level of a normally closed circuit.
    public mutating func emergencyStop(closed: Bool, at now: Duration) -> [FuelCellTransition] {
        follow(.emergencyStop, present: !closed, at: now)
    }

    /// The leak detector's alarm contact.
    public mutating func leakContact(active: Bool, at now: Duration) -> [FuelCellTransition] {
        follow(.leakContact, present: active, at: now)
    }

    /// A good answer from the controller: its state and fault codes (empty when none). Refreshes the link.
    public mutating func controller(_ reported: ControllerState, faults: Set<String>, at now: Duration)
        -> [FuelCellTransition]
    {
        lastContact = now
        var transitions = follow(.controllerLinkLost, present: false, at: now)
        var present = faults
        // A fault state without a fault bit still is a fault.
        if reported == .fault, present.isEmpty { present.insert("fault-state") }
        for condition in causes.sorted(by: { $0.code < $1.code }) {
            if case .controllerFault(let code) = condition, !present.contains(code) {
                transitions.append(handle(.causeCleared(condition), at: now))
            }
        }
        for code in present.sorted() {
            transitions += follow(.controllerFault(code), present: true, at: now)
        }
        let previous = controller
        let report = handle(.controllerReported(reported), at: now)
        if reported != previous || report.from != report.to { transitions.append(report) }
        return transitions
    }

    /// What time alone brings: the end of the purge and warm-up, the start timeout, a lost controller link; and one
    /// step of the set-point ramp.
    public mutating func tick(at now: Duration) -> [FuelCellTransition] {
        var transitions: [FuelCellTransition] = []
        if now - lastContact >= limits.linkLostAfter, !causes.contains(.controllerLinkLost) {
            transitions.append(handle(.conditionFound(.controllerLinkLost), at: now))
        }
        switch state {
        case .purge where now - enteredAt >= settings.purge:
            transitions.append(handle(.purgeElapsed, at: now))
        case .start where now - enteredAt >= settings.startTimeout:
            transitions.append(handle(.conditionFound(.startTimeout), at: now))
        case .warmUp where now - enteredAt >= settings.warmUp:
            transitions.append(handle(.warmUpElapsed, at: now))
        default: break
        }
        ramp(to: now)
        return transitions
    }

    /// Moves the set-point toward `targetKW` by at most `rampKWPerSecond` for the time since the last step.
    private mutating func ramp(to now: Duration) {
        let elapsed = max(now - lastRamp, .zero)
        lastRamp = now
        // The configuration readers refuse a faster ramp; held here too, for settings set without them.
        let rate = min(settings.rampKWPerSecond, limits.rampCeilingKWPerSecond)
        let step = rate * Double(elapsed.components.seconds) + rate * Double(elapsed.components.attoseconds) / 1e18
        let target = targetKW
        setpointKW = setpointKW < target ? min(setpointKW + step, target) : max(setpointKW - step, target)
    }

    /// A control-loop stall the watchdog saw: a momentary trip (latched, its cause gone once the loop runs).
    public mutating func stalled(at now: Duration) -> [FuelCellTransition] {
        [handle(.conditionFound(.controlLoopStall), at: now)]
    }

    // MARK: Outputs

    /// The level of every output now.
    public var outputs: FuelCellOutputs {
        var outputs = FuelCellOutputs()
        switch state {
        case .standby:
            outputs.ventilation = latched.contains(.hydrogenWarning) || causes.contains(.hydrogenWarning)
        case .purge:
            outputs.ventilation = true
        case .start, .warmUp, .running:
            outputs.valveOpen = true
            outputs.ventilation = true
            outputs.runRequest = true
        case .coolDown:
            outputs.valveOpen = true
            outputs.ventilation = true
        case .tripped:
            outputs.ventilation = true
            outputs.controllerEmergencyStop = true
        }
        outputs.setpointKW = setpointKW
        return outputs
    }

    /// A warning is latched or present: ventilation runs at full whatever the state.
    public var warning: Bool { latched.contains(.hydrogenWarning) || causes.contains(.hydrogenWarning) }
}
