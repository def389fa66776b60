public import FoundationEssentials
import Glibc
import HAL
public import Logging
public import MQTTTransport

/// The MQTT side of a daemon: birth and last will, command dispatch with exactly one result per command,
/// telemetry/event/state publishing with the v1 envelope, and `offline` on a clean shutdown.
///
/// Re-publishes birth and retained state on every (re)connect, because a broker restarted without persistence
/// forgets retained messages (field lesson: devices that never re-announced).
public actor AgentSession {
    public let configuration: AgentConfiguration
    public let topics: TopicScheme
    public let router: CommandRouter
    private let client: MosquittoClient
    private var birth: BirthDocument
    private let startedAt = ContinuousClock.now
    private var sequence: [String: UInt64] = [:]
    private var retainedState: JSONValue?
    private var connected = false
    private var connections = 0
    private var connectedAt: ContinuousClock.Instant?
    /// When recent sessions ended within seconds of starting (flapping), for the duplicate-identity warning.
    private var shortSessionEnds: [ContinuousClock.Instant] = []
    private var lastFlappingWarning: ContinuousClock.Instant?
    private var pendingAcks: [Int32: CheckedContinuation<Void, Never>] = [:]
    private let onStopRequested: @Sendable (String) -> Void
    private let logger: Logger
    private var desiredHandler: (@Sendable ([UInt8]) async -> ConfigReport)?
    /// The durable outbox events go through (nil: events are published directly); its figures go into health.
    public nonisolated let outbox: FileOutbox?
    private var commandsRunning = 0
    private var commandsRefusedBusy = 0
    /// Which outbox entry each in-flight MQTT message id carries.
    private var outboxInFlight: [Int32: UInt64] = [:]
    /// At most this many outbox entries are sent and unacknowledged at once. MQTT packet ids are 16 bits and
    /// libmosquitto hands out the next one whether or not the id's last packet was acknowledged: with more than 65 535
    /// in flight (a long outage's backlog sent at once) two entries shared an id, one acknowledgement was matched to the
    /// wrong entry and the other's never came, and the drain stalled with entries in flight until the next reconnect.
    public static let outboxWindow = 1_000
    /// The drain stopped at a full window; acknowledgements restart it once half the window is free.
    private var drainAwaitsWindow = false
    private var draining = false
    private var drainBucket: TokenBucket
    /// Desired configurations are handled one after another, off the event loop (a health window takes seconds).
    private var configurationTask: Task<Void, Never>?
    /// Commands and desired configuration: retried until the broker grants them, reported in health.
    private var subscriptions: SubscriptionTracker

    /// What `status` announces: who is running, on what, with which configuration.
    public struct BirthDocument: Sendable, Hashable, Codable {
        public var state = "online"
        public var agent: String
        public var version: String
        public var board: String
        public var configRevision: Int
        public var bootTime: String

        enum CodingKeys: String, CodingKey {
            case state, agent, version, board
            case configRevision = "config_revision"
            case bootTime = "boot_time"
        }
        public init(agent: String, version: String, board: String, configRevision: Int, bootTime: Date) {
            self.agent = agent
            self.version = version
            self.board = board
            self.configRevision = configRevision
            self.bootTime = RFC3339.format(bootTime)
        }
    }

    /// - Parameter onStopRequested: called when the agent should stop (the `reboot-agent` command); the daemon
    ///   shuts down gracefully and its supervisor (systemd `Restart=always`) starts it again.
    public init(
        configuration: AgentConfiguration, birth: BirthDocument, password: String? = nil,
        logger: Logger = Logger(label: "curbside.session"), outbox: FileOutbox? = nil,
        drainRatePerSecond: Double = 200, onStopRequested: @escaping @Sendable (String) -> Void = { _ in }
    ) throws(MQTTError) {
        // libmosquitto 2.0 happens to ignore SIGPIPE in `mosquitto_new`; a broker reset during an OpenSSL write must
        // not end the daemon, so say it here rather than rely on a library's side effect.
        ProcessSignals.ignoreSIGPIPE()
        self.logger = logger
        self.outbox = outbox
        self.drainBucket = TokenBucket(ratePerSecond: drainRatePerSecond, burst: max(1, drainRatePerSecond / 2))
        self.configuration = configuration
        self.topics = TopicScheme(identity: configuration.identity)
        self.birth = birth
        self.onStopRequested = onStopRequested
        self.subscriptions = SubscriptionTracker(filters: [topics.commandFilter, topics.configDesired])
        self.router = CommandRouter(
            maxPayloadBytes: configuration.commands.maxPayloadBytes,
            duplicateWindow: configuration.commands.duplicateWindow)
        let mqtt = configuration.mqtt
        let will = MQTTMessage(
            topic: TopicScheme(identity: configuration.identity).status,
            payload: Self.encode(["state": "offline", "reason": "connection-lost"] as JSONValue), qos: .atLeastOnce,
            retain: true)
        client = try MosquittoClient(
            configuration: MQTTConfiguration(
                url: mqtt.url, clientID: mqtt.clientID ?? configuration.identity.clientID,
                protocolVersion: mqtt.protocolVersion, tls: mqtt.tls, keepAlive: mqtt.keepAlive, cleanStart: false,
                sessionExpiry: mqtt.sessionExpiry,
                // A password alone authenticates no one: the identity's user name is the one the ACL names.
                username: mqtt.username ?? (password == nil ? nil : configuration.identity.brokerUsername),
                password: password, will: will,
                reconnectDelayMin: mqtt.reconnectMin, reconnectDelayMax: mqtt.reconnectMax),
            maxQueuedMessages: Self.maxQueuedMessages)
    }

    /// Hands `config/desired` payloads to `handler` (normally `RemoteConfigurator.handleDesired`) and publishes
    /// its report on `config/reported`; an applied revision also updates the birth document.
    public func onDesiredConfiguration(_ handler: @escaping @Sendable ([UInt8]) async -> ConfigReport) {
        desiredHandler = handler
    }

    /// Sets the configuration revision the birth document announces (after restoring a persisted revision).
    public func setConfigRevision(_ revision: Int) {
        birth.configRevision = revision
    }

    /// The first step of every daemon's shutdown: later commands are answered `rejected` (`shutting-down`), later
    /// desired configurations are left for the next start (the retained message comes again), and the command
    /// handlers and configuration still running are cancelled and awaited. When this returns, nothing that came over
    /// MQTT can change an output any more, so the safe state that follows is the last word.
    public func stopTakingRequests() async {
        desiredHandler = nil
        await router.close()
        let pending = configurationTask
        pending?.cancel()
        await pending?.value
    }

    /// How often the session came back after losing the broker.
    public var reconnectCount: Int { max(0, connections - 1) }

    /// The configuration revision the birth document announces.
    public var configRevision: Int { birth.configRevision }

    /// Answers when the actor is not wedged; the watchdog asks before every ping.
    public func isResponsive() -> Bool { true }

    /// Registers the built-in commands: `ping`, `get-config`, `reboot-agent`.
    public func registerBuiltInCommands() async {
        let started = startedAt
        let birth = birth
        await router.register("ping") {
            let uptime = ContinuousClock.now - started
            return .accepted([
                "pong": true, "uptime_s": .number(uptime.totalSeconds.rounded(.down)),
                "version": .string(birth.version),
            ])
        }
        let summary = configurationSummary()
        await router.register("get-config") { .accepted(summary) }
        let stop = onStopRequested
        await router.register("reboot-agent") {
            stop("reboot-agent command")
            return .accepted(["restarting": true])
        }
        // Daemons register their own self-test (bus probes, actuator cycles) over this default.
        await router.register("self-test") {
            .accepted(["passed": true, "checks": [], "note": "no device checks registered"])
        }
    }

    /// The configuration as operators may see it: no password, no key, and a URL without credentials (the loader
    /// refuses them, but a session can be built from any configuration).
    private func configurationSummary() -> JSONValue {
        let c = configuration
        return [
            "identity": [
                "site": .string(c.identity.site), "kind": .string(c.identity.kind),
                "device": .string(c.identity.device),
            ],
            "mqtt": [
                "url": .string(MQTTConfiguration.redacted(url: c.mqtt.url)),
                "protocol": .string(c.mqtt.protocolVersion.rawValue),
            ],
            "board": .string(c.board), "hal": ["backend": .string(c.hal.backend.rawValue)],
            "state_dir": .string(c.stateDirectory), "config_revision": .number(Double(birth.configRevision)),
        ]
    }

    /// Runs the session until `shutdown()` has finished (or the task is cancelled).
    public func run() async {
        client.start()
        for await event in client.events {
            if Task.isCancelled { break }
            await handle(event)
        }
    }

    /// Publishes `offline` (retained, waiting up to `timeout` for the broker's acknowledgement) and disconnects
    /// normally, so the broker does not publish the will as well.
    public func shutdown(timeout: Duration = .seconds(2)) async {
        // Give the outbox a bounded chance to empty; what is left stays on disk for the next start.
        if let outbox, connected {
            let deadline = ContinuousClock.now + timeout
            while connected, ContinuousClock.now < deadline, await outbox.stats.depth > 0 {
                await drain()
                try? await Task.sleep(for: .milliseconds(20))
            }
        }
        if connected,
            let mid = try? client.publish(
                MQTTMessage(
                    topic: topics.status,
                    payload: Self.encode(
                        ["state": "offline", "reason": "shutdown", "ts": .string(now())] as JSONValue),
                    retain: true))
        {
            await waitForAck(mid, timeout: timeout)
        }
        client.disconnect()
        client.finishEvents()
    }

    // MARK: - Publishing

    /// Publishes a reading on `telemetry/{stream}` with `ts` and a per-stream `seq`.
    @discardableResult
    public func publishTelemetry(_ stream: String, _ values: [String: JSONValue], qos: MQTTQoS = .atMostOnce)
        throws(MQTTError) -> Int32
    {
        try client.publish(
            MQTTMessage(topic: topics.telemetry(stream), payload: envelope("telemetry/\(stream)", values), qos: qos))
    }

    /// Telemetry whose stream policy is durable (e.g. hourly energy counters a billing back-end needs): like an
    /// event, it goes through the outbox and is never lost to an outage, at QoS 1.
    public func publishDurableTelemetry(_ stream: String, _ values: [String: JSONValue]) async throws {
        try await publishThroughOutbox(stream: "telemetry/\(stream)", topic: topics.telemetry(stream), values)
    }

    /// Publishes an alarm or state change on `event/{name}` (QoS 1). With an outbox the event is on disk before this
    /// returns and is sent (in order, paced) whenever the broker is reachable; its `seq` is durable.
    public func publishEvent(_ name: String, _ values: [String: JSONValue]) async throws {
        try await publishThroughOutbox(stream: "event/\(name)", topic: topics.event(name), values)
    }

    private func publishThroughOutbox(stream: String, topic: String, _ values: [String: JSONValue]) async throws {
        guard let outbox else {
            try client.publish(MQTTMessage(topic: topic, payload: envelope(stream, values), qos: .atLeastOnce))
            return
        }
        let ts = RFC3339.format(Date())
        // What the broker announced it accepts (last CONNACK): a larger entry could never be sent and would only
        // wait in the outbox until it ages out.
        let maxPayloadBytes = client.maximumPacketSize.map {
            MQTTMessage.maxPayloadBytes(
                topic: topic, qos: .atLeastOnce, protocolVersion: configuration.mqtt.protocolVersion,
                maximumPacketSize: $0)
        }
        try await outbox.append(stream: stream, topic: topic, maxPayloadBytes: maxPayloadBytes) { seq in
            var document = values
            document["ts"] = .string(ts)
            document["seq"] = .number(Double(seq))
            return Self.encode(JSONValue.object(document))
        }
        await drain()
    }

    /// Sends pending outbox entries in order while connected, paced by the token bucket.
    private func drain() async {
        guard let outbox, connected, !draining else { return }
        draining = true
        defer { draining = false }
        while connected {
            let room = Self.outboxWindow - outboxInFlight.count
            guard room > 0 else {
                drainAwaitsWindow = true
                return
            }
            let batch = await outbox.pending(limit: min(64, room))
            if batch.isEmpty { return }
            for entry in batch {
                while !drainBucket.take() {
                    try? await Task.sleep(for: drainBucket.wait)
                    if !connected { return }
                }
                let mid: Int32
                do {
                    mid = try client.publish(
                        MQTTMessage(
                            topic: entry.topic, payload: Array(entry.payload),
                            qos: MQTTQoS(rawValue: entry.qos) ?? .atLeastOnce, retain: entry.retain))
                } catch {
                    // Not connected: try again later. Refused as such: stored before the broker's limit was known
                    // (or under a larger one), it will never go, so it must not hold up the entries behind it.
                    guard error.code == .packetTooLarge || error.code == .invalidMessage else { return }
                    await setAside(entry, outbox: outbox, error: error)
                    continue
                }
                outboxInFlight[mid] = entry.id
                await outbox.markInFlight(entry.id)
            }
        }
    }

    private func setAside(_ entry: FileOutbox.Entry, outbox: FileOutbox, error: MQTTError) async {
        logger.error(
            "outbox entry set aside: the broker will not take it",
            metadata: ["stream": "\(entry.stream)", "seq": "\(entry.seq)", "error": "\(error)"])
        do {
            try await outbox.discard(entry.id, reason: error.code == .packetTooLarge ? "too_large" : "invalid")
        } catch {
            logger.error("outbox: recording the set-aside entry failed", metadata: ["error": "\(error)"])
        }
    }

    /// Publishes the retained operating state; it is published again after every reconnect.
    public func publishState(_ state: JSONValue) throws(MQTTError) {
        retainedState = state
        guard connected else { return }
        try client.publish(MQTTMessage(topic: topics.state, payload: Self.encode(state), retain: true))
    }

    private func envelope(_ stream: String, _ values: [String: JSONValue]) -> [UInt8] {
        let next = (sequence[stream] ?? 0) + 1
        sequence[stream] = next
        var document = values
        document["ts"] = .string(now())
        document["seq"] = .number(Double(next))
        return Self.encode(JSONValue.object(document))
    }

    // MARK: - Events

    private func handle(_ event: MQTTEvent) async {
        switch event {
        case .connected(let sessionPresent):
            connected = true
            connections += 1
            connectedAt = .now
            logger.info(
                "connected", metadata: ["broker": "\(configuration.mqtt.url)", "session_present": "\(sessionPresent)"])
            subscriptions.restart()
            for filter in subscriptions.filters { subscribe(filter, connection: connections) }
            _ = try? client.publish(MQTTMessage(topic: topics.status, payload: Self.encode(birth), retain: true))
            if let retainedState {
                _ = try? client.publish(
                    MQTTMessage(topic: topics.state, payload: Self.encode(retainedState), retain: true))
            }
            // Entries sent on the last connection but not acknowledged go again, first and in order: left to the MQTT
            // library's own retransmission they may land after newer entries (seen: 149…151 after 152…167 across a
            // broker restart). A late PUBACK for an old message id then acknowledges nothing; the new one does.
            outboxInFlight.removeAll()
            drainAwaitsWindow = false
            await outbox?.requeueInFlight()
            Task { await self.drain() }
        case .connectionRefused(let code, let reason):
            connected = false
            logger.error("broker refused the connection", metadata: ["reason_code": "\(code)", "reason": "\(reason)"])
        case .disconnected(let code, let reason, let expected):
            let wasConnected = connected
            connected = false
            if code == Self.sessionTakenOver {
                // Two devices configured with the same identity kick each other off in a loop; say so plainly.
                logger.error(
                    "session taken over: another client connected with our client id; check for a duplicate device identity",
                    metadata: ["client_id": "\(configuration.mqtt.clientID ?? configuration.identity.clientID)"])
            } else if wasConnected, !expected {
                logger.warning("connection lost; reconnecting", metadata: ["reason": "\(reason)", "code": "\(code)"])
                noteShortSession()
            } else if !expected {
                logger.debug("connect attempt failed", metadata: ["reason": "\(reason)", "code": "\(code)"])
            }
        case .subscribed(let mid, let reasonCodes):
            subscriptionAcknowledged(mid, reasonCodes)
        case .published(let mid):
            pendingAcks.removeValue(forKey: mid)?.resume()
            if let id = outboxInFlight.removeValue(forKey: mid), let outbox {
                do {
                    try await outbox.acknowledge(id)
                } catch {
                    logger.error("outbox acknowledge failed", metadata: ["error": "\(error)"])
                }
                if drainAwaitsWindow, outboxInFlight.count <= Self.outboxWindow / 2 {
                    drainAwaitsWindow = false
                    Task { await self.drain() }
                }
            }
        case .message(let message):
            client.messageHandled()
            if let name = topics.commandName(in: message.topic) {
                // Commands run concurrently so a slow one (self-test) never holds up acknowledgements or others — but
                // a bounded number: a flood is answered `busy` at once instead of piling up tasks and memory.
                guard commandsRunning < configuration.commands.maxConcurrent else {
                    commandsRefusedBusy += 1
                    publishResult(await busyResult(name, message), of: name, to: message)
                    return
                }
                commandsRunning += 1
                Task {
                    await self.answer(name, message)
                    self.commandsRunning -= 1
                }
            } else if message.topic == topics.configDesired, !message.payload.isEmpty, let handler = desiredHandler {
                let previous = configurationTask
                configurationTask = Task {
                    await previous?.value
                    let report = await handler(message.payload)
                    // Interrupted by a stop: the configurator put the last good settings back; the retained desired
                    // configuration is handled again at the next start, so nothing is reported now.
                    if !Task.isCancelled { self.publishReport(report) }
                }
            }
        }
    }

    private func publishReport(_ report: ConfigReport) {
        logger.notice(
            "configuration \(report.status.rawValue)",
            metadata: [
                "revision": "\(report.revision)", "active_revision": "\(report.activeRevision)",
                "errors": "\((report.errors ?? []).joined(separator: "; "))",
            ])
        _ = try? client.publish(MQTTMessage(topic: topics.configReported, payload: Self.encode(report), retain: true))
        if report.status == .applied, birth.configRevision != report.activeRevision {
            birth.configRevision = report.activeRevision
            _ = try? client.publish(MQTTMessage(topic: topics.status, payload: Self.encode(birth), retain: true))
        }
    }

    /// Some brokers (mosquitto 2.0 among them) close a taken-over session without a DISCONNECT reason, so a
    /// device whose sessions keep ending seconds after they start gets one clear explanation per minute.
    private func noteShortSession() {
        guard let connectedAt, ContinuousClock.now - connectedAt < .seconds(5) else { return }
        let now = ContinuousClock.now
        shortSessionEnds = shortSessionEnds.filter { now - $0 < .seconds(60) } + [now]
        guard shortSessionEnds.count >= 3, lastFlappingWarning.map({ now - $0 > .seconds(60) }) ?? true else {
            return
        }
        lastFlappingWarning = now
        logger.error(
            "the broker keeps closing the connection right after it opens: another client may be using the same client id (session taken over by a duplicate device identity) or the ACL refuses us",
            metadata: [
                "client_id": "\(configuration.mqtt.clientID ?? configuration.identity.clientID)",
                "short_sessions_last_minute": "\(shortSessionEnds.count)",
            ])
    }

    /// MQTT 5 reason code 0x8E: the broker closed our session because another client used our client id.
    static let sessionTakenOver: Int32 = 0x8E

    private func answer(_ name: String, _ message: MQTTMessage) async {
        let result = await router.handle(
            CommandRequest(
                name: name, payload: message.payload, responseTopic: message.responseTopic,
                correlationData: message.correlationData, retained: message.retain))
        if result.status != .accepted {
            logger.notice(
                "command \(result.status.rawValue)",
                metadata: [
                    "command": "\(name)", "id": "\(result.id ?? "-")", "reason": "\(result.reason ?? "-")",
                    "message": "\(result.message ?? "")",
                ])
        }
        publishResult(result, of: name, to: message)
    }

    private func publishResult(_ result: CommandResult, of name: String, to message: MQTTMessage) {
        let topic = message.responseTopic ?? topics.commandResult(name)
        _ = try? client.publish(
            MQTTMessage(
                topic: topic, payload: Self.encode(result), qos: .atLeastOnce, correlationData: message.correlationData,
                contentType: "application/json"))
    }

    /// `rejected`/`busy`, with the command's id when its payload has one.
    private func busyResult(_ name: String, _ message: MQTTMessage) async -> CommandResult {
        logger.warning("command refused: busy", metadata: ["command": "\(name)", "running": "\(commandsRunning)"])
        return await router.refuse(
            CommandRequest(name: name, payload: message.payload), reason: .busy,
            message: "\(commandsRunning) commands are running (commands.max_concurrent); try again later")
    }

    /// Commands answered `busy` since start, for `telemetry/health`.
    public var busyCommandCount: Int { commandsRefusedBusy }

    /// Incoming messages waiting for the session at most; a flood beyond is dropped in the transport and counted.
    static let maxQueuedMessages = 1_024

    /// Incoming messages dropped because too many waited for the session (a flood), for `telemetry/health`.
    public nonisolated var droppedMessageCount: Int { client.droppedMessageCount }

    // MARK: - Subscriptions

    /// What the broker made of the command and desired-configuration subscriptions, for `telemetry/health`.
    public var subscriptionHealth: JSONValue {
        subscriptions.health(prefix: topics.prefix, reason: MosquittoClient.reasonString)
    }

    /// Sends SUBSCRIBE for `filter` if connection number `connection` is still the current one; a failure to send
    /// is logged and retried.
    private func subscribe(_ filter: String, connection: Int) {
        guard connected, connection == connections else { return }
        do {
            subscriptions.sent(filter, messageID: try client.subscribe(filter, qos: .atLeastOnce))
        } catch {
            subscriptions.failed(filter, "\(error)")
            logger.error(
                "subscribe failed; retrying",
                metadata: ["filter": "\(filter)", "attempt": "\(subscriptions.attempts(filter))", "error": "\(error)"])
            retrySubscription(filter, connection: connection)
        }
    }

    private func subscriptionAcknowledged(_ mid: Int32, _ reasonCodes: [Int32]) {
        guard let (filter, state) = subscriptions.acknowledged(messageID: mid, reasonCodes: reasonCodes) else { return }
        switch state {
        case .refused(let code):
            // A broker ACL that denies the filter: nothing sent there will ever reach us until it is fixed.
            logger.error(
                "broker refused the subscription; the device does not hear these messages; retrying",
                metadata: [
                    "filter": "\(filter)", "reason_code": "\(code)", "reason": "\(MosquittoClient.reasonString(code))",
                    "attempt": "\(subscriptions.attempts(filter))",
                ])
            retrySubscription(filter, connection: connections)
        case .active where subscriptions.attempts(filter) > 1:
            logger.notice(
                "subscribed after retrying",
                metadata: ["filter": "\(filter)", "attempts": "\(subscriptions.attempts(filter))"])
        default:
            break
        }
    }

    /// Retries with the reconnect backoff (doubling from `reconnect_min_ms` up to `reconnect_max_ms`): an ACL fixed
    /// on the broker is picked up without a restart, and a refusing broker is not hammered.
    private func retrySubscription(_ filter: String, connection: Int) {
        let mqtt = configuration.mqtt
        let doublings = min(max(0, subscriptions.attempts(filter) - 1), 16)
        let delay = min(mqtt.reconnectMin * (1 << doublings), mqtt.reconnectMax)
        Task {
            try? await Task.sleep(for: delay)
            self.subscribe(filter, connection: connection)
        }
    }

    private func waitForAck(_ mid: Int32, timeout: Duration) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.ack(mid) }
            group.addTask { try? await Task.sleep(for: timeout) }
            await group.next()
            group.cancelAll()
            self.pendingAcks.removeValue(forKey: mid)?.resume()
        }
    }

    private func ack(_ mid: Int32) async {
        await withCheckedContinuation { continuation in
            pendingAcks[mid] = continuation
        }
    }

    private func now() -> String { RFC3339.format(Date()) }

    /// A document as published (sorted keys, unescaped slashes): the direct writer, which `JSONValueEncodingTests`
    /// holds byte for byte to `JSONEncoder`; "{}" where the encoder would fail (a NaN), as before.
    static func encode(_ value: JSONValue) -> [UInt8] {
        value.compactJSON ?? Array("{}".utf8)
    }

    static func encode(_ value: some Encodable) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? Array(encoder.encode(value))) ?? Array("{}".utf8)
    }
}
