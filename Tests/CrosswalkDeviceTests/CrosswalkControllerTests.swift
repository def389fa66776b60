import AgentRuntime
import CrosswalkDevice
import CrosswalkLogic
import DeviceTestKit
import HAL
import HALSim
import Locking
import Testing

/// The crosswalk controller on a simulated GPIO chip with a manual clock: what each input does to the lines and what
/// is published, without a process, a broker or sleeping.
@Suite("Crosswalk controller")
struct CrosswalkControllerTests {
    static let lineNames: [GPIOLineOffset: String] = [
        0: "walkButton", 1: "pedDetector", 2: "stopLine", 3: "walkSignal", 4: "beacon", 5: "inRoadLeds",
        6: "audioGuide", 7: "safetyBar", 22: "beaconRight", 23: "warningSign", 24: "pedHeartbeat", 25: "faultReset",
    ]
    static let outputOffsets: [String: GPIOLineOffset] = [
        "beacon_left": 4, "in_road_markers": 5, "audio_guide": 6, "safety_bar": 7, "beacon_right": 22,
        "warning_sign": 23,
    ]
    let gpio = SimulatedGPIOChip(name: "sim-gpio0", lineCount: 32, lineNames: lineNames)
    let sink = RecordingSink()
    let clock = ManualMonotonicClock()

    func controller(
        heartbeat: Bool = false, edgeTimestampsOnClock: Bool = true,
        _ configure: (inout CrosswalkConfiguration) -> Void = { _ in }
    )
        async throws
        -> CrosswalkController
    {
        var configuration = CrosswalkConfiguration()
        configuration.settings.clearance = .seconds(10)
        configure(&configuration)
        let input = GPIOInputConfiguration(consumer: "test", edges: .both)
        var outputs: [String: any GPIOOutputLine] = [:]
        for (name, offset) in Self.outputOffsets {
            outputs[name] = try await gpio.requestOutput(offset, GPIOOutputConfiguration(consumer: "test"))
        }
        let parts = CrosswalkParts(
            zones: [
                .init(
                    presence: try await gpio.requestInput(1, input),
                    heartbeat: heartbeat ? try await gpio.requestInput(24, input) : nil)
            ],
            buttons: [try await gpio.requestInput(0, input)], stopLine: try await gpio.requestInput(2, input),
            walkPhase: try await gpio.requestInput(3, input), faultReset: try await gpio.requestInput(25, input),
            outputs: outputs)
        let clock = clock
        // 2026-12-02 12:00 UTC, a Wednesday.
        let controller = CrosswalkController(
            configuration: configuration, parts: parts, sink: sink, now: { clock.now },
            edgeTimestampsOnClock: edgeTimestampsOnClock, unixTime: { 1_796_212_800 })
        await controller.enterSafeState()
        await controller.start()
        return controller
    }

    func edge(_ kind: GPIOEdgeEvent.Kind, at instant: Duration) -> GPIOEdgeEvent {
        GPIOEdgeEvent(kind: kind, timestampNanoseconds: UInt64(instant.totalNanoseconds))
    }

    func level(_ output: String) -> Bool? { gpio.outputLevel(Self.outputOffsets[output]!) }

    /// Sets an input pin and hands its edge to the controller, as the daemon's edge loop does.
    func edge(_ controller: CrosswalkController, _ input: CrosswalkInput, _ offset: GPIOLineOffset, high: Bool) async {
        gpio.setInputLevel(offset, high: high)
        await controller.input(input, edge(high ? .rising : .falling, at: clock.now))
    }

    @Test func safeStateLightsBeaconsMarkersAndSignAndLowersTheBar() async throws {
        let controller = try await controller()
        await edge(controller, .walkPhase, 3, high: true)
        #expect(level("safety_bar") == true)
        await controller.enterSafeState()
        #expect(level("beacon_left") == true && level("beacon_right") == true)
        #expect(level("in_road_markers") == true && level("warning_sign") == true)
        #expect(level("safety_bar") == false && level("audio_guide") == false)
        // Stopped: edges no longer move the outputs.
        await edge(controller, .walkPhase, 3, high: false)
        await edge(controller, .walkPhase, 3, high: true)
        #expect(level("safety_bar") == false)
    }

    @Test func startLeavesTheSafeStateForIdleWithDarkBeacons() async throws {
        _ = try await controller()
        #expect(level("beacon_left") == false && level("warning_sign") == false)
        #expect(gpio.outputHistory(4).map(\.high) == [false, true, false])
    }

