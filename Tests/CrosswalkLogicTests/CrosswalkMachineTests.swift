import CrosswalkLogic
import Testing

/// Every transition of the table, every refused one, and what time, supervision and resets do.
@Suite struct CrosswalkMachineTests {
    static let zone = DetectionSource.zone(0)
    static let button = DetectionSource.button(0)
    static let stuckZone = CrosswalkFault.detectorStuck(.zone(0))
    static let mismatch = CrosswalkFault.outputMismatch(output: "beacon_left")

    /// A machine brought into `state` by ordinary events at t = 0…3 s.
    static func machine(in state: CrosswalkState, settings: CrosswalkSettings = CrosswalkSettings()) -> CrosswalkMachine
    {
        var machine = CrosswalkMachine(settings: settings, heartbeatZones: [0], start: .zero)
        switch state {
        case .idle: break
        case .warning: machine.handle(.detected(button), at: .seconds(1))
        case .conflict:
            machine.handle(.detected(zone), at: .seconds(1))
            machine.handle(.vehicleArrived, at: .seconds(2))
        case .failSafe: machine.handle(.faultFound(mismatch), at: .seconds(1))
        }
        #expect(machine.state == state)
        return machine
    }

    struct Row: Sendable, CustomTestStringConvertible {
        var from: CrosswalkState
        /// Accepted events at t = 3 s that set the scene after reaching `from`.
        var after: [CrosswalkEvent] = []
        var event: CrosswalkEvent
        /// The state after, or nil when the event must be refused.
        var to: CrosswalkState?
        var at: Duration = .seconds(4)
        var testDescription: String {
            "\(from.rawValue)\(after.map { " after \($0.kind.rawValue)" }.joined()) + \(event.kind.rawValue) → "
                + (to?.rawValue ?? "refused")
        }
    }

    static let rows: [Row] = [
        // detected
        Row(from: .idle, event: .detected(zone), to: .warning),
        Row(from: .idle, event: .detected(button), to: .warning),
        Row(from: .warning, event: .detected(zone), to: .warning),
        Row(from: .warning, event: .detected(button), to: nil),  // already pressed
        Row(from: .conflict, event: .detected(.zone(1)), to: .conflict),
        Row(from: .conflict, event: .detected(zone), to: nil),  // already present
        Row(from: .failSafe, event: .detected(zone), to: .failSafe),
        // released
        Row(from: .idle, event: .released(zone), to: nil),
        Row(from: .warning, event: .released(button), to: .warning),
        Row(from: .warning, event: .released(zone), to: nil),
        Row(from: .conflict, event: .released(zone), to: .warning),
        Row(from: .failSafe, event: .released(zone), to: nil),
        // vehicle
        Row(from: .idle, event: .vehicleArrived, to: .idle),
        Row(from: .warning, event: .vehicleArrived, to: .warning),  // a button: nobody on the crossing yet
        Row(from: .conflict, event: .vehicleArrived, to: nil),
        Row(from: .failSafe, event: .vehicleArrived, to: .failSafe),
        Row(from: .idle, event: .vehicleLeft, to: nil),
        Row(from: .warning, event: .vehicleLeft, to: nil),
        Row(from: .conflict, event: .vehicleLeft, to: .warning),
        Row(from: .failSafe, event: .vehicleLeft, to: nil),
        // walk phase
        Row(from: .idle, event: .walkStarted, to: .idle),
        Row(from: .warning, event: .walkStarted, to: .warning),
        Row(from: .conflict, event: .walkStarted, to: .conflict),
        Row(from: .failSafe, event: .walkStarted, to: .failSafe),
        Row(from: .idle, event: .walkEnded, to: nil),
        Row(from: .idle, after: [.walkStarted], event: .walkStarted, to: nil),
        Row(from: .warning, after: [.walkStarted], event: .walkEnded, to: .warning),
        // clearance
        Row(from: .idle, event: .clearanceElapsed, to: nil),
        Row(from: .warning, event: .clearanceElapsed, to: nil),  // at t = 4 s, 15 s have not passed
        Row(from: .warning, event: .clearanceElapsed, to: .idle, at: .seconds(16)),
        Row(from: .conflict, after: [.vehicleLeft], event: .clearanceElapsed, to: nil, at: .seconds(60)),  // on it
        Row(from: .conflict, event: .clearanceElapsed, to: nil),
        Row(from: .failSafe, event: .clearanceElapsed, to: nil),
        // faults
        Row(from: .idle, event: .faultFound(stuckZone), to: .failSafe),
        Row(from: .warning, event: .faultFound(stuckZone), to: .failSafe),
        Row(from: .conflict, event: .faultFound(stuckZone), to: .failSafe),
        Row(from: .failSafe, event: .faultFound(stuckZone), to: .failSafe),
        Row(from: .failSafe, event: .faultFound(mismatch), to: nil),  // already present
        Row(from: .idle, event: .causeCleared(mismatch), to: nil),
        Row(from: .failSafe, event: .causeCleared(mismatch), to: .failSafe),
        // resets
        Row(from: .idle, event: .resetRequested(.command), to: nil),
        Row(from: .warning, event: .resetRequested(.localInput), to: nil),
        Row(from: .conflict, event: .resetRequested(.command), to: nil),
        Row(from: .failSafe, event: .resetRequested(.command), to: nil),  // the cause is still present
        Row(from: .failSafe, after: [.causeCleared(mismatch)], event: .resetRequested(.command), to: .idle),
        // school hours
        Row(from: .idle, event: .schoolHoursStarted, to: .idle),
        Row(from: .warning, event: .schoolHoursStarted, to: .warning),
        Row(from: .conflict, event: .schoolHoursStarted, to: .conflict),
        Row(from: .failSafe, event: .schoolHoursStarted, to: .failSafe),
        Row(from: .idle, event: .schoolHoursEnded, to: nil),
        Row(from: .idle, after: [.schoolHoursStarted], event: .schoolHoursStarted, to: nil),
        Row(from: .conflict, after: [.schoolHoursStarted], event: .schoolHoursEnded, to: .conflict),
    ]

