import FuelCellLogic
import Testing

/// Every transition of the table, every refused one, the readings and supervision that feed it, and what the outputs
/// are in each state.
@Suite struct FuelCellMachineTests {
    static let settings: FuelCellSettings = {
        var settings = FuelCellSettings()
        settings.purge = .seconds(10)
        settings.warmUp = .seconds(30)
        settings.startTimeout = .seconds(60)
        settings.warmUpKW = 1
        settings.startPowerKW = 2
        settings.rampKWPerSecond = 0.5
        return settings
    }()

    /// The moment each state of `machine(in:)` is reached.
    static let reached: [FuelCellState: Duration] = [
        .standby: .zero, .purge: .seconds(1), .start: .seconds(11), .warmUp: .seconds(12), .running: .seconds(42),
        .coolDown: .seconds(43), .tripped: .seconds(1),
    ]

    /// The default limits with a link that never times out: the tables feed no controller answers.
    static let limits: FuelCellLimits = {
        var limits = FuelCellLimits()
        limits.linkLostAfter = .seconds(1_000_000)
        return limits
    }()

    /// A machine brought into `state` by ordinary events.
    static func machine(in state: FuelCellState, limits: FuelCellLimits = limits) -> FuelCellMachine {
        var machine = FuelCellMachine(settings: settings, limits: limits, start: .zero)
        func go(_ event: FuelCellEvent, _ seconds: Int) {
            let transition = machine.handle(event, at: .seconds(seconds))
            #expect(!transition.isRefused, "\(transition)")
        }
        if state == .tripped {
            go(.conditionFound(.emergencyStop), 1)
        } else if state != .standby {
            go(.startRequested, 1)
            if state != .purge { go(.purgeElapsed, 11) }
            if state != .purge, state != .start { go(.controllerReported(.running), 12) }
            if state == .running || state == .coolDown { go(.warmUpElapsed, 42) }
            if state == .coolDown { go(.stopRequested, 43) }
        }
        #expect(machine.state == state)
        return machine
    }

    struct Row: Sendable, CustomTestStringConvertible {
        var from: FuelCellState
        /// Accepted events (just after reaching `from`) that set the scene.
        var after: [FuelCellEvent] = []
        var event: FuelCellEvent
        /// The state after, or nil when the event must be refused.
        var to: FuelCellState?
        /// Seconds after reaching `from`.
        var afterSeconds = 100
        var testDescription: String {
            "\(from.rawValue)\(after.map { " after \($0)" }.joined()) + \(event) → " + (to?.rawValue ?? "refused")
        }
    }

    static let warning = FuelCellCondition.hydrogenWarning
    static let high = FuelCellCondition.hydrogenHigh
    static let overTemperature = FuelCellCondition.controllerFault("over-temperature")