    @Test func aDetectionLightsTheBeaconInTheSameCallAndPublishesTheReactionTime() async throws {
        let controller = try await controller()
        gpio.setInputLevel(1, high: true)
        let edgeAt = clock.now
        clock.advance(.microseconds(1_500))
        await controller.input(.zone(0), edge(.rising, at: edgeAt))
        #expect(level("beacon_left") == true && level("beacon_right") == false)
        #expect(level("in_road_markers") == true)
        await controller.publish()
        let detection = try #require(sink.events(named: "detection").first)
        #expect(detection["reaction_ms"] == .number(1.5))
        #expect(detection["source"] == "zone 0")
        #expect(sink.events(named: "transition").first?["to"] == nil)
        #expect(sink.events(named: "transition").first?["state"] == "warning")
        #expect(sink.states.withLock { $0.last?["state"] } == "warning")
    }

    @Test func edgeTimestampsOnAnotherClockAreTimedFromTheirArrival() async throws {
        // The rig stamps edges on its own process's clock: 5 ns there says nothing about now here.
        let controller = try await controller(edgeTimestampsOnClock: false)
        gpio.setInputLevel(1, high: true)
        await controller.input(.zone(0), GPIOEdgeEvent(kind: .rising, timestampNanoseconds: 5))
        await controller.publish()
        #expect(sink.events(named: "detection").first?["reaction_ms"] == .number(0))
    }

    @Test func theBeaconsFlashTheIA21SequenceAndStopAfterTheClearance() async throws {
        let controller = try await controller()
        await edge(controller, .button(0), 0, high: true)
        await edge(controller, .button(0), 0, high: false)
        var seen: [String] = []
        for _ in 0..<16 {
            await controller.flashStep()
            seen.append((level("beacon_left") == true ? "L" : "") + (level("beacon_right") == true ? "R" : ""))
            clock.advance(.milliseconds(50))
        }
        // 16 × 50 ms = one 800 ms sequence; its last step is 250 ms dark.
        #expect(seen == ["L", "", "R", "", "L", "", "R", "", "LR", "", "LR", "", "", "", "", ""])
        clock.advance(.seconds(10))
        await controller.flashStep()
        #expect(level("beacon_left") == false && level("in_road_markers") == false)
        #expect(await controller.machine.state == .idle)
    }

    @Test func aVehicleAtTheStopLineWithAPedestrianOnTheCrossingIsAConflict() async throws {
        let controller = try await controller()
        await edge(controller, .zone(0), 1, high: true)
        #expect(level("warning_sign") == false)
        await edge(controller, .stopLine, 2, high: true)
        #expect(level("warning_sign") == true && level("in_road_markers") == true)
        await controller.publish()
        #expect(sink.events(named: "conflict").count == 1)
        await controller.telemetryStep()
        await controller.publish()
        let counts = try #require(sink.telemetry.withLock { $0.last })
        #expect(counts.0 == "crossing")
        #expect(counts.1["conflicts"] == 1 && counts.1["pedestrians"] == 1 && counts.1["button_presses"] == 0)
        #expect(Set(counts.1.keys) == ["pedestrians", "button_presses", "conflicts", "faults", "interval_s"])
    }

    @Test func aLevelChangeWithoutItsEdgeIsPickedUpByTheReconciliation() async throws {
        // A pedestrian arriving between start() reading the inputs and the edge loops subscribing: no edge.
        let controller = try await controller()
        gpio.setInputLevel(1, high: true)
        gpio.setInputLevel(3, high: true)
        await controller.reconcileInputs()
        #expect(level("beacon_left") == true && level("safety_bar") == true)
        gpio.setInputLevel(1, high: false)
        await controller.reconcileInputs()
        #expect(await !controller.machine.pedestrianOnCrossing)
    }

    @Test func anEdgeOvertakenByTheLevelCheckStillGivesItsReactionTime() async throws {
        // A busy machine: the level check runs between the pedestrian arriving and the edge reaching the actor. The
        // beacons light at the check; the detection event waits for the edge and is timed from it to that write.
        let controller = try await controller()
        gpio.setInputLevel(1, high: true)
        let edgeAt = clock.now
        clock.advance(.milliseconds(3))
        await controller.reconcileInputs()
        #expect(level("beacon_left") == true && level("in_road_markers") == true)
        clock.advance(.milliseconds(2))
        await controller.input(.zone(0), edge(.rising, at: edgeAt))
        await controller.publish()
        let detections = sink.events(named: "detection")
        #expect(detections.count == 1)
        #expect(detections.first?["reaction_ms"] == .number(3))
        #expect(sink.states.withLock { $0.last?["state"] } == "warning")
    }