    @Test(arguments: rows)
    func transition(_ row: Row) {
        var machine = Self.machine(in: row.from)
        for event in row.after {
            #expect(!machine.handle(event, at: .seconds(3)).isRefused)
        }
        let before = machine.state
        let transition = machine.handle(row.event, at: row.at)
        if let to = row.to {
            #expect(transition.refusal == nil)
            #expect(transition.to == to)
            #expect(machine.state == to)
        } else {
            #expect(transition.isRefused)
            #expect(machine.state == before)
        }
    }

    @Test func everyEventKindHasARowFromEveryStateOrAnAcceptedAndARefusedOne() {
        for kind in CrosswalkEvent.Kind.allCases {
            let rows = Self.rows.filter { $0.event.kind == kind }
            #expect(rows.contains { $0.to != nil }, "\(kind) never accepted")
            #expect(rows.contains { $0.to == nil }, "\(kind) never refused")
        }
        for state in CrosswalkState.allCases {
            #expect(Self.rows.contains { $0.from == state && $0.to != nil })
        }
    }

    @Test func clearanceElapsesOnlyAfterTheClearanceTimeWithNobodyOnTheCrossing() {
        var settings = CrosswalkSettings()
        settings.clearance = .seconds(10)
        var machine = CrosswalkMachine(settings: settings, start: .zero)
        machine.handle(.detected(Self.zone), at: .seconds(1))
        #expect(machine.tick(at: .seconds(30)).isEmpty)  // still on the crossing
        _ = machine.release(Self.zone, at: .seconds(31))
        #expect(machine.tick(at: .seconds(40)).isEmpty)  // clearance counts from leaving
        let ended = machine.tick(at: .seconds(41))
        #expect(ended.map(\.to) == [.idle])
        #expect(machine.outputs(at: .seconds(41)) == CrosswalkOutputs())
    }

    @Test func aNewDetectionWhileFlashingRestartsTheSequenceAndTheClearance() {
        var machine = CrosswalkMachine(settings: CrosswalkSettings(), start: .zero)
        machine.handle(.detected(Self.button), at: .seconds(1))
        machine.handle(.released(Self.button), at: .milliseconds(1_200))
        // 1.1 s in: step 4 of the sequence (right on 1 100 − 800 = 300 ms into the second sequence).
        #expect(machine.outputs(at: .milliseconds(2_100)).beaconRight)
        machine.handle(.detected(Self.button), at: .milliseconds(2_100))
        #expect(machine.flashingSince == .milliseconds(2_100))
        #expect(machine.clearanceEnds == .milliseconds(17_100))
        let restarted = machine.outputs(at: .milliseconds(2_100))
        #expect(restarted.beaconLeft && !restarted.beaconRight)
    }

    @Test func aVehicleMeetingAPedestrianIsAConflictWithSignAndMarkersCountedOnce() {
        var machine = CrosswalkMachine(settings: CrosswalkSettings(), start: .zero)
        machine.handle(.vehicleArrived, at: .seconds(1))
        let transition = machine.handle(.detected(Self.zone), at: .seconds(2))
        #expect(transition.to == .conflict && transition.conflict)
        let outputs = machine.outputs(at: .seconds(2))
        #expect(outputs.warningSign && outputs.inRoadMarkers && outputs.beaconLeft)
        #expect(!machine.handle(.detected(.zone(1)), at: .seconds(3)).conflict)
        #expect(machine.takeCounts().conflicts == 1)
        #expect(machine.takeCounts() == CrosswalkCounts())
    }

