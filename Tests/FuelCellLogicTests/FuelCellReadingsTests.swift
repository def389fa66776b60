import FuelCellLogic
import Testing

/// Hydrogen readings, the E-stop and leak inputs, the controller's reports and the link supervision, as the device
/// feeds them; and the outputs each state asks for.
@Suite struct FuelCellReadingsTests {
    typealias Tests = FuelCellMachineTests

    @Test("10 %LFL warns and ventilates without stopping; 25 %LFL trips; both latch until reset after clearing")
    func hydrogenLevels() {
        var machine = Tests.machine(in: .running)
        #expect(machine.hydrogen(percentLFL: 9.9, at: .seconds(50)).isEmpty)
        let warned = machine.hydrogen(percentLFL: 10, at: .seconds(51))
        #expect(warned.map(\.event) == [.conditionFound(.hydrogenWarning)])
        #expect(machine.state == .running)
        #expect(machine.warning)
        let tripped = machine.hydrogen(percentLFL: 25, at: .seconds(52))
        #expect(tripped.map(\.event) == [.conditionFound(.hydrogenHigh)])
        #expect(machine.state == .tripped)
        #expect(machine.tripCause == .hydrogenHigh)
        let cleared = machine.hydrogen(percentLFL: 2, at: .seconds(53))
        #expect(Set(cleared.map(\.event)) == [.causeCleared(.hydrogenWarning), .causeCleared(.hydrogenHigh)])
        #expect(machine.state == .tripped)
        #expect(machine.outputs.ventilation)
        #expect(machine.handle(.resetRequested(.command), at: .seconds(54)).to == .standby)
        #expect(!machine.outputs.ventilation)
    }

    @Test("a latched warning keeps the ventilation on in standby until it is reset")
    func warningVentilatesInStandby() {
        var machine = Tests.machine(in: .standby)
        _ = machine.hydrogen(percentLFL: 12, at: .seconds(1))
        #expect(machine.outputs.ventilation)
        _ = machine.hydrogen(percentLFL: 1, at: .seconds(2))
        #expect(machine.outputs.ventilation)
        #expect(machine.handle(.resetRequested(.localInput), at: .seconds(3)).to == .standby)
        #expect(!machine.outputs.ventilation)
    }

    @Test("an unreadable detector trips; the last level verdicts stand meanwhile")
    func sensorFault() {
        var machine = Tests.machine(in: .running)
        _ = machine.hydrogen(percentLFL: 11, at: .seconds(50))
        let transitions = machine.hydrogen(percentLFL: nil, at: .seconds(51))
        #expect(transitions.map(\.event) == [.conditionFound(.hydrogenSensorFault)])
        #expect(machine.causes == [.hydrogenWarning, .hydrogenSensorFault])
        #expect(machine.hydrogen(percentLFL: nil, at: .seconds(52)).isEmpty)
        _ = machine.hydrogen(percentLFL: 0, at: .seconds(53))
        #expect(machine.causes.isEmpty)
    }

    @Test("the E-stop chain trips when it opens, the leak contact when it closes")
    func contacts() {
        var machine = Tests.machine(in: .running)
        #expect(machine.emergencyStop(closed: true, at: .seconds(50)).isEmpty)
        #expect(machine.emergencyStop(closed: false, at: .seconds(51)).map(\.to) == [.tripped])
        #expect(machine.emergencyStop(closed: false, at: .seconds(52)).isEmpty)
        #expect(machine.leakContact(active: true, at: .seconds(53)).map(\.event) == [.conditionFound(.leakContact)])
        _ = machine.emergencyStop(closed: true, at: .seconds(54))
        _ = machine.leakContact(active: false, at: .seconds(55))
        #expect(machine.causes.isEmpty)
        #expect(machine.latched == [.emergencyStop, .leakContact])
    }

    @Test(
        "controller fault codes: each a condition, a fault state without bits too, cleared when the controller clears")
    func controllerFaults() {
        var machine = Tests.machine(in: .running)
        let faulted = machine.controller(.fault, faults: ["h2-pressure-low"], at: .seconds(50))
        #expect(faulted.first?.event == .conditionFound(.controllerFault("h2-pressure-low")))
        #expect(machine.state == .tripped)
        #expect(machine.controller == .fault)
        _ = machine.controller(.fault, faults: [], at: .seconds(51))
        #expect(machine.causes == [.controllerFault("fault-state")])
        _ = machine.controller(.off, faults: [], at: .seconds(52))
        #expect(machine.causes.isEmpty)
        #expect(machine.handle(.resetRequested(.command), at: .seconds(53)).to == .standby)
    }

