public import AgentRuntime
public import CrosswalkLogic
public import HAL

/// The crossing's state machine bound to its lines. Input edges go straight to `input(_:_:edgeAt:)`, which feeds the
/// machine and writes the outputs before anything else — publishing is queued and sent by `publish()` from its own
/// loop, so no broker, disk or configuration ever sits between an edge and the beacons. The daemon steps the flash
/// sequence (`flashStep`), the school-zone schedule and the night window (`scheduleStep`), the read-back
/// (`verifyOutputs`) and the counts (`telemetryStep`) on its loops; tests call them directly with a manual clock.
///
/// Beacons on PCA9685 channels (`CrosswalkParts.pwmOutputs`) light at the day or the night level of
/// `CrosswalkSettings.BeaconIntensity`; whether it is night is decided by `scheduleStep` and kept, so a flash step or
/// an interlock write only looks the level up — the flash timing is the IA-21 pattern either way.
///
/// Safe state (`enterSafeState`, applied before start and on stop): beacons (at full level) and markers lit, the
/// warning sign on, voice guidance off and the safety bar lowered. With no process left to flash them, steady beacons
/// are the strongest warning that stays; while the daemon runs, the fail-safe state flashes the IA-21 sequence
/// continuously.
public actor CrosswalkController {
    public private(set) var configuration: CrosswalkConfiguration
    private let parts: CrosswalkParts
    private let sink: any DeviceSink
    /// A monotonic clock, as a `Duration` since its origin: the one the edge timestamps are on when
    /// `edgeTimestampsOnClock`, else the reaction is timed from an edge's arrival.
    private let now: @Sendable () -> Duration
    private let edgeTimestampsOnClock: Bool
    /// Wall-clock seconds since 1970 (UTC), for the school-zone schedule and the night window.
    private let unixTime: @Sendable () -> Double
    public private(set) var machine: CrosswalkMachine
    /// Every output, lines and PCA9685 channels, by the names of `CrosswalkOutputs.named`.
    private nonisolated let drives: [String: OutputDrive]
    /// Inside the night window (dimmable beacons light at the night level); set by the schedule, read by the writes.
    public private(set) var night = false

    /// The level (0…1) last written to each output, and how many writes each has had (a read-back that raced a write
    /// is not compared).
    private var written: [String: Double] = [:]
    private var writes: [String: Int] = [:]
    private var running = false
    /// Edges handled so far: a level read that an edge overtook is stale (`reconcileInputs`).
    private var edgesHandled = 0
    /// Changes the level check acted on before their edge was handled (a busy machine runs the check between an
    /// input changing and its edge reaching the actor): the outputs were written at once, and the events wait one
    /// check period for the edge, so they still carry the reaction from the edge's timestamp to that write.
    private var awaitingEdge: [CrosswalkInput: (active: Bool, transitions: [CrosswalkTransition], written: Duration)] =
        [:]
    private let outbox = PublicationQueue()
    /// One element whenever something waits to be published; the daemon's publishing loop calls `publish()` on each.
    public nonisolated var publications: AsyncStream<Void> { outbox.wakeUps }
    /// When the flash loop last stepped, shared with `watchdogCheck`, which must work while the actor itself is stuck.
    private let progress: LoopProgress
    /// How long the flash loop may go without a step before the watchdog applies the safe state.
    public nonisolated var stallLimit: Duration { progress.stallLimit }

    /// The outputs' safe levels (see the type's documentation).
    public static let safeOutputs: [String: Bool] = [
        "beacon_left": true, "beacon_right": true, "in_road_markers": true, "warning_sign": true,
        "safety_bar": false, "audio_guide": false,
    ]

    public init(
        configuration: CrosswalkConfiguration, parts: CrosswalkParts, sink: any DeviceSink,
        now: @escaping @Sendable () -> Duration, edgeTimestampsOnClock: Bool = true,
        unixTime: @escaping @Sendable () -> Double, stallLimit: Duration = .milliseconds(500)
    ) {
        self.configuration = configuration
        self.parts = parts
        self.sink = sink
        self.now = now
        self.edgeTimestampsOnClock = edgeTimestampsOnClock
        self.unixTime = unixTime
        drives = parts.drives
        let heartbeatZones = parts.zones.indices.filter { parts.zones[$0].heartbeat != nil }
        machine = CrosswalkMachine(settings: configuration.settings, heartbeatZones: heartbeatZones, start: now())
        progress = LoopProgress(stallLimit: stallLimit)
    }

    // MARK: Start, settings, safe state

    /// Takes the inputs' present levels into the machine (someone already on the crossing, a walk phase running),
    /// then drives the outputs from it.
    public func start() async {
        let at = now()
        machine = CrosswalkMachine(
            settings: configuration.settings,
            heartbeatZones: parts.zones.indices.filter { parts.zones[$0].heartbeat != nil }, start: at)
        var transitions: [CrosswalkTransition] = []
        for (index, zone) in parts.zones.enumerated() where await isActive(zone.presence, "zone \(index)") {
            transitions.append(machine.handle(.detected(.zone(index)), at: at))
        }
        if let line = parts.stopLine, await isActive(line, "stop line") {
            transitions.append(machine.handle(.vehicleArrived, at: at))
        }
        if let line = parts.walkPhase, await isActive(line, "walk phase") {
            transitions.append(machine.handle(.walkStarted, at: at))
        }
        running = true
        // Armed by the flash loop's first step: until the loops run the daemon is still starting, not stalled.
        progress.disarm()
        transitions += followSchedules(at: at)
        written = [:]
        await writeOutputs()
        record(transitions, reaction: nil)
    }

    private func isActive(_ line: any GPIOInputLine, _ what: String) async -> Bool {
        do {
            return try await line.read() == .active
        } catch {
            queue(.event("input-error", ["input": .string(what), "error": .string("\(error)")]))
            return false
        }
    }

    /// Takes remotely applied settings; the clearance in force changes with the next detection.
    public func apply(settings: CrosswalkSettings) async {
        configuration.settings = settings
        machine.settings = settings
        record(followSchedules(at: now()), reaction: nil)
        await writeOutputs()
    }

    /// Writes the safe levels to every output and stops driving them from the machine until `start()`.
    public func enterSafeState() async {
        running = false
        let unmatched = awaitingEdge.values.flatMap(\.transitions)
        awaitingEdge = [:]
        record(unmatched, reaction: nil)
        progress.disarm()
        for (name, drive) in drives.sorted(by: { $0.key < $1.key }) {
            let level = Self.safeLevel(name)
            do {
                try await drive.write(level)
                written[name] = level
            } catch {
                written[name] = nil
                queue(.event("output-error", ["output": .string(name), "error": .string("\(error)")]))
            }
        }
    }

    public var isHealthy: Bool { machine.state != .failSafe }

    /// An output's safe level: full (a dimmable beacon included: nobody is left to follow the night) or off.
    public static func safeLevel(_ name: String) -> Double { safeOutputs[name] == true ? 1 : 0 }

    // MARK: The interlock

    /// An edge on `input`: the machine takes it, the outputs are written, and only then is anything queued for
    /// publishing, with the reaction time from the edge (its timestamp, or its arrival when the timestamps are on
    /// another clock) to the end of the writes.
    public func input(_ input: CrosswalkInput, _ edge: GPIOEdgeEvent) async {
        let at = now()
        guard running else { return }
        let edgeAt = edgeTimestampsOnClock ? Duration.nanoseconds(Int64(edge.timestampNanoseconds)) : at
        edgesHandled += 1
        let rising = edge.kind == .rising
        if let reconciled = awaitingEdge.removeValue(forKey: input) {
            if reconciled.active == rising {
                // The level check already made this change: its events, timed from this edge to that write.
                record(reconciled.transitions, reaction: max(.zero, reconciled.written - edgeAt))
                return
            }
            record(reconciled.transitions, reaction: nil)
        }
        let transitions: [CrosswalkTransition]
        switch input {
        case .zone(let index):
            transitions =
                rising ? [machine.handle(.detected(.zone(index)), at: at)] : machine.release(.zone(index), at: at)
        case .button(let index):
            transitions =
                rising ? [machine.handle(.detected(.button(index)), at: at)] : machine.release(.button(index), at: at)
        case .heartbeat(let zone):
            transitions = machine.heartbeat(zone: zone, at: at)
        case .stopLine:
            transitions = [machine.handle(rising ? .vehicleArrived : .vehicleLeft, at: at)]
        case .walkPhase:
            transitions = [machine.handle(rising ? .walkStarted : .walkEnded, at: at)]
        case .faultReset:
            transitions = rising ? [machine.handle(.resetRequested(.localInput), at: at)] : []
        }
        await writeOutputs()
        record(transitions, reaction: now() - edgeAt)
    }

    /// Resets latched faults for the `reset-fault` command: nil when done, else why not (a cause still present,
    /// nothing latched).
    public func resetFault() async -> String? {
        let transition = machine.handle(.resetRequested(.command), at: now())
        await writeOutputs()
        record([transition], reaction: nil)
        return transition.refusal
    }

    /// Drives every output to the machine's levels now, writing only those that change. A failed write is an output
    /// fault (fail-safe), after which the outputs are written once more.
    private func writeOutputs() async {
        guard running else { return }
        var failed: [String] = []
        let dimmedLevel = machine.beaconLevel(night: night)
        for (name, active) in machine.outputs(at: now()).named {
            guard let drive = drives[name] else { continue }
            let level = active ? (drive.isDimmable ? dimmedLevel : 1) : 0
            guard written[name] != level else { continue }
            do {
                try await drive.write(level)
                written[name] = level
            } catch {
                written[name] = nil
                failed.append(name)
            }
            writes[name, default: 0] += 1
        }
        guard !failed.isEmpty else { return }
        let at = now()
        let found = failed.map { CrosswalkFault.outputMismatch(output: $0) }.filter { !machine.causes.contains($0) }
        guard !found.isEmpty else { return }
        record(found.map { machine.handle(.faultFound($0), at: at) }, reaction: nil)
        await writeOutputs()
    }

    // MARK: Loops

    /// Steps the flash sequence and what time brings (clearance, detector supervision); the daemon calls this every
    /// 10 ms, a fifth of the sequence's shortest step.
    public func flashStep() async {
        guard running else { return }
        let at = now()
        let stalled = progress.step(at: at)
        var transitions: [CrosswalkTransition] = []
        if stalled {
            // The watchdog wrote the safe levels behind the machine's back: write everything again.
            written = [:]
            transitions.append(machine.handle(.faultFound(.controlLoopStall), at: at))
            transitions.append(machine.handle(.causeCleared(.controlLoopStall), at: at))
        }
        transitions += machine.tick(at: at)
        await writeOutputs()
        record(transitions, reaction: nil)
    }

    /// Reads the level inputs (presence zones, stop line, walk phase) and feeds the machine any change it has not seen
    /// as an edge: one that happened between `start()` reading them and the edge loops subscribing, or an edge the
    /// backend lost. Buttons are momentary and not read; a reset key only acts on its edge.
    public func reconcileInputs() async {
        guard running else { return }
        // Changes whose edge did not come within a check period: the edge was lost, so no reaction time.
        let unmatched = awaitingEdge.values.flatMap(\.transitions)
        awaitingEdge = [:]
        record(unmatched, reaction: nil)
        var found: [(input: CrosswalkInput, active: Bool, transitions: [CrosswalkTransition])] = []
        // The line's level, or nil when an edge was handled meanwhile (the actor is reentrant at the read).
        func level(_ line: any GPIOInputLine, _ what: String) async -> Bool? {
            let before = edgesHandled
            let active = await isActive(line, what)
            return running && edgesHandled == before ? active : nil
        }
        for (index, zone) in parts.zones.enumerated() {
            let source = DetectionSource.zone(index)
            guard let active = await level(zone.presence, "zone \(index)"), active != (machine.active[source] != nil)
            else { continue }
            found.append(
                (
                    .zone(index), active,
                    active ? [machine.handle(.detected(source), at: now())] : machine.release(source, at: now())
                ))
        }
        if let line = parts.stopLine, let active = await level(line, "stop line"), active != machine.vehicleAtStopLine {
            found.append((.stopLine, active, [machine.handle(active ? .vehicleArrived : .vehicleLeft, at: now())]))
        }
        if let line = parts.walkPhase, let active = await level(line, "walk phase"), active != machine.walkPhase {
            found.append((.walkPhase, active, [machine.handle(active ? .walkStarted : .walkEnded, at: now())]))
        }
        await writeOutputs()
        guard !found.isEmpty else { return }
        let written = now()
        for change in found { awaitingEdge[change.input] = (change.active, change.transitions, written) }
        // The state follows the machine now; only the events wait for their edge.
        record([], reaction: nil)
    }

    /// Follows the school-zone schedule and the night window; a lit dimmable beacon takes the new level at once.
    public func scheduleStep() async {
        guard running else { return }
        record(followSchedules(at: now()), reaction: nil)
        await writeOutputs()
    }

    /// Decides night from the wall clock, and returns the school-hours transition that is due.
    private func followSchedules(at: Duration) -> [CrosswalkTransition] {
        let settings = configuration.settings
        let unixSeconds = unixTime()
        night = settings.beaconIntensity.isNight(unixSeconds: unixSeconds, utcOffsetMinutes: settings.utcOffsetMinutes)
        let due = settings.schoolZone.isActive(unixSeconds: unixSeconds, utcOffsetMinutes: settings.utcOffsetMinutes)
        guard due != machine.schoolHours else { return [] }
        return [machine.handle(due ? .schoolHoursStarted : .schoolHoursEnded, at: at)]
    }

    /// Reads every output back: a level other than the one written, or a failed read, is an output fault; a
    /// right level again clears its cause (the fault stays latched until a reset).
    public func verifyOutputs() async {
        guard running else { return }
        var transitions: [CrosswalkTransition] = []
        for (name, drive) in drives.sorted(by: { $0.key < $1.key }) {
            guard let expected = written[name] else { continue }
            let writesBefore = writes[name]
            let found: Bool
            do {
                found = try await drive.readsBack(expected)
            } catch {
                found = false
            }
            // A flash step may have written meanwhile (the actor is reentrant at the read): compare only unraced.
            guard writes[name] == writesBefore else { continue }
            let fault = CrosswalkFault.outputMismatch(output: name)
            if found {
                if machine.causes.contains(fault) {
                    transitions.append(machine.handle(.causeCleared(fault), at: now()))
                }
            } else if !machine.causes.contains(fault) {
                transitions.append(machine.handle(.faultFound(fault), at: now()))
            }
        }
        await writeOutputs()
        record(transitions, reaction: nil)
    }

    /// Queues the counts of the interval that ends now: counts only, no images, no personal data.
    public func telemetryStep() {
        let counts = machine.takeCounts()
        queue(
            .telemetry(
                "crossing",
                [
                    "pedestrians": .number(Double(counts.pedestrians)),
                    "button_presses": .number(Double(counts.buttonPresses)),
                    "conflicts": .number(Double(counts.conflicts)), "faults": .number(Double(counts.faults)),
                    "interval_s": .number(configuration.settings.telemetryInterval.totalSeconds),
                ]))
    }

    /// Checks, from outside the actor, that the flash loop still steps; past `stallLimit` it writes the safe levels
    /// straight to the lines (the actor may be the thing that is stuck) and the next step records the fault.
    /// - Returns: whether it found a stall now.
    public nonisolated func watchdogCheck() async -> Bool {
        let at = now()
        guard progress.checkStalled(at: at) else { return false }
        for (name, drive) in drives {
            // Best effort by design: an output that fails here is reported by the read-back once the loop runs again.
            try? await drive.write(Self.safeLevel(name))
        }
        return true
    }

    // MARK: Publishing

    /// Sends everything queued to the sink (events, retained state, telemetry), in order.
    public func publish() async {
        await outbox.send(to: sink)
    }

    private func queue(_ publication: PublicationQueue.Publication) {
        outbox.append(publication)
    }

    private func record(_ transitions: [CrosswalkTransition], reaction: Duration?) {
        let reactionValue: [String: JSONValue] =
            reaction.map { ["reaction_ms": .number(Double($0.totalNanoseconds) / 1_000_000)] } ?? [:]
        for transition in transitions {
            if let refusal = transition.refusal {
                if case .resetRequested(let source) = transition.event {
                    queue(.event("reset-refused", ["source": .string(source.rawValue), "reason": .string(refusal)]))
                }
                continue
            }
            var base: [String: JSONValue] = ["state": .string(transition.to.rawValue)]
            base.merge(reactionValue) { old, _ in old }
            switch transition.event {
            case .detected(let source):
                queue(.event("detection", base.merging(["source": .string("\(source)")]) { old, _ in old }))
            case .faultFound(let fault):
                queue(
                    .event(
                        "fault", ["fault": .string(fault.code), "detail": .string(fault.description), "latched": true]))
            case .causeCleared(let fault):
                queue(
                    .event("fault-cause-cleared", ["fault": .string(fault.code), "detail": .string(fault.description)]))
            case .resetRequested(let source):
                queue(
                    .event(
                        "fault-reset", ["source": .string(source.rawValue), "state": .string(transition.to.rawValue)]))
            default: break
            }
            if transition.conflict { queue(.event("conflict", base)) }
            if transition.from != transition.to {
                queue(
                    .event(
                        "transition",
                        base.merging([
                            "from": .string(transition.from.rawValue), "event": .string(transition.event.kind.rawValue),
                        ]) { old, _ in old }))
            }
        }
        outbox.state(stateDocument())
    }

    private func stateDocument() -> [String: JSONValue] {
        [
            "state": .string(machine.state.rawValue), "school_hours": .bool(machine.schoolHours), "night": .bool(night),
            "walk_phase": .bool(machine.walkPhase), "vehicle_at_stop_line": .bool(machine.vehicleAtStopLine),
            "pedestrian_on_crossing": .bool(machine.pedestrianOnCrossing),
            "faults": .array(machine.latched.map(\.code).sorted().map { .string($0) }),
        ]
    }
}