    static let rows: [Row] = [
        // start
        Row(from: .standby, event: .startRequested, to: .purge),
        Row(from: .standby, after: [.conditionFound(warning)], event: .startRequested, to: nil),  // warning latched
        Row(from: .purge, event: .startRequested, to: nil),
        Row(from: .start, event: .startRequested, to: nil),
        Row(from: .warmUp, event: .startRequested, to: nil),
        Row(from: .running, event: .startRequested, to: nil),
        Row(from: .coolDown, event: .startRequested, to: nil),
        Row(from: .tripped, event: .startRequested, to: nil),
        // stop
        Row(from: .standby, event: .stopRequested, to: nil),
        Row(from: .purge, event: .stopRequested, to: .standby),
        Row(from: .start, event: .stopRequested, to: .coolDown),
        Row(from: .warmUp, event: .stopRequested, to: .coolDown),
        Row(from: .running, event: .stopRequested, to: .coolDown),
        Row(from: .coolDown, event: .stopRequested, to: nil),
        Row(from: .tripped, event: .stopRequested, to: nil),
        // set-power: within the ceiling in any state but tripped; never above the ceiling, negative or not a number
        Row(from: .standby, event: .powerRequested(kilowatts: 3), to: .standby),
        Row(from: .running, event: .powerRequested(kilowatts: 5), to: .running),
        Row(from: .running, event: .powerRequested(kilowatts: 0), to: .running),
        Row(from: .running, event: .powerRequested(kilowatts: 5.01), to: nil),
        Row(from: .running, event: .powerRequested(kilowatts: -1), to: nil),
        Row(from: .running, event: .powerRequested(kilowatts: .nan), to: nil),
        Row(from: .running, event: .powerRequested(kilowatts: .infinity), to: nil),
        Row(from: .coolDown, event: .powerRequested(kilowatts: 1), to: .coolDown),
        Row(from: .tripped, event: .powerRequested(kilowatts: 1), to: nil),
        // purge elapsed
        Row(from: .purge, event: .purgeElapsed, to: .start),
        Row(from: .purge, event: .purgeElapsed, to: nil, afterSeconds: 9),  // too early
        Row(from: .standby, event: .purgeElapsed, to: nil),
        Row(from: .start, event: .purgeElapsed, to: nil),
        Row(from: .tripped, event: .purgeElapsed, to: nil),
        // warm-up elapsed
        Row(from: .warmUp, event: .warmUpElapsed, to: .running),
        Row(from: .warmUp, event: .warmUpElapsed, to: nil, afterSeconds: 29),  // too early
        Row(from: .start, event: .warmUpElapsed, to: nil),
        Row(from: .running, event: .warmUpElapsed, to: nil),
        Row(from: .tripped, event: .warmUpElapsed, to: nil),
        // the controller's own state
        Row(from: .start, event: .controllerReported(.off), to: .start),  // the run request not seen yet
        Row(from: .start, event: .controllerReported(.starting), to: .start),
        Row(from: .start, event: .controllerReported(.running), to: .warmUp),
        Row(from: .start, event: .controllerReported(.stopping), to: .coolDown),
        Row(from: .warmUp, event: .controllerReported(.running), to: .warmUp),
        Row(from: .warmUp, event: .controllerReported(.stopping), to: .coolDown),
        Row(from: .warmUp, event: .controllerReported(.off), to: .standby),
        Row(from: .running, event: .controllerReported(.stopping), to: .coolDown),
        Row(from: .running, event: .controllerReported(.off), to: .standby),
        Row(from: .coolDown, event: .controllerReported(.stopping), to: .coolDown),
        Row(from: .coolDown, event: .controllerReported(.off), to: .standby),
        Row(from: .standby, event: .controllerReported(.stopping), to: .standby),
        Row(from: .purge, event: .controllerReported(.off), to: .purge),
        Row(from: .running, event: .controllerReported(.fault), to: .running),  // faults come as conditions
        Row(from: .tripped, event: .controllerReported(.emergencyStop), to: .tripped),
        Row(from: .tripped, event: .controllerReported(.off), to: .tripped),
        // conditions: a trip from every state, a warning changes no state, nothing found twice
        Row(from: .standby, event: .conditionFound(high), to: .tripped),
        Row(from: .purge, event: .conditionFound(.leakContact), to: .tripped),
        Row(from: .start, event: .conditionFound(.startTimeout), to: .tripped),
        Row(from: .warmUp, event: .conditionFound(.controllerLinkLost), to: .tripped),
        Row(from: .running, event: .conditionFound(overTemperature), to: .tripped),
        Row(from: .coolDown, event: .conditionFound(.emergencyStop), to: .tripped),
        Row(from: .tripped, event: .conditionFound(high), to: .tripped),
        Row(from: .tripped, event: .conditionFound(.emergencyStop), to: nil),  // already present
        Row(from: .running, event: .conditionFound(warning), to: .running),
        Row(from: .running, after: [.conditionFound(warning)], event: .conditionFound(warning), to: nil),
        Row(from: .running, event: .conditionFound(.hydrogenSensorFault), to: .tripped),
        Row(from: .running, event: .conditionFound(.controlLoopStall), to: .tripped),
        // causes clearing
        Row(from: .tripped, event: .causeCleared(.emergencyStop), to: .tripped),
        Row(from: .tripped, event: .causeCleared(high), to: nil),  // not present
        Row(from: .running, event: .causeCleared(warning), to: nil),
        // reset
        Row(from: .tripped, event: .resetRequested(.command), to: nil),  // the E-stop is still open
        Row(from: .tripped, after: [.causeCleared(.emergencyStop)], event: .resetRequested(.command), to: .standby),
        Row(from: .tripped, after: [.causeCleared(.emergencyStop)], event: .resetRequested(.localInput), to: .standby),
        Row(from: .standby, event: .resetRequested(.command), to: nil),  // nothing latched
        Row(from: .running, event: .resetRequested(.localInput), to: nil),
        Row(from: .running, after: [.conditionFound(warning)], event: .resetRequested(.command), to: nil),
        Row(
            from: .running, after: [.conditionFound(warning), .causeCleared(warning)], event: .resetRequested(.command),
            to: .running),
    ]

