public import AgentRuntime
public import HAL
public import ModbusBridgeLogic
import Synchronization

/// One Modbus device as modbusd polls it: its poll groups with their read plans and publish filters, its link
/// supervisor (online, offline, backoff) and its counters. Each device runs in its own loop, so a silent device costs
/// only its own time (and, on a shared RS-485 line, one timeout per backoff).
public actor PolledDevice {
    public nonisolated let name: String
    public nonisolated let map: RegisterMap
    let client: any ModbusClient
    let unit: ModbusUnitID
    let timeout: Duration
    let sink: any DeviceSink
    let now: @Sendable () -> Duration
    let transitions: AsyncStream<StatusChange>.Continuation
    /// Set by the controller when other devices poll through the same client (several slaves on one port or one
    /// TCP server): then the loop stays on the shared pool, so one owner thread does not also encode and publish
    /// for all of them.
    nonisolated let sharesClient = Atomic<Bool>(false)

    /// A device going online or offline, for the controller to report.
    public struct StatusChange: Sendable {
        public var device: String
        public var transition: LinkSupervisor.Transition
        public var error: String?
    }

    struct Group {
        let group: PollGroup
        let points: [ModbusPoint]
        let codecs: [PointCodec]
        let requests: [ReadRequest]
        /// `{device}/{group}`, the telemetry stream.
        let stream: String
        /// The points' units as published, nil when none has one.
        let units: JSONValue?
        var filter: PublishFilter
        var nextDue: Duration
    }

    private var groups: [Group]
    private(set) var supervisor: LinkSupervisor
    /// Polls that talked to the device, whatever the outcome.
    public private(set) var polls = 0
    /// Failed transfers (timeouts, exceptions, CRC errors, lost connections).
    public private(set) var errors = 0
    public private(set) var timeouts = 0
    /// Polls not made because the device was backed off.
    public private(set) var skippedPolls = 0
    /// Successful polls of each group, by group name.
    public private(set) var groupPolls: [String: Int] = [:]
    public private(set) var lastError: String?
    /// Requests to the device in flight now (0 or 1 per group task; the loop polls one group at a time).
    public private(set) var inFlight = 0

    public init(
        name: String, map: RegisterMap, client: any ModbusClient, unit: ModbusUnitID, timeout: Duration,
        settings: ModbusBridgeSettings, sink: any DeviceSink, now: @escaping @Sendable () -> Duration,
        transitions: AsyncStream<StatusChange>.Continuation
    ) {
        self.name = name
        self.map = map
        self.client = client
        self.unit = unit
        self.timeout = timeout
        self.sink = sink
        self.now = now
        self.transitions = transitions
        self.supervisor = LinkSupervisor(
            offlineAfter: settings.offlineAfter, initialBackoff: settings.initialBackoff,
            maximumBackoff: settings.maximumBackoff)
        let start = now()
        groups = map.groups.map { group in
            let points = map.points(in: group.name)
            let units = points.compactMap { point in point.unit.map { (point.name, JSONValue.string($0)) } }
            return Group(
                group: group, points: points, codecs: points.map { $0.codec(defaults: map.orders) },
                requests: ReadPlanner.plan(points, limits: map.limits), stream: "\(name)/\(group.name)",
                units: units.isEmpty ? nil : .object(Dictionary(uniqueKeysWithValues: units)),
                filter: PublishFilter(
                    deadbands: Dictionary(uniqueKeysWithValues: points.map { ($0.name, $0.deadband) }),
                    heartbeat: group.heartbeat),
                nextDue: start)
        }
    }

    /// The requests each group's poll makes, by group name (for tests and the README's claims).
    public var plans: [String: [ReadRequest]] {
        Dictionary(uniqueKeysWithValues: groups.map { ($0.group.name, $0.requests) })
    }

    /// New backoff settings; the link's state is kept.
    public func apply(_ settings: ModbusBridgeSettings) {
        supervisor.offlineAfter = settings.offlineAfter
        supervisor.initialBackoff = settings.initialBackoff
        supervisor.maximumBackoff = settings.maximumBackoff
    }

    /// Polls each group when it is due, until cancelled. A poll that overruns skips the ticks it missed.
    ///
    /// The loop prefers the client's own executor (the Linux client's owner thread) where it has one: the device's
    /// code between requests runs on the thread that makes them, so a request is no hand-off to that thread and back,
    /// and the tick is kept by that thread too (`ModbusClient.sleep(until:)`), not by a timer thread and the pool.
    public func run() async {
        let executor = sharesClient.load(ordering: .relaxed) ? nil : client.preferredExecutor
        await withTaskExecutorPreference(executor) { await pollLoop(ticksOnClient: executor != nil) }
    }

    private func pollLoop(ticksOnClient: Bool) async {
        while !Task.isCancelled {
            guard let index = groups.indices.min(by: { groups[$0].nextDue < groups[$1].nextDue }) else { return }
            let due = groups[index].nextDue
            let wait = due - now()
            if wait > .zero {
                // An absolute deadline from the schedule (`nextDue`), so time spent polling does not push the next tick.
                let deadline = ContinuousClock.now + wait
                do {
                    if ticksOnClient {
                        try await client.sleep(until: deadline)
                    } else {
                        try await Task.sleep(until: deadline, clock: .continuous)
                    }
                } catch {
                    return
                }
            }
            await poll(group: index)
            let period = groups[index].group.period
            var next = due + period
            let current = now()
            if next < current { next += period * Int((current - next).totalNanoseconds / period.totalNanoseconds + 1) }
            groups[index].nextDue = next
        }
    }

    /// Reads one group now (unless the device is backed off) and publishes it when its filter says so.
    public func poll(groupNamed name: String) async {
        guard let index = groups.firstIndex(where: { $0.group.name == name }) else { return }
        await poll(group: index)
    }

    private func poll(group index: Int) async {
        guard supervisor.mayPoll(at: now()) else {
            skippedPolls += 1
            return
        }
        polls += 1
        let group = groups[index]
        var values: [String: PointValue] = Dictionary(minimumCapacity: group.points.count)
        var pointErrors: [String: String] = [:]
        var complete = true
        for request in group.requests {
            do {
                inFlight += 1
                defer { inFlight -= 1 }
                let answer = try await read(request)
                for placement in request.points {
                    let point = group.points[placement.point]
                    let codec = group.codecs[placement.point]
                    values[point.name] =
                        switch answer {
                        case .bits(let bits): codec.decode(bit: bits[placement.offset])
                        case .registers(let registers):
                            codec.decode(
                                registers: registers[placement.offset..<placement.offset + codec.count])
                        }
                }
                report(supervisor.answered(), error: nil)
            } catch {
                errors += 1
                lastError = "\(error)"
                if case .exception = error.code {
                    // The device is there and refused this span: its points say why, the others are still read.
                    report(supervisor.answered(), error: nil)
                    for placement in request.points {
                        pointErrors[group.points[placement.point].name] = "\(error.code)"
                    }
                    continue
                }
                if error.code == .timeout { timeouts += 1 }
                report(supervisor.failed(at: now()), error: "\(error)")
                complete = false
                // A device that does not answer is not asked the rest of the group: each request would cost a timeout.
                break
            }
        }
        guard complete else { return }
        groupPolls[group.group.name, default: 0] += 1
        guard groups[index].filter.shouldPublish(values, at: now()) else { return }
        var payload: [String: JSONValue] = [
            "device": .string(name),
            "values": .object(values.mapValues(Self.json)),
        ]
        if let units = group.units { payload["units"] = units }
        if !pointErrors.isEmpty { payload["errors"] = .object(pointErrors.mapValues { .string($0) }) }
        await sink.telemetry(group.stream, payload)
    }

    private enum Answer {
        case bits([Bool])
        case registers([UInt16])
    }

    private func read(_ request: ReadRequest) async throws(ModbusError) -> Answer {
        let address = RegisterAddress(UInt16(request.address))
        let answer: Answer
        let count: Int
        switch request.register {
        case .coil:
            let bits = try await client.readCoils(unit: unit, address: address, count: request.count, timeout: timeout)
            (answer, count) = (.bits(bits), bits.count)
        case .discrete:
            let bits = try await client.readDiscreteInputs(
                unit: unit, address: address, count: request.count, timeout: timeout)
            (answer, count) = (.bits(bits), bits.count)
        case .holding:
            let registers = try await client.readHoldingRegisters(
                unit: unit, address: address, count: request.count, timeout: timeout)
            (answer, count) = (.registers(registers), registers.count)
        case .input:
            let registers = try await client.readInputRegisters(
                unit: unit, address: address, count: request.count, timeout: timeout)
            (answer, count) = (.registers(registers), registers.count)
        }
        // The points are cut out of the answer by offset: a short answer is the device's fault, never a crash here.
        guard count == request.count else {
            throw ModbusError(
                .invalidResponse, endpoint: client.endpoint, unit: unit,
                operation: "read \(String(request.register.table.rawValue.map { $0 == "-" ? " " : $0 })) "
                    + "\(request.address)+\(request.count)",
                detail: "\(count) values in the answer")
        }
        return answer
    }

    private func report(_ transition: LinkSupervisor.Transition?, error: String?) {
        guard let transition else { return }
        transitions.yield(StatusChange(device: name, transition: transition, error: error))
    }

    /// The device's figures for `telemetry/devices` and the retained state.
    public var status: [String: JSONValue] {
        var status: [String: JSONValue] = [
            "state": .string(supervisor.state.rawValue),
            "polls": .number(Double(polls)),
            "errors": .number(Double(errors)),
            "timeouts": .number(Double(timeouts)),
            "skipped_polls": .number(Double(skippedPolls)),
            "consecutive_failures": .number(Double(supervisor.consecutiveFailures)),
        ]
        if supervisor.state == .offline {
            status["backoff_ms"] = .number(Double(supervisor.backoff.totalNanoseconds / 1_000_000))
        }
        if let lastError { status["last_error"] = .string(lastError) }
        return status
    }

    public var state: LinkSupervisor.State { supervisor.state }

    /// A value as published: integers beyond 2^53 as decimal strings (a JSON number would lose digits), NaN and
    /// infinities as null (JSON has neither).
    public static func json(_ value: PointValue) -> JSONValue {
        switch value {
        case .bool(let bit): .bool(bit)
        case .integer(let integer): integer.magnitude <= 1 << 53 ? .number(Double(integer)) : .string(String(integer))
        case .unsigned(let integer): .string(String(integer))
        case .number(let number): number.isFinite ? .number(number) : .null
        case .string(let text): .string(text)
        case .bits(let bits): .object(bits.mapValues { .bool($0) })
        }
    }
}
