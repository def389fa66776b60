import ADS1115
public import AgentRuntime
public import FuelCellController
public import FuelCellLogic
public import HAL

/// The fuel-cell plant's state machine bound to its parts. A trip input's edge goes straight to `input(_:_:)`, which
/// feeds the machine and writes the valve and the fan before anything else — the controller's Modbus commands come
/// next, and publishing is queued and sent by `publish()` from its own loop, so no broker, disk, configuration or
/// Modbus answer ever sits between an edge and the valve. The daemon steps the H₂ detector (`sensorStep`), the
/// controller poll (`pollStep`), the sequence and ramp (`controlStep`) and telemetry (`telemetryStep`) on its loops;
/// tests call them directly with a manual clock.
///
/// Safe state (`enterSafeState`, applied before start and on stop): the H₂ valve closed, the ventilation on, the
/// controller asked to stop with a set-point of 0.
public actor FuelCellPlant {
    public private(set) var configuration: FuelCellConfiguration
    private let parts: FuelCellParts
    private let sink: any DeviceSink
    /// A monotonic clock, as a `Duration` since its origin: the one the edge timestamps are on when
    /// `edgeTimestampsOnClock`, else the reaction is timed from an edge's arrival.
    private let now: @Sendable () -> Duration
    private let edgeTimestampsOnClock: Bool
    public private(set) var machine: FuelCellMachine
    /// The controller's last good status, and the H₂ level last read (%LFL; nil: unreadable).
    public private(set) var status: FuelCellController.Status?
    public private(set) var hydrogenLFL: Double?
    /// Heat produced since the daemon started, integrated from the controller's heat output.
    public private(set) var heatKWh: Double = 0
    private var lastHeatAt: Duration?

    private var running = false
    private var written = Written()
    /// What the controller was last told; nil fields: unknown (never written, or the write failed).
    private var told = Told()
    private var tellingController = false
    /// A reset is clearing the controller's latch: nothing else tells the controller meanwhile (the machine, still
    /// tripped, would set its emergency stop again).
    private var resetting = false
    private var controllerErrorReported = false
    private var watchdogArmed = false
    /// Edges handled so far: a level read that an edge overtook is stale (`reconcileInputs`).
    private var edgesHandled = 0
    /// One element whenever something waits to be published; the daemon's publishing loop calls `publish()` on each.
    public nonisolated var publications: AsyncStream<Void> { outgoing.wakeUps }
    /// Events, state and telemetry waiting for the publishing loop.
    private let outgoing = PublicationQueue()
    /// Whether the control loop still steps, read by `watchdogCheck` from outside the actor (which may be stuck).
    private let stallWatch: LoopProgress
    /// How long the control loop may go without a step before the watchdog applies the safe state.
    public nonisolated var stallLimit: Duration { stallWatch.stallLimit }

    private struct Written {
        var valve: Bool?
        var ventilation: Bool?
    }

    private struct Told: Equatable {
        var emergencyStop: Bool?
        var run: Bool?
        var setpointKW: Double?
    }

    public init(
        configuration: FuelCellConfiguration, parts: FuelCellParts, sink: any DeviceSink,
        now: @escaping @Sendable () -> Duration, edgeTimestampsOnClock: Bool = true,
        stallLimit: Duration = .seconds(1)
    ) {
        self.configuration = configuration
        self.parts = parts
        self.sink = sink
        self.now = now
        self.edgeTimestampsOnClock = edgeTimestampsOnClock
        stallWatch = LoopProgress(stallLimit: stallLimit)
        machine = FuelCellMachine(
            settings: configuration.settings, limits: configuration.hardware.limits, start: now())
    }

    // MARK: Start, settings, safe state

    /// Takes the inputs' present levels and the H₂ reading into a fresh machine (an E-stop open at start trips at
    /// once), then drives the outputs from it.
    public func start() async {
        let at = now()
        machine = FuelCellMachine(settings: configuration.settings, limits: configuration.hardware.limits, start: at)
        running = true
        stallWatch.disarm()
        var transitions: [FuelCellTransition] = []
        if let closed = await level(parts.emergencyStop, .emergencyStop) {
            transitions += machine.emergencyStop(closed: closed, at: at)
        }
        if let active = await level(parts.leakContact, .leakContact) {
            transitions += machine.leakContact(active: active, at: at)
        }
        transitions += machine.hydrogen(percentLFL: await readHydrogen(), at: now())
        written = Written()
        await writeOutputs()
        record(transitions, reaction: nil)
        await tellController()
    }

    /// Takes remotely applied settings; the limits are local and stay.
    public func apply(settings: FuelCellSettings) async {
        configuration.settings = settings
        machine.settings = settings
        record([], reaction: nil)
    }

    /// Closes the valve, runs the ventilation and asks the controller to stop at a set-point of 0; stops driving the
    /// outputs from the machine until `start()`.
    public func enterSafeState() async {
        running = false
        stallWatch.disarm()
        // The valve first: it is the one that shuts the hydrogen off.
        await write(parts.valve, FuelCellOutputs.safe.valveOpen, "valve")
        written.valve = FuelCellOutputs.safe.valveOpen
        await write(parts.ventilation, FuelCellOutputs.safe.ventilation, "ventilation")
        written.ventilation = FuelCellOutputs.safe.ventilation
        do {
            try await parts.controller.setRunning(false)
            try await parts.controller.setPowerSetpoint(kilowatts: 0)
            told.run = false
            told.setpointKW = 0
        } catch {
            told = Told()
            queue(.event("controller-error", ["operation": "safe state", "error": .string("\(error)")]))
        }
    }

    public var isHealthy: Bool { machine.state != .tripped }

    private func write(_ line: any GPIOOutputLine, _ active: Bool, _ name: String) async {
        do {
            try await line.write(GPIOValue(active))
        } catch {
            queue(.event("output-error", ["output": .string(name), "error": .string("\(error)")]))
        }
    }

    private func level(_ line: any GPIOInputLine, _ input: FuelCellInput) async -> Bool? {
        do {
            return try await line.read() == .active
        } catch {
            queue(.event("input-error", ["input": .string(input.rawValue), "error": .string("\(error)")]))
            return nil
        }
    }

    // MARK: Trip inputs

    /// An edge on a trip or reset input: the machine takes it and the valve and fan are written, then the controller
    /// is told, and only then is anything queued for publishing, with the reaction time from the edge (its
    /// timestamp, or its arrival when the timestamps are on another clock) to the end of the GPIO writes.
    public func input(_ input: FuelCellInput, _ edge: GPIOEdgeEvent) async {
        let at = now()
        guard running else { return }
        let edgeAt = edgeTimestampsOnClock ? Duration.nanoseconds(Int64(edge.timestampNanoseconds)) : at
        edgesHandled += 1
        let active = edge.kind == .rising
        let transitions: [FuelCellTransition]
        switch input {
        case .emergencyStop: transitions = machine.emergencyStop(closed: active, at: at)
        case .leakContact: transitions = machine.leakContact(active: active, at: at)
        case .faultReset:
            if active { _ = await resetFault(.localInput) }
            return
        }
        await writeOutputs()
        record(transitions, reaction: now() - edgeAt)
        await tellController()
    }

    /// Reads the E-stop and leak levels and feeds the machine any change it has not seen as an edge (one between
    /// `start()` and the edge loops subscribing, or an edge the backend lost).
    public func reconcileInputs() async {
        guard running else { return }
        let before = edgesHandled
        let closed = await level(parts.emergencyStop, .emergencyStop)
        let leak = await level(parts.leakContact, .leakContact)
        guard running, edgesHandled == before else { return }
        var transitions: [FuelCellTransition] = []
        if let closed { transitions += machine.emergencyStop(closed: closed, at: now()) }
        if let leak { transitions += machine.leakContact(active: leak, at: now()) }
        await writeOutputs()
        record(transitions, reaction: nil)
        await tellController()
    }

    // MARK: Loops

    /// Reads the H₂ detector; the daemon calls this every `sensor_ms`.
    public func sensorStep() async {
        guard running else { return }
        let reading = await readHydrogen()
        guard running else { return }
        let transitions = machine.hydrogen(percentLFL: reading, at: now())
        await writeOutputs()
        record(transitions, reaction: nil)
        if !transitions.isEmpty { await tellController() }
    }

    private func readHydrogen() async -> Double? {
        do {
            let volts = try await parts.h2Sensor.measureVolts(parts.h2Input, gain: .fsr4096mV, dataRate: .sps860)
            hydrogenLFL = configuration.hardware.h2Sensor.percentLFL(volts: volts)
        } catch {
            await sink.busError("\(error)")
            hydrogenLFL = nil
        }
        return hydrogenLFL
    }

    /// Polls the controller's status, feeds its state and fault codes to the machine, integrates the heat, and keeps
    /// the controller's communication watchdog armed and fed.
    public func pollStep() async {
        guard running else { return }
        let polled: FuelCellController.Status
        do {
            polled = try await parts.controller.status()
        } catch {
            reportControllerError("status", error)
            return
        }
        controllerErrorReported = false
        let at = now()
        if let last = lastHeatAt, let previous = status {
            heatKWh += previous.heatKW * (at - last).hours
        }
        lastHeatAt = at
        status = polled
        let transitions = machine.controller(
            polled.state.machineState, faults: polled.faults.codes, at: at)
        await writeOutputs()
        record(transitions, reaction: nil)
        await tellController()
        await feedControllerWatchdog()
    }

    private func feedControllerWatchdog() async {
        let seconds = UInt16(configuration.hardware.controllerWatchdogSeconds)
        do {
            if !watchdogArmed {
                try await parts.controller.setWatchdog(seconds: seconds)
                watchdogArmed = true
            } else if seconds > 0 {
                try await parts.controller.kickWatchdog()
            }
        } catch {
            watchdogArmed = false
            reportControllerError("watchdog", error)
        }
    }

    /// Steps the sequence timers, the link supervision and the set-point ramp; the daemon calls this every 100 ms.
    public func controlStep() async {
        guard running else { return }
        let at = now()
        let stalled = stallWatch.step(at: at)
        var transitions: [FuelCellTransition] = []
        if stalled {
            // The watchdog wrote the safe levels behind the machine's back: write everything again.
            written = Written()
            transitions += machine.stalled(at: at)
        }
        transitions += machine.tick(at: at)
        await writeOutputs()
        record(transitions, reaction: nil)
        await tellController()
    }

    /// Checks, from outside the actor, that the control loop still steps; past `stallLimit` it closes the valve and
    /// runs the ventilation straight on the lines (the actor may be the thing that is stuck), and the next step
    /// latches the trip. - Returns: whether it found a stall now.
    public nonisolated func watchdogCheck() async -> Bool {
        let at = now()
        let stalled = stallWatch.checkStalled(at: at)
        guard stalled else { return false }
        // Best effort by design: there is nothing else to do with a line that fails here.
        try? await parts.valve.write(GPIOValue(false))
        try? await parts.ventilation.write(GPIOValue(true))
        return true
    }

    // MARK: Commands

    /// `start`: nil when the sequence began, else why not.
    public func requestStart() async -> String? { await command(.startRequested) }

    /// `stop`: nil when the controlled stop began, else why not.
    public func requestStop() async -> String? { await command(.stopRequested) }

    /// `set-power {kw}`: nil when taken as the demand, else why not (above the local ceiling or the controller's
    /// rating, not a power, tripped).
    public func requestPower(kilowatts: Double) async -> String? {
        if let rated = status?.ratedKW, kilowatts > rated, kilowatts <= machine.limits.powerCeilingKW {
            return "\(kilowatts) kW is above the controller's rating of \(rated) kW"
        }
        return await command(.powerRequested(kilowatts: kilowatts))
    }

    private func command(_ event: FuelCellEvent) async -> String? {
        let transition = machine.handle(event, at: now())
        await writeOutputs()
        record([transition], reaction: nil)
        await tellController()
        return transition.refusal
    }

    /// Resets latched conditions (the `reset-fault` command or the local key): clears the controller's own latch
    /// first when it holds one, so its faults count only if their cause stands. Nil when done, else why not.
    public func resetFault(_ source: ResetSource = .command) async -> String? {
        if machine.state == .tripped || machine.latched.contains(where: \.isControllerFault), !resetting {
            resetting = true
            defer { resetting = false }
            do {
                try await parts.controller.setRunning(false)
                try await parts.controller.writeEmergencyStop(false)
                told.emergencyStop = false
                told.run = false
                try await parts.controller.resetFaults()
                // The controller takes the reset on its next cycle: poll until its faults are gone or a second passed.
                for _ in 0..<10 {
                    try await Task.sleep(for: .milliseconds(100))
                    let polled = try await parts.controller.status()
                    status = polled
                    record(
                        machine.controller(polled.state.machineState, faults: polled.faults.codes, at: now()),
                        reaction: nil)
                    if polled.faults.isEmpty, polled.state != .fault, polled.state != .emergencyStop { break }
                }
            } catch {
                told = Told()
                reportControllerError("reset", error)
            }
        }
        let transition = machine.handle(.resetRequested(source), at: now())
        await writeOutputs()
        record([transition], reaction: nil)
        await tellController()
        return transition.refusal
    }

    // MARK: Outputs

    /// Drives the valve and the fan to the machine's levels, writing only what changes; the valve first.
    private func writeOutputs() async {
        guard running else { return }
        let outputs = machine.outputs
        if written.valve != outputs.valveOpen {
            written.valve = outputs.valveOpen
            do {
                try await parts.valve.write(GPIOValue(outputs.valveOpen))
            } catch {
                written.valve = nil
                queue(.event("output-error", ["output": "valve", "error": .string("\(error)")]))
            }
        }
        if written.ventilation != outputs.ventilation {
            written.ventilation = outputs.ventilation
            do {
                try await parts.ventilation.write(GPIOValue(outputs.ventilation))
            } catch {
                written.ventilation = nil
                queue(.event("output-error", ["output": "ventilation", "error": .string("\(error)")]))
            }
        }
    }

    /// Tells the controller what the machine wants (emergency stop, run request, set-point), safety first, writing
    /// only what changed. One exchange at a time: a call while one runs leaves the work to it.
    private func tellController() async {
        guard running, !tellingController, !resetting else { return }
        tellingController = true
        defer { tellingController = false }
        let controller = parts.controller
        while running {
            let outputs = machine.outputs
            let setpoint = min(outputs.setpointKW, machine.powerLimit(ratedKW: status?.ratedKW))
            do {
                if outputs.controllerEmergencyStop, told.emergencyStop != true {
                    told.emergencyStop = true
                    try await controller.emergencyStop()
                } else if !outputs.runRequest, told.run != false {
                    told.run = false
                    try await controller.setRunning(false)
                } else if !outputs.controllerEmergencyStop, told.emergencyStop == true {
                    told.emergencyStop = false
                    try await controller.writeEmergencyStop(false)
                } else if told.setpointKW.map({ abs($0 - setpoint) >= 0.001 }) ?? true {
                    // Before the run request, so the stack starts toward the right set-point.
                    told.setpointKW = setpoint
                    try await controller.setPowerSetpoint(kilowatts: setpoint)
                } else if outputs.runRequest, told.run != true {
                    told.run = true
                    try await controller.setRunning(true)
                } else {
                    return
                }
            } catch {
                told = Told()
                reportControllerError("command", error)
                return
            }
        }
    }

    private func reportControllerError(_ operation: String, _ error: ModbusError) {
        guard !controllerErrorReported else { return }
        controllerErrorReported = true
        queue(.event("controller-error", ["operation": .string(operation), "error": .string("\(error)")]))
    }

    private func reportControllerError(_ operation: String, _ error: any Error) {
        if let modbus = error as? ModbusError { reportControllerError(operation, modbus) }
    }

    // MARK: Telemetry and publishing

    /// Queues `telemetry/plant`: electrical and heat output and energy, the stack, efficiency, H₂, hours, starts.
    public func telemetryStep() {
        var values: [String: JSONValue] = [
            "state": .string(machine.state.rawValue), "setpoint_kw": .number(machine.setpointKW),
            "demand_kw": machine.demandKW.map { .number($0) } ?? .null, "starts": .number(Double(machine.starts)),
            "heat_kwh": .number(heatKWh), "h2_lfl_pct": hydrogenLFL.map { .number($0) } ?? .null,
            "controller_online": .bool(!machine.causes.contains(.controllerLinkLost) && status != nil),
        ]
        if let status {
            let cells = Double(configuration.hardware.stackCells)
            // Voltage efficiency against H₂'s lower heating value (1.254 V per cell), fuel utilisation taken as 1.
            let efficiency = status.stackVolts > 0 ? status.stackVolts / cells / 1.254 * 100 : 0
            values.merge(
                [
                    "electrical_kw": .number(status.electricalKW), "electrical_kwh": .number(status.producedKWh),
                    "heat_kw": .number(status.heatKW), "stack_v": .number(status.stackVolts),
                    "stack_a": .number(status.stackAmps), "stack_c": .number(status.stackCelsius),
                    "efficiency_pct": .number(status.electricalKW > 0 ? efficiency : 0),
                    "h2_bar": .number(status.hydrogenInletBar), "run_hours": .number(Double(status.operatingHours)),
                    "controller_state": .string(status.state.machineState.rawValue),
                ]
            ) { old, _ in old }
        }
        queue(.telemetry("plant", values))
    }

    /// Sends everything queued to the sink (events, retained state, telemetry), in order.
    public func publish() async {
        await outgoing.send(to: sink)
    }

    private func queue(_ publication: PublicationQueue.Publication) {
        outgoing.append(publication)
    }

    private func record(_ transitions: [FuelCellTransition], reaction: Duration?) {
        let reactionValue: [String: JSONValue] =
            reaction.map { ["reaction_ms": .number(Double($0.totalNanoseconds) / 1_000_000)] } ?? [:]
        for transition in transitions {
            if let refusal = transition.refusal {
                if case .resetRequested(let source) = transition.event {
                    queue(.event("reset-refused", ["source": .string(source.rawValue), "reason": .string(refusal)]))
                }
                continue
            }
            let state = JSONValue.string(transition.to.rawValue)
            switch transition.event {
            case .conditionFound(let condition) where transition.isShutdown:
                queue(
                    .event(
                        "shutdown",
                        [
                            "cause": .string(condition.code), "detail": .string(condition.description), "state": state,
                        ].merging(reactionValue) { old, _ in old }))
            case .conditionFound(let condition) where condition.isTrip:
                queue(
                    .event(
                        "fault",
                        ["fault": .string(condition.code), "detail": .string(condition.description), "latched": true]))
            case .conditionFound(let condition):
                queue(
                    .event(
                        "warning",
                        [
                            "warning": .string(condition.code), "detail": .string(condition.description),
                            "h2_lfl_pct": hydrogenLFL.map { .number($0) } ?? .null,
                        ]))
            case .causeCleared(let condition):
                queue(
                    .event(
                        "fault-cause-cleared",
                        ["fault": .string(condition.code), "detail": .string(condition.description)]))
            case .resetRequested(let source):
                queue(.event("fault-reset", ["source": .string(source.rawValue), "state": state]))
            default: break
            }
            if transition.from != transition.to {
                queue(
                    .event(
                        "transition",
                        [
                            "from": .string(transition.from.rawValue), "state": state,
                            "event": .string(transition.event.kind.rawValue),
                        ].merging(reactionValue) { old, _ in old }))
            }
        }
        let document = stateDocument()
        outgoing.state(document)
    }

    private func stateDocument() -> [String: JSONValue] {
        [
            "state": .string(machine.state.rawValue), "controller": .string(machine.controller.rawValue),
            "latched": .array(machine.latched.map(\.code).sorted().map { .string($0) }),
            "causes": .array(machine.causes.map(\.code).sorted().map { .string($0) }),
            "trip_cause": machine.tripCause.map { .string($0.code) } ?? .null, "warning": .bool(machine.warning),
            "demand_kw": machine.demandKW.map { .number($0) } ?? .null,
            "power_ceiling_kw": .number(machine.limits.powerCeilingKW),
        ]
    }
}

extension FuelCellCondition {
    var isControllerFault: Bool {
        if case .controllerFault = self { true } else { false }
    }
}

extension Duration {
    var hours: Double { Double(components.seconds) / 3600 + Double(components.attoseconds) / 1e18 / 3600 }
}

extension FuelCellController {
    /// Sets or clears the emergency-stop coil (the driver's `emergencyStop()` only sets it; a reset needs it clear).
    func writeEmergencyStop(_ on: Bool) async throws(ModbusError) {
        try await client.writeSingleCoil(unit: unit, address: Map.Coil.emergencyStop, value: on, timeout: timeout)
    }
}