    @Test("transition table", arguments: rows)
    func transition(_ row: Row) {
        var machine = Self.machine(in: row.from)
        let start = Self.reached[row.from] ?? .zero
        for event in row.after {
            #expect(!machine.handle(event, at: start).isRefused, "\(event)")
        }
        let before = machine
        let transition = machine.handle(row.event, at: start + .seconds(row.afterSeconds))
        if let to = row.to {
            #expect(transition.refusal == nil)
            #expect(transition.to == to)
            #expect(machine.state == to)
        } else {
            #expect(transition.refusal != nil)
            #expect(transition.to == row.from)
            // A refused event leaves the machine as it was.
            #expect(machine.state == before.state)
            #expect(machine.latched == before.latched)
            #expect(machine.causes == before.causes)
            #expect(machine.demandKW == before.demandKW)
        }
    }

    @Test("every state is reached and left by some accepted row; every event kind is refused somewhere")
    func tableCoverage() {
        let accepted = Self.rows.filter { $0.to != nil }
        for state in FuelCellState.allCases {
            #expect(accepted.contains { $0.to == state && $0.from != state }, "nothing enters \(state)")
            #expect(accepted.contains { $0.from == state && $0.to != state }, "nothing leaves \(state)")
        }
        for kind in FuelCellEvent.Kind.allCases where kind != .controllerReported {
            #expect(Self.rows.contains { $0.to == nil && $0.event.kind == kind }, "\(kind) never refused")
        }
    }

    @Test("a refusal says why")
    func refusalReasons() {
        var machine = Self.machine(in: .tripped)
        #expect(
            machine.handle(.resetRequested(.command), at: .seconds(2)).refusal == "cause still present: emergency-stop")
        #expect(
            machine.handle(.powerRequested(kilowatts: 7), at: .seconds(2)).refusal
                == "7.0 kW is above the local ceiling of 5.0 kW")
        #expect(machine.handle(.startRequested, at: .seconds(2)).refusal == "tripped (emergency-stop); reset first")
    }

    @Test("the first trip is the shutdown's cause; later ones latch beside it; a reset forgets them")
    func tripCause() {
        var machine = Self.machine(in: .running)
        let first = machine.handle(.conditionFound(.leakContact), at: .seconds(50))
        #expect(first.isShutdown)
        let second = machine.handle(.conditionFound(.hydrogenHigh), at: .seconds(51))
        #expect(!second.isShutdown)
        #expect(machine.tripCause == .leakContact)
        #expect(machine.latched == [.leakContact, .hydrogenHigh])
        _ = machine.leakContact(active: false, at: .seconds(52))
        #expect(machine.handle(.resetRequested(.command), at: .seconds(53)).refusal == "cause still present: h2-high")
        _ = machine.hydrogen(percentLFL: 3, at: .seconds(54))
        #expect(machine.handle(.resetRequested(.localInput), at: .seconds(55)).to == .standby)
        #expect(machine.tripCause == nil)
        #expect(machine.latched.isEmpty)
    }

    @Test("the starts are counted on purge → start")
    func starts() {
        var machine = Self.machine(in: .running)
        #expect(machine.starts == 1)
        machine.handle(.stopRequested, at: .seconds(50))
        machine.handle(.controllerReported(.off), at: .seconds(60))
        machine.handle(.startRequested, at: .seconds(61))
        #expect(machine.starts == 1)
        machine.handle(.purgeElapsed, at: .seconds(71))
        #expect(machine.starts == 2)
    }
}