    @Test func aChangeWhoseEdgeNeverComesIsPublishedByTheNextCheckWithoutAReactionTime() async throws {
        let controller = try await controller()
        gpio.setInputLevel(1, high: true)
        await controller.reconcileInputs()
        await controller.publish()
        // The state is published at once; the event waits one check period for its edge.
        #expect(sink.states.withLock { $0.last?["state"] } == "warning")
        #expect(sink.events(named: "detection").isEmpty)
        await controller.reconcileInputs()
        await controller.publish()
        let detection = try #require(sink.events(named: "detection").first)
        #expect(detection["reaction_ms"] == nil)
        #expect(detection["source"] == "zone 0")
    }

    @Test func theWalkPhaseRaisesTheBarAndStartsTheVoiceGuidance() async throws {
        let controller = try await controller()
        await edge(controller, .walkPhase, 3, high: true)
        #expect(level("safety_bar") == true && level("audio_guide") == true)
        await edge(controller, .walkPhase, 3, high: false)
        #expect(level("safety_bar") == false && level("audio_guide") == false)
    }

    @Test func aSilentDetectorFailsSafeAndAResetWaitsForItsHeartbeat() async throws {
        let controller = try await controller(heartbeat: true) { $0.settings.heartbeatTimeout = .seconds(1) }
        clock.advance(.seconds(2))
        await controller.flashStep()
        #expect(await controller.machine.state == .failSafe)
        #expect(level("beacon_left") == true && level("warning_sign") == true)
        #expect(await controller.resetFault() != nil)
        await edge(controller, .heartbeat(0), 24, high: true)
        await edge(controller, .faultReset, 25, high: true)
        #expect(await controller.machine.state == .idle)
        #expect(level("warning_sign") == false)
        await controller.publish()
        #expect(sink.events(named: "fault").first?["fault"] == "detector-silent")
        #expect(sink.events(named: "reset-refused").first?["source"] == "command")
        #expect(sink.events(named: "fault-reset").first?["source"] == "local-input")
    }

    @Test func aStuckDetectorFailsSafeUntilReleasedAndReset() async throws {
        let controller = try await controller { $0.settings.stuckAfter = .seconds(30) }
        await edge(controller, .zone(0), 1, high: true)
        clock.advance(.seconds(31))
        await controller.flashStep()
        #expect(await controller.machine.state == .failSafe)
        #expect(await controller.resetFault()?.contains("zone 0 input stuck active") == true)
        await edge(controller, .zone(0), 1, high: false)
        #expect(await controller.resetFault() == nil)
        #expect(await controller.machine.state == .idle)
    }

    @Test func anOutputThatCannotBeReadBackFailsSafe() async throws {
        let controller = try await controller()
        gpio.injectFault(.io, at: 5)
        await controller.verifyOutputs()
        #expect(await controller.machine.state == .failSafe)
        #expect(level("beacon_left") == true)
        await controller.publish()
        #expect(sink.events(named: "fault").first?["detail"] == "in_road_markers output reads back wrong")
        await controller.verifyOutputs()
        #expect(await controller.resetFault() == nil)
    }

    @Test func aFailedWriteIsAnOutputFault() async throws {
        let controller = try await controller()
        gpio.injectFault(.io, at: 4)
        await edge(controller, .button(0), 0, high: true)
        #expect(await controller.machine.causes == [.outputMismatch(output: "beacon_left")])
        #expect(level("warning_sign") == true)
    }

    @Test func theWatchdogWaitsForTheFlashLoopsFirstStep() async throws {
        // Between start and the loops the daemon restores its configuration and starts its session: not a stall.
        let controller = try await controller()
        clock.advance(.seconds(2))
        #expect(await !controller.watchdogCheck())
        #expect(level("warning_sign") == false)
        await controller.flashStep()
        clock.advance(.milliseconds(600))
        #expect(await controller.watchdogCheck())
    }

    @Test func theWatchdogAppliesTheSafeStateWhenTheFlashLoopStalls() async throws {
        let controller = try await controller()
        await controller.flashStep()
        clock.advance(.milliseconds(400))
        #expect(await !controller.watchdogCheck())
        clock.advance(.milliseconds(200))
        #expect(await controller.watchdogCheck())
        #expect(level("beacon_left") == true && level("warning_sign") == true)
        await controller.flashStep()
        #expect(await controller.machine.latched == [.controlLoopStall])
        #expect(await controller.machine.causes.isEmpty)
        #expect(await controller.resetFault() == nil)
        #expect(level("warning_sign") == false)
    }

    @Test func schoolHoursKeepTheMarkersOn() async throws {
        let controller = try await controller {
            $0.settings.schoolZone.schedule = [SchoolZoneWindow(weekdays: 3...3, minutes: 690..<780)]
        }
        #expect(level("in_road_markers") == true)
        #expect(await controller.machine.schoolHours)
        var settings = await controller.configuration.settings
        settings.schoolZone.schedule = []
        await controller.apply(settings: settings)
        #expect(level("in_road_markers") == false)
    }
}