    @Test("the controller's state drives the sequence: running ends the start, off ends the cool-down")
    func controllerSequence() {
        var machine = Tests.machine(in: .start)
        #expect(machine.controller(.starting, faults: [], at: .seconds(11.5)).map(\.to) == [.start])
        #expect(machine.controller(.starting, faults: [], at: .seconds(11.6)).isEmpty)  // nothing new
        #expect(machine.controller(.running, faults: [], at: .seconds(12)).map(\.to) == [.warmUp])
        _ = machine.tick(at: .seconds(42))
        #expect(machine.state == .running)
        machine.handle(.stopRequested, at: .seconds(43))
        #expect(machine.controller(.stopping, faults: [], at: .seconds(44)).map(\.to) == [.coolDown])
        #expect(machine.controller(.off, faults: [], at: .seconds(54)).map(\.to) == [.standby])
    }

    @Test("the link trips after link_lost_ms without a good answer, and its cause clears with the next answer")
    func linkLost() {
        var limits = FuelCellLimits()
        limits.linkLostAfter = .seconds(2)
        var machine = FuelCellMachine(settings: Tests.settings, limits: limits, start: .zero)
        _ = machine.controller(.off, faults: [], at: .seconds(10))
        #expect(machine.tick(at: .seconds(11.9)).isEmpty)
        #expect(machine.tick(at: .seconds(12)).map(\.event) == [.conditionFound(.controllerLinkLost)])
        #expect(machine.state == .tripped)
        #expect(machine.tick(at: .seconds(13)).isEmpty)
        #expect(
            machine.controller(.off, faults: [], at: .seconds(14)).map(\.event).contains(
                .causeCleared(.controllerLinkLost)))
        #expect(machine.handle(.resetRequested(.command), at: .seconds(15)).to == .standby)
    }

    @Test("time ends the purge and the warm-up; a start that never reaches running trips")
    func timers() {
        var machine = Tests.machine(in: .purge)
        _ = machine.controller(.off, faults: [], at: .seconds(10.9))
        #expect(machine.tick(at: .seconds(10.9)).isEmpty)
        #expect(machine.tick(at: .seconds(11)).map(\.to) == [.start])
        _ = machine.controller(.starting, faults: [], at: .seconds(70))
        #expect(machine.tick(at: .seconds(70.9)).isEmpty)
        let timedOut = machine.tick(at: .seconds(71))
        #expect(timedOut.map(\.event) == [.conditionFound(.startTimeout)])
        #expect(machine.state == .tripped)
        // A timeout is an event, not a state: nothing to clear before the reset.
        #expect(machine.causes.isEmpty)
        #expect(machine.handle(.resetRequested(.command), at: .seconds(72)).to == .standby)
    }

    @Test("a control-loop stall trips and latches; its cause is gone at once")
    func stall() {
        var machine = Tests.machine(in: .running)
        #expect(machine.stalled(at: .seconds(50)).map(\.to) == [.tripped])
        #expect(machine.latched == [.controlLoopStall])
        #expect(machine.causes.isEmpty)
    }

    @Test("outputs by state: the valve opens only from start to cool-down; tripped is the safe state plus E-stop")
    func outputs() {
        func outputs(_ state: FuelCellState) -> FuelCellOutputs { Tests.machine(in: state).outputs }
        #expect(outputs(.standby) == FuelCellOutputs())
        #expect(outputs(.purge).ventilation && !outputs(.purge).valveOpen && !outputs(.purge).runRequest)
        for state in [FuelCellState.start, .warmUp, .running] {
            #expect(outputs(state).valveOpen && outputs(state).ventilation && outputs(state).runRequest, "\(state)")
        }
        #expect(outputs(.coolDown).valveOpen && !outputs(.coolDown).runRequest)
        let tripped = outputs(.tripped)
        #expect(!tripped.valveOpen && tripped.ventilation && !tripped.runRequest && tripped.controllerEmergencyStop)
        #expect(tripped.setpointKW == 0)
        #expect(FuelCellOutputs.safe.ventilation && !FuelCellOutputs.safe.valveOpen)
    }
}