    @Test func walkPhaseDrivesSafetyBarAndVoiceInEveryState() {
        for state in CrosswalkState.allCases {
            var machine = Self.machine(in: state)
            machine.handle(.walkStarted, at: .seconds(3))
            let outputs = machine.outputs(at: .seconds(3))
            #expect(outputs.safetyBar && outputs.audioGuide, "\(state)")
            machine.handle(.walkEnded, at: .seconds(4))
            #expect(!machine.outputs(at: .seconds(4)).safetyBar)
        }
    }

    @Test func schoolHoursLengthenTheClearanceAndKeepTheMarkersOn() {
        var settings = CrosswalkSettings()
        settings.clearance = .seconds(10)
        settings.schoolZone.clearance = .seconds(30)
        var machine = CrosswalkMachine(settings: settings, start: .zero)
        #expect(!machine.outputs(at: .zero).inRoadMarkers)
        machine.handle(.schoolHoursStarted, at: .zero)
        #expect(machine.outputs(at: .zero).inRoadMarkers)
        machine.handle(.detected(Self.button), at: .seconds(1))
        #expect(machine.tick(at: .seconds(20)).isEmpty)
        #expect(machine.tick(at: .seconds(31)).map(\.to) == [.idle])
        #expect(machine.outputs(at: .seconds(31)).inRoadMarkers)
        settings.schoolZone.markersAlwaysOn = false
        machine.settings = settings
        #expect(!machine.outputs(at: .seconds(31)).inRoadMarkers)
    }

    @Test func aStuckInputLatchesTheFailSafeUntilReleasedAndReset() {
        var settings = CrosswalkSettings()
        settings.stuckAfter = .seconds(60)
        var machine = CrosswalkMachine(settings: settings, start: .zero)
        machine.handle(.detected(Self.zone), at: .seconds(1))
        #expect(machine.tick(at: .seconds(60)).isEmpty)
        let found = machine.tick(at: .seconds(61))
        #expect(found.map(\.event) == [.faultFound(Self.stuckZone)])
        #expect(machine.state == .failSafe)
        #expect(machine.handle(.resetRequested(.command), at: .seconds(62)).isRefused)
        let released = machine.release(Self.zone, at: .seconds(63))
        #expect(released.map(\.event) == [.released(Self.zone), .causeCleared(Self.stuckZone)])
        #expect(machine.state == .failSafe)  // latched
        #expect(machine.handle(.resetRequested(.localInput), at: .seconds(64)).to == .idle)
        #expect(machine.latched.isEmpty)
    }

    @Test func aSilentDetectorLatchesUntilItBeatsAgainAndIsReset() {
        var settings = CrosswalkSettings()
        settings.heartbeatTimeout = .seconds(2)
        var machine = CrosswalkMachine(settings: settings, heartbeatZones: [0], start: .zero)
        #expect(machine.heartbeat(zone: 0, at: .seconds(1)).isEmpty)
        #expect(machine.tick(at: .milliseconds(2_900)).isEmpty)
        #expect(machine.tick(at: .seconds(3)).map(\.to) == [.failSafe])
        #expect(machine.tick(at: .seconds(4)).isEmpty)  // reported once
        #expect(machine.handle(.resetRequested(.command), at: .seconds(4)).isRefused)
        #expect(machine.heartbeat(zone: 0, at: .seconds(5)).map(\.event) == [.causeCleared(.detectorSilent(zone: 0))])
        #expect(machine.handle(.resetRequested(.command), at: .seconds(5)).to == .idle)
        #expect(machine.takeCounts().faults == 1)
    }

    @Test func theFailSafeFlashesContinuouslyWithSignAndMarkers() {
        var machine = CrosswalkMachine(settings: CrosswalkSettings(), start: .zero)
        machine.handle(.faultFound(Self.mismatch), at: .seconds(1))
        for second in [2, 60, 3_600] {
            #expect(machine.tick(at: .seconds(second)).isEmpty)
        }
        // 3 599.2 s after the fault: exactly 4 499 sequences, so the first step (left) again.
        let outputs = machine.outputs(at: .milliseconds(3_600_200))
        #expect(outputs.beaconLeft && outputs.warningSign && outputs.inRoadMarkers)
        #expect(machine.nextOutputChange(after: .milliseconds(3_600_200)) == .milliseconds(3_600_250))
    }

    @Test func aResetWithAPedestrianOnTheCrossingGoesOnWarning() {
        var machine = Self.machine(in: .failSafe)
        machine.handle(.detected(Self.zone), at: .seconds(2))
        machine.handle(.causeCleared(Self.mismatch), at: .seconds(3))
        let reset = machine.handle(.resetRequested(.command), at: .seconds(4))
        #expect(reset.to == .warning)
        #expect(machine.outputs(at: .seconds(4)).beaconLeft)
    }
}
