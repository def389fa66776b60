import ADS1115
public import AgentRuntime
public import ChargerLogic
import FoundationEssentials
import Glibc
public import HAL
import PCA9685
import SDM630

/// The charge point's state machine bound to its parts. The pilot is sampled every few milliseconds
/// (`pilotStep`); input edges (RCD, contactor and lock feedback) go straight to `input(_:_:)`. Both feed the machine
/// and write the outputs before anything else — opening the contactor first — and only then queue what is published,
/// so no broker, disk or configuration sits between a trip or an unplugged EV and the contactor. Sessions are stored
/// durably in the state directory and published on `event/session`.
///
/// Safe state (`enterSafeState`, applied before start, on stop and by the watchdog on a stalled pilot loop):
/// contactor open, pilot at +12 V steady (state A's level: no current offered), the cable lock released only when
/// the contactor's feedback says no current can flow.
public actor ChargerController {
    public private(set) var configuration: ChargerConfiguration
    private let parts: ChargerParts
    private let sink: any DeviceSink
    /// A monotonic clock, as a `Duration` since its origin: the edge timestamps' own when `edgeTimestampsOnClock`.
    private let now: @Sendable () -> Duration
    private let edgeTimestampsOnClock: Bool
    /// Wall-clock seconds since 1970 (UTC), for session times.
    private let unixTime: @Sendable () -> Double
    private let store: ChargerSessionStore
    private let newTransactionId: @Sendable () -> String
    public private(set) var machine: ChargerMachine
    /// The open session, and the last finished ones (as stored).
    public private(set) var session: ChargingSession?
    private var history: [ChargingSession] = []
    private var running = false

    /// The pilot reading last offered to the machine, and a different one waiting for its confirming sample.
    private var lastReading: PilotReading?
    private var candidate: (reading: PilotReading, count: Int)?
    /// Samples before this instant are not used: the pilot's own level changed and the front end settles.
    private var pilotSettlesAt: Duration = .zero
    private var pilotReadFailures = 0
    private var lastCableMeasurement: Duration?
    private var written = Written()
    private var edgesHandled = 0
    private var meterFailures = 0
    public private(set) var meter: (wh: Double, watts: Double, amps: Double)?
    /// A session started before the meter's first answer takes that answer as its start reading.
    private var sessionAwaitsMeterStart = false
    private var lastSessionSave: Duration = .zero
    private let outbox = PublicationQueue()
    /// One element whenever something waits to be published; the daemon's publishing loop calls `publish()` on each.
    public nonisolated var publications: AsyncStream<Void> { outbox.wakeUps }
    /// When the pilot loop last stepped; shared with `watchdogCheck`, which must work while the actor is stuck.
    private let progress: LoopProgress
    /// The pilot's PCA9685 channel, for the watchdog (`hardware` is local only and never changes at run time).
    private nonisolated let pwmChannel: Int

    /// Pilot samples confirming a change before the machine sees it (a single glitch never latches a fault).
    public static let confirmingSamples = 2
    /// How long the pilot front end takes to settle after the EVSE changes its own level.
    public static let pilotSettling: Duration = .milliseconds(250)
    /// Consecutive failed pilot reads that stop the control loop's view of the vehicle (a stall fault).
    public static let pilotReadLimit = 5
    /// Consecutive failed meter polls that make a lost meter.
    public static let meterFailureLimit = 3
    /// How often the PP resistor is measured while a cable is in: by the clock, not by counting pilot steps — each
    /// step waits for ADC conversions, so on a busy bus or CPU a hundred steps took several seconds.
    public static let cableEvery: Duration = .seconds(1)

    private struct Written {
        var contactor: Bool?
        var pilot: PilotOutput?
        var lock: Bool?
    }

    public init(
        configuration: ChargerConfiguration, parts: ChargerParts, sink: any DeviceSink, store: ChargerSessionStore,
        now: @escaping @Sendable () -> Duration, edgeTimestampsOnClock: Bool = true,
        unixTime: @escaping @Sendable () -> Double,
        newTransactionId: @escaping @Sendable () -> String,
        stallLimit: Duration = .milliseconds(500)
    ) {
        self.configuration = configuration
        self.parts = parts
        self.sink = sink
        self.store = store
        self.now = now
        self.edgeTimestampsOnClock = edgeTimestampsOnClock
        self.unixTime = unixTime
        self.newTransactionId = newTransactionId
        machine = ChargerMachine(settings: configuration.settings, ceilingAmps: configuration.hardware.ceilingAmps)
        progress = LoopProgress(stallLimit: stallLimit)
        pwmChannel = configuration.hardware.pwmChannel
    }

    // MARK: Start, settings, safe state

    /// Restores the stored session and grid limit, takes the feedback inputs' present levels, starts the pilot
    /// oscillator at 1 kHz and drives the outputs from the machine.
    public func start() async {
        let at = now()
        machine = ChargerMachine(settings: configuration.settings, ceilingAmps: configuration.hardware.ceilingAmps)
        var transitions: [ChargerTransition] = []
        do {
            let stored = try store.load()
            history = stored.history
            if let open = stored.open {
                session = open
                machine.resume(idTag: open.idTag)
                queue(.event("session-resumed", sessionDocument(open, status: "resumed")))
            }
            if let limit = stored.gridLimitAmps { transitions.append(machine.setGridLimit(limit, at: at)) }
        } catch {
            queue(.event("store-error", ["path": .string(store.path), "error": .string("\(error)")]))
        }
        if configuration.hardware.ppChannel == nil {
            transitions.append(machine.setCableRating(configuration.hardware.tetheredCableAmps, at: at))
        }
        do {
            try await parts.pwm.start(frequencyHertz: 1_000)
        } catch {
            queue(.event("output-error", ["output": "pilot", "error": .string("\(error)")]))
        }
        // The lock feedback is not taken here: the lock line was just requested released, and a feedback still
        // reading locked from before the restart would be stale within the motor's travel. `reconcileInputs` takes
        // its level half a second later, edges from then on.
        if let closed = await level(parts.contactorFeedback, "contactor feedback") {
            transitions += machine.contactorChanged(closed: closed, at: at)
        }
        if let tripped = await level(parts.rcd, "rcd") { transitions += machine.rcdChanged(tripped: tripped, at: at) }
        running = true
        lastReading = nil
        candidate = nil
        progress.disarm()
        written = Written()
        await writeOutputs()
        record(transitions, reaction: nil)
    }

    private func level(_ line: any GPIOInputLine, _ what: String) async -> Bool? {
        do {
            return try await line.read() == .active
        } catch {
            queue(.event("input-error", ["input": .string(what), "error": .string("\(error)")]))
            return nil
        }
    }

    /// Takes remotely applied settings; the offered current follows at once (never above the local ceiling).
    public func apply(settings: ChargerSettings) async {
        configuration.settings = settings
        machine.settings = settings
        let transition = machine.handle(.limitChanged, at: now())
        await writeOutputs()
        record([transition], reaction: nil)
    }

    /// Contactor open, pilot +12 V steady, the lock released only when the contactor feedback reads open; stops
    /// driving the outputs from the machine until `start()`. An open session stays open (stored): it continues after
    /// a restart if the vehicle is still there.
    public func enterSafeState() async {
        // Before the first start nothing is loaded yet: saving then would overwrite the stored session.
        let started = running
        running = false
        progress.disarm()
        written = Written()
        await writeSafeLevels(report: true)
        if started { saveStore() }
    }

    private func writeSafeLevels(report: Bool) async {
        do {
            try await parts.contactor.write(.inactive)
        } catch {
            if report { queue(.event("output-error", ["output": "contactor", "error": .string("\(error)")])) }
        }
        do {
            try await parts.pwm.setDutyCycle(channel: configuration.hardware.pwmChannel, 1)
        } catch {
            if report { queue(.event("output-error", ["output": "pilot", "error": .string("\(error)")])) }
        }
        // Unlocking a cable that may still carry current would let it be pulled under load.
        if (try? await parts.contactorFeedback.read()) == .inactive {
            do {
                try await parts.lock.write(.inactive)
            } catch {
                if report { queue(.event("output-error", ["output": "lock", "error": .string("\(error)")])) }
            }
        }
    }

    public var isHealthy: Bool { machine.state != .faulted }

    // MARK: The interlocks

    /// An edge on a feedback or RCD input: the machine takes it, the outputs are written, then it is queued for
    /// publishing with the reaction time from the edge (its timestamp, or its arrival on the rig).
    public func input(_ input: ChargerInput, _ edge: GPIOEdgeEvent) async {
        let at = now()
        guard running else { return }
        let edgeAt = edgeTimestampsOnClock ? Duration.nanoseconds(Int64(edge.timestampNanoseconds)) : at
        edgesHandled += 1
        let active = edge.kind == .rising
        let transitions: [ChargerTransition] =
            switch input {
            case .rcd: machine.rcdChanged(tripped: active, at: at)
            case .contactorFeedback: machine.contactorChanged(closed: active, at: at)
            case .lockFeedback: machine.lockChanged(locked: active, at: at)
            }
        await writeOutputs()
        record(transitions, reaction: now() - edgeAt)
    }

    /// Samples the pilot's high level (and its low level while the PWM runs), offers a confirmed change to the
    /// machine, lets time act (supervision timeouts) and writes the outputs. The daemon calls this every 10 ms.
    public func pilotStep() async {
        guard running else { return }
        let stalled = progress.step(at: now())
        var transitions: [ChargerTransition] = []
        if stalled {
            // The watchdog wrote the safe levels behind the machine's back: write everything again.
            written = Written()
            transitions.append(machine.handle(.faultFound(.controlLoopStall), at: now()))
        }
        let hardware = configuration.hardware
        var sampledAt: Duration?
        // Only a running oscillator has a low level to check (the diode check); on a steady pilot the low sampler
        // reads what the high one does and `classify` ignores it, so it is not converted — half the ADC transfers of
        // a station with no vehicle. Taken before the conversions: a pilot change while they run makes the sample
        // one to discard (`pilotSettlesAt`) whatever this says.
        let oscillating = if case .pwm = written.pilot { true } else { false }
        do {
            let high = try await parts.adc.measureVolts(
                ADS1115.Input.singleEnded(hardware.cpHighChannel), gain: .fsr4096mV, dataRate: .sps860)
            let low =
                oscillating
                ? try await parts.adc.measureVolts(
                    ADS1115.Input.singleEnded(hardware.cpLowChannel), gain: .fsr4096mV, dataRate: .sps860) : high
            pilotReadFailures = 0
            let at = now()
            let reading = ControlPilot.classify(
                highVolts: high / hardware.cpScale - hardware.cpOffsetVolts,
                lowVolts: low / hardware.cpScale - hardware.cpOffsetVolts, oscillating: oscillating)
            if at >= pilotSettlesAt, let confirmed = confirm(reading) {
                sampledAt = at
                // A vehicle just plugged in: the cable's rating first, so the first offer already respects it.
                if let channel = hardware.ppChannel, confirmed != .state(.a),
                    machine.pilot == nil || machine.pilot == .a
                {
                    transitions += await measureCable(channel: channel)
                }
                transitions.append(machine.handle(.pilot(confirmed), at: at))
            }
        } catch {
            pilotReadFailures += 1
            if pilotReadFailures == Self.pilotReadLimit {
                queue(.event("input-error", ["input": "pilot", "error": .string("\(error)")]))
                transitions.append(machine.handle(.faultFound(.controlLoopStall), at: now()))
            }
        }
        if let channel = hardware.ppChannel, lastCableMeasurement.map({ now() - $0 >= Self.cableEvery }) ?? true {
            lastCableMeasurement = now()
            transitions += await measureCable(channel: channel)
        }
        transitions += machine.tick(at: now())
        await writeOutputs()
        record(transitions, reaction: sampledAt.map { now() - $0 })
    }

    /// A reading becomes the machine's once `confirmingSamples` samples in a row agree on it.
    private func confirm(_ reading: PilotReading) -> PilotReading? {
        guard reading != lastReading else {
            candidate = nil
            return nil
        }
        let count = candidate?.reading == reading ? (candidate?.count ?? 0) + 1 : 1
        candidate = (reading, count)
        guard count >= Self.confirmingSamples else { return nil }
        candidate = nil
        lastReading = reading
        return reading
    }

    /// Reads the feedback and RCD levels and feeds any change not seen as an edge (one between `start()` and the
    /// edge loops subscribing, or one the backend lost).
    public func reconcileInputs() async {
        guard running else { return }
        var transitions: [ChargerTransition] = []
        func changed(_ line: any GPIOInputLine, _ what: String, _ known: Bool) async -> Bool? {
            let before = edgesHandled
            guard let active = await level(line, what), running, edgesHandled == before, active != known else {
                return nil
            }
            return active
        }
        if let tripped = await changed(parts.rcd, "rcd", machine.causes.contains(.rcdTrip)) {
            transitions += machine.rcdChanged(tripped: tripped, at: now())
        }
        if let closed = await changed(parts.contactorFeedback, "contactor feedback", machine.contactorClosed) {
            transitions += machine.contactorChanged(closed: closed, at: now())
        }
        if let locked = await changed(parts.lockFeedback, "lock feedback", machine.lockLocked) {
            transitions += machine.lockChanged(locked: locked, at: now())
        }
        await writeOutputs()
        record(transitions, reaction: nil)
    }

    /// Drives every output to the machine's levels, writing only those that change: an opening contactor first,
    /// then the pilot, then a closing contactor (after the PWM offers current), then the lock.
    private func writeOutputs() async {
        guard running else { return }
        let wanted = machine.outputs
        if written.contactor != false, !wanted.contactor { await writeContactor(false) }
        if written.pilot != wanted.pilot {
            let duty: Double =
                switch wanted.pilot {
                case .steady: 1
                case .pwm(let duty): duty
                case .notAvailable: 0
                }
            do {
                try await parts.pwm.setDutyCycle(channel: configuration.hardware.pwmChannel, duty)
                written.pilot = wanted.pilot
            } catch {
                written.pilot = nil
                queue(.event("output-error", ["output": "pilot", "error": .string("\(error)")]))
            }
            pilotSettlesAt = now() + Self.pilotSettling
            candidate = nil
        }
        if written.contactor != true, wanted.contactor { await writeContactor(true) }
        if written.lock != wanted.lock {
            do {
                try await parts.lock.write(GPIOValue(wanted.lock))
                written.lock = wanted.lock
            } catch {
                written.lock = nil
                queue(.event("output-error", ["output": "lock", "error": .string("\(error)")]))
            }
        }
    }

    private func writeContactor(_ closed: Bool) async {
        do {
            try await parts.contactor.write(GPIOValue(closed))
            written.contactor = closed
        } catch {
            written.contactor = nil
            queue(.event("output-error", ["output": "contactor", "error": .string("\(error)")]))
        }
    }

    // MARK: Meter, cable, telemetry

    /// Polls the meter: energy and power into the open session; `meterFailureLimit` failures in a row are a lost
    /// meter (fault), an answer again clears its cause.
    public func meterStep() async {
        guard running else { return }
        var transitions: [ChargerTransition] = []
        do {
            let reading = try await parts.meter.read()
            meterFailures = 0
            let wh = reading.importKWh * 1_000
            meter = (wh, reading.totalWatts, reading.phaseAmps.max() ?? 0)
            if sessionAwaitsMeterStart, var open = session {
                // Started before the meter's first answer: the session's start reading is this one.
                open.meterStartWh = wh
                open.meterLastWh = wh
                session = open
                sessionAwaitsMeterStart = false
            }
            session?.record(meterWh: wh, watts: reading.totalWatts)
            transitions += machine.meterChanged(answering: true, at: now())
        } catch {
            meterFailures += 1
            if meterFailures == Self.meterFailureLimit {
                queue(.event("meter-error", ["error": .string("\(error)")]))
            }
            if meterFailures >= Self.meterFailureLimit {
                transitions += machine.meterChanged(answering: false, at: now())
            }
        }
        await writeOutputs()
        record(transitions, reaction: nil)
        // An open session's meter progress reaches the disk once a minute (and at every start, stop and shutdown).
        if session != nil, now() - lastSessionSave >= .seconds(60) { saveStore() }
    }

    /// Measures the PP resistor: the cable's rating limits the offered current (none while no cable is plugged).
    /// Called from `pilotStep` only: the ADS1115 does one conversion at a time, so its users take turns in one loop.
    private func measureCable(channel: Int) async -> [ChargerTransition] {
        let hardware = configuration.hardware
        do {
            let volts = try await parts.adc.measureVolts(
                ADS1115.Input.singleEnded(channel), gain: .fsr4096mV, dataRate: .sps860)
            let ohms =
                volts >= hardware.ppSupplyVolts * 0.99
                ? Double.infinity : hardware.ppPullupOhms * volts / (hardware.ppSupplyVolts - volts)
            let amps = CableRating.amps(forOhms: ohms)
            guard (amps ?? 0) != (machine.cableAmps ?? -1) else { return [] }
            return [machine.setCableRating(amps, at: now())]
        } catch {
            queue(.event("input-error", ["input": "pp", "error": .string("\(error)")]))
            return []
        }
    }

    /// Queues `telemetry/charging`: state, offered current, the meter's figures and the session's energy.
    public func telemetryStep() {
        var values: [String: JSONValue] = [
            "state": .string(machine.state.rawValue), "offered_a": .number(offered),
            "pilot": .string(machine.pilot?.rawValue ?? "-"),
        ]
        if let meter {
            values["meter_wh"] = .number(meter.wh)
            values["power_w"] = .number(meter.watts)
            values["current_a"] = .number(meter.amps)
        }
        if let session { values["session_energy_wh"] = .number(session.energyWh) }
        queue(.telemetry("charging", values))
    }

    private var offered: Double { machine.state.hasSession ? machine.offeredAmps : 0 }

    // MARK: Commands

    /// `authorize`: nil when accepted, else why not (not on the allow-list, a session running, a fault).
    public func authorize(idTag: String) async -> String? {
        let transition = machine.handle(.authorized(idTag: idTag), at: now())
        await writeOutputs()
        record([transition], reaction: nil)
        return transition.refusal
    }

    /// `stop-session`: nil when the session stops, else why not.
    public func stopSession(reason: StopReason) async -> String? {
        let transition = machine.handle(.stopRequested(reason), at: now())
        await writeOutputs()
        record([transition], reaction: nil)
        return transition.refusal
    }

    /// `set-current-limit`: the grid operator's limit (nil lifts it), stored so it survives a restart. The duty the
    /// EV sees changes with this call; the local ceiling still applies.
    public func setCurrentLimit(amps: Double?) async -> Double {
        let transition = machine.setGridLimit(amps, at: now())
        await writeOutputs()
        record([transition], reaction: nil)
        saveStore()
        return machine.offeredAmps
    }

    /// `reset-fault`: nil when the latched faults are reset, else why not (a cause still present, nothing latched).
    public func resetFault() async -> String? {
        let transition = machine.handle(.resetRequested, at: now())
        if !transition.isRefused {
            lastReading = nil
            candidate = nil
        }
        await writeOutputs()
        record([transition], reaction: nil)
        return transition.refusal
    }

    /// Checks, from outside the actor, that the pilot loop still steps; past `stallLimit` it opens the contactor and
    /// sets the pilot to +12 V steady straight on the parts (the actor may be what is stuck); the next step records
    /// the fault. - Returns: whether it found a stall now.
    public nonisolated func watchdogCheck() async -> Bool {
        let at = now()
        guard progress.checkStalled(at: at) else { return false }
        // Best effort by design: the next pilot step writes every output again.
        try? await parts.contactor.write(.inactive)
        try? await parts.pwm.setDutyCycle(channel: pwmChannel, 1)
        return true
    }

    // MARK: Sessions and publishing

    private func saveStore() {
        var contents = ChargerSessionStore.Contents()
        contents.open = session
        contents.history = history
        contents.gridLimitAmps = machine.gridLimitAmps
        do {
            try store.save(contents)
            lastSessionSave = now()
        } catch {
            queue(.event("store-error", ["path": .string(store.path), "error": .string("\(error)")]))
        }
    }

    private func sessionDocument(_ session: ChargingSession, status: String) -> [String: JSONValue] {
        func time(_ seconds: Double?) -> JSONValue {
            seconds.map { .string(RFC3339.format(Date(timeIntervalSince1970: $0))) } ?? .null
        }
        return [
            "status": .string(status), "transaction_id": .string(session.transactionId),
            "id_tag": .string(session.idTag), "connector_id": .number(Double(session.connectorId)),
            "start_time": time(session.startTime), "stop_time": time(session.stopTime),
            "meter_start_wh": .number(session.meterStartWh),
            "meter_stop_wh": session.meterStopWh.map { .number($0) } ?? .null,
            "energy_wh": .number(session.energyWh), "max_power_w": .number(session.maxPowerW),
            "stop_reason": session.stopReason.map { .string($0.rawValue) } ?? .null,
            "stop_reason_ocpp16": session.stopReason.map { .string($0.ocpp16) } ?? .null,
        ]
    }

    /// Sends everything queued to the sink (events, retained state, telemetry), in order.
    public func publish() async {
        await outbox.send(to: sink)
    }

    private func queue(_ publication: PublicationQueue.Publication) {
        outbox.append(publication)
    }

    /// `event/fault` for a fault that has just latched.
    private static func latchedFaultEvent(_ fault: ChargerFault) -> PublicationQueue.Publication {
        .event("fault", ["fault": .string(fault.code), "detail": .string(fault.description), "latched": true])
    }

    private func record(_ transitions: [ChargerTransition], reaction: Duration?) {
        for transition in transitions {
            if let refusal = transition.refusal {
                if transition.event == .resetRequested {
                    queue(.event("reset-refused", ["reason": .string(refusal)]))
                }
                continue
            }
            if let tag = transition.sessionStarted {
                let started = ChargingSession(
                    transactionId: newTransactionId(), idTag: tag, startTime: unixTime(), meterStartWh: meter?.wh ?? 0)
                session = started
                sessionAwaitsMeterStart = meter == nil
                saveStore()
                queue(.event("session", sessionDocument(started, status: "started")))
            }
            if let reason = transition.sessionStopped, var ended = session {
                ended.stop(at: unixTime(), meterWh: meter?.wh, reason: reason)
                session = nil
                history.append(ended)
                saveStore()
                queue(.event("session", sessionDocument(ended, status: "ended")))
            }
            // A CP short read while faulted is the EVSE's own −12 V, not a new fault.
            if let fault = transition.event.fault, fault != .cpShort || transition.from != .faulted {
                queue(Self.latchedFaultEvent(fault))
            }
            switch transition.event {
            case .causeCleared(let fault):
                queue(
                    .event("fault-cause-cleared", ["fault": .string(fault.code), "detail": .string(fault.description)]))
            case .resetRequested:
                queue(.event("fault-reset", ["state": .string(transition.to.rawValue)]))
            default: break
            }
            if transition.from != transition.to {
                var values: [String: JSONValue] = [
                    "from": .string(transition.from.rawValue), "state": .string(transition.to.rawValue),
                    "event": .string(transition.event.name), "offered_a": .number(offered),
                ]
                if let reaction { values["reaction_ms"] = .number(Double(reaction.totalNanoseconds) / 1_000_000) }
                queue(.event("transition", values))
            }
        }
        outbox.state(stateDocument())
    }

    private func stateDocument() -> [String: JSONValue] {
        let outputs = machine.outputs
        let pilot: JSONValue =
            switch outputs.pilot {
            case .steady: "+12V"
            case .pwm(let duty): .number((duty * 1_000).rounded() / 10)
            case .notAvailable: "-12V"
            }
        return [
            "state": .string(machine.state.rawValue), "pilot": .string(machine.pilot?.rawValue ?? "-"),
            "pilot_duty_percent": pilot, "offered_a": .number(offered),
            "grid_limit_a": machine.gridLimitAmps.map { .number($0) } ?? .null,
            "cable_a": machine.cableAmps.map { .number($0) } ?? .null,
            "ceiling_a": .number(machine.ceilingAmps), "contactor": .bool(outputs.contactor),
            "lock": .bool(outputs.lock), "faults": .array(machine.latched.map(\.code).sorted().map { .string($0) }),
            "transaction_id": session.map { .string($0.transactionId) } ?? .null,
        ]
    }
}
