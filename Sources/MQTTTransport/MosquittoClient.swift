import CMosquitto
import Dispatch
import FoundationEssentials
import Glibc
import Locking
import Synchronization

/// libmosquitto must be initialised once per process before the first client (`mosquitto_lib_init`).
private let libraryReady: Bool = {
    mosquitto_lib_init()
    return true
}()

/// One MQTT session on libmosquitto, bridged into Swift concurrency.
///
/// Threading: libmosquitto runs on one dedicated network thread owned by this client (`mosquitto_loop` in our own
/// loop, not `mosquitto_loop_start`: libmosquitto's built-in reconnect sends CONNECT without the properties of the
/// first connect, which would reset the MQTT 5 session expiry to 0, and it has no jitter). C callbacks run on that
/// thread; they copy what they need and `yield` it into `events`, nothing else. Publishing and subscribing from any
/// task is safe: the handle is marked threaded, so libmosquitto queues packets under its own mutexes and wakes
/// the network thread.
public final class MosquittoClient: Sendable {
    public let configuration: MQTTConfiguration
    /// Connection changes, messages and publish acknowledgements, in order. Single consumer.
    public let events: AsyncStream<MQTTEvent>

    private let sink: EventSink
    private let handle: Handle
    private let control: Lock<Control>
    /// The network thread from `start()` until it is joined. Held while a stopping caller joins, so a concurrent
    /// `disconnect()` also returns only once the thread has ended. Code on the network thread takes it only after
    /// `control` has told it that it is not that thread (`stopNetworkThread()`), so it never waits for a joiner.
    private let networkThread = Lock<NetworkThread?>(nil)

    private struct Control {
        var stopRequested = false
        /// The network thread, set by itself, while it runs its loop.
        var networkThreadID: pthread_t? = nil
        /// Tests only: run first on each network thread.
        var networkThreadStarted: (@Sendable () -> Void)? = nil
    }

    private struct NetworkThread {
        let id: pthread_t
        /// Signalled when the thread's loop has returned: only thread-exit work (thread-local destructors) is left.
        let loopEnded: DispatchSemaphore
    }

    /// What a network thread is started with.
    private final class ThreadStart: Sendable {
        let client: MosquittoClient
        let loopEnded: DispatchSemaphore

        init(client: MosquittoClient, loopEnded: DispatchSemaphore) {
            self.client = client
            self.loopEnded = loopEnded
        }
    }

    /// The raw `struct mosquitto *`. `@unchecked Sendable`: libmosquitto guards its state with internal mutexes once
    /// `mosquitto_threaded_set(true)` is called; the pointer is destroyed only in `deinit`, after the network thread
    /// has ended.
    private struct Handle: @unchecked Sendable {
        let pointer: OpaquePointer
    }

    /// Creates the client; nothing touches the network until `start()`.
    ///
    /// - Parameter maxQueuedMessages: incoming messages waiting for the consumer at most; more are dropped and
    ///   counted (`droppedMessageCount`). A consumer that sets it reports each message taken with
    ///   `messageHandled()`; nil (the default) queues without bound.
    public init(configuration: MQTTConfiguration, maxQueuedMessages: Int? = nil) throws(MQTTError) {
        precondition(libraryReady)
        self.configuration = configuration
        let (stream, continuation) = AsyncStream<MQTTEvent>.makeStream(bufferingPolicy: .unbounded)
        self.events = stream
        self.sink = EventSink(continuation: continuation, messageLimit: maxQueuedMessages)
        self.control = Lock(Control())
        let context = Unmanaged.passUnretained(sink).toOpaque()
        guard let pointer = mosquitto_new(configuration.clientID, configuration.cleanStart, context) else {
            throw MQTTError(
                .library, broker: configuration.brokerURL, operation: "create client",
                detail: String(cString: strerror(errno)))
        }
        self.handle = Handle(pointer: pointer)
        do {
            try configure()
        } catch {
            mosquitto_destroy(pointer)
            throw error
        }
    }

    deinit {
        stopNetworkThread()
        mosquitto_destroy(handle.pointer)
        sink.finish()
    }

    private var broker: String { configuration.brokerURL }

    private func check(_ rc: Int32, _ operation: String, topic: String? = nil) throws(MQTTError) {
        guard rc != MOSQ_ERR_SUCCESS.rawValue else { return }
        let code: MQTTError.Code =
            switch rc {
            case MOSQ_ERR_NO_CONN.rawValue: .notConnected
            case MOSQ_ERR_PAYLOAD_SIZE.rawValue, MOSQ_ERR_MALFORMED_UTF8.rawValue, MOSQ_ERR_QOS_NOT_SUPPORTED.rawValue:
                .invalidMessage
            case MOSQ_ERR_OVERSIZE_PACKET.rawValue: .packetTooLarge
            case MOSQ_ERR_INVAL.rawValue: topic == nil ? .invalidConfiguration : .invalidMessage
            default: .library
            }
        throw MQTTError(
            code, broker: broker, operation: operation, topic: topic, libraryCode: rc,
            detail: String(cString: mosquitto_strerror(rc)))
    }

    /// The Maximum Packet Size the broker announced in its last CONNACK (MQTT 5 property 0x27), nil if it announced
    /// none. `publish` refuses larger messages itself: a broker that receives one closes the connection.
    public var maximumPacketSize: Int? { sink.maximumPacketSize.withLock { $0 } }

    private func configure() throws(MQTTError) {
        let mosq = handle.pointer
        let version = configuration.protocolVersion == .v5 ? MQTT_PROTOCOL_V5 : MQTT_PROTOCOL_V311
        try check(mosquitto_int_option(mosq, MOSQ_OPT_PROTOCOL_VERSION, version), "set protocol version")
        try check(mosquitto_threaded_set(mosq, true), "set threaded")
        // Small packets (command results, events) must not wait for Nagle's algorithm and the peer's delayed ACK:
        // with it, a command round trip on loopback measured ~88 ms instead of well under 1 ms.
        try check(mosquitto_int_option(mosq, MOSQ_OPT_TCP_NODELAY, 1), "set TCP_NODELAY")
        if let username = configuration.username {
            try check(mosquitto_username_pw_set(mosq, username, configuration.password), "set credentials")
        }
        if configuration.usesTLS {
            let tls = configuration.tls
            // Without a CA file, trust the system store (`/etc/ssl/certs`).
            let caPath: String? = tls.caFile == nil ? "/etc/ssl/certs" : nil
            let rc = mosquitto_tls_set(mosq, tls.caFile, caPath, tls.certificateFile, tls.keyFile, nil)
            guard rc == MOSQ_ERR_SUCCESS.rawValue else {
                throw MQTTError(
                    .credentials, broker: broker, operation: "load TLS files", libraryCode: rc,
                    detail: "\(String(cString: mosquitto_strerror(rc))) (ca \(tls.caFile ?? caPath ?? "-"), "
                        + "cert \(tls.certificateFile ?? "-"), key \(tls.keyFile ?? "-"))")
            }
        }
        if let will = configuration.will {
            let rc = will.payload.withUnsafeBytes { bytes in
                mosquitto_will_set_v5(
                    mosq, will.topic, Int32(bytes.count), bytes.baseAddress, will.qos.rawValue, will.retain, nil)
            }
            try check(rc, "set last will", topic: will.topic)
        }
        mosquitto_connect_v5_callback_set(mosq) { _, context, rc, flags, properties in
            guard let context else { return }
            let sink = Unmanaged<EventSink>.fromOpaque(context).takeUnretainedValue()
            sink.attemptAnswered.store(true, ordering: .relaxed)
            if rc == 0 {
                // Stored before `.connected` is yielded, so whoever handles that event sees this connection's limit.
                var limit: UInt32 = 0
                let announced =
                    properties.flatMap {
                        mosquitto_property_read_int32($0, Int32(MQTT_PROP_MAXIMUM_PACKET_SIZE.rawValue), &limit, false)
                    } != nil
                sink.maximumPacketSize.withLock { $0 = announced ? Int(limit) : nil }
                sink.yield(.connected(sessionPresent: flags & 1 != 0))
            } else {
                sink.yield(.connectionRefused(reasonCode: rc, reason: String(cString: mosquitto_reason_string(rc))))
            }
        }
        mosquitto_disconnect_v5_callback_set(mosq) { _, context, rc, _ in
            guard let context else { return }
            let sink = Unmanaged<EventSink>.fromOpaque(context).takeUnretainedValue()
            // A DISCONNECT from the broker carries an MQTT 5 reason code (≥ 0x80, e.g. 0x8E session taken over);
            // anything else is libmosquitto's own error number.
            let reason =
                rc == 0
                ? "normal disconnection"
                : String(cString: rc >= 0x80 ? mosquitto_reason_string(rc) : mosquitto_strerror(rc))
            sink.attemptAnswered.store(true, ordering: .relaxed)
            // QoS 0 packets still queued are dropped with the connection: no callback will come for them.
            sink.quietPublishes.withLock { $0.removeAll() }
            sink.yield(.disconnected(reasonCode: rc, reason: reason, expected: rc == 0))
        }
        mosquitto_publish_v5_callback_set(mosq) { _, context, mid, _, _ in
            guard let context else { return }
            let sink = Unmanaged<EventSink>.fromOpaque(context).takeUnretainedValue()
            // libmosquitto calls this for QoS 0 too, once the packet is written; nobody waits for those, and
            // yielding one per telemetry message woke the session's event task for nothing on every poll.
            guard !sink.quietPublishes.withLock({ $0.remove(mid) != nil }) else { return }
            sink.yield(.published(messageID: mid))
        }
        mosquitto_subscribe_v5_callback_set(mosq) { _, context, mid, count, granted, _ in
            guard let context else { return }
            let codes = granted.map { Array(UnsafeBufferPointer(start: $0, count: Int(max(0, count)))) } ?? []
            Unmanaged<EventSink>.fromOpaque(context).takeUnretainedValue()
                .yield(.subscribed(messageID: mid, reasonCodes: codes))
        }
        mosquitto_message_v5_callback_set(mosq) { _, context, message, properties in
            guard let context, let message else { return }
            let sink = Unmanaged<EventSink>.fromOpaque(context).takeUnretainedValue()
            // A flood (or a consumer that stalls) must not grow memory without bound: past the limit the message
            // is dropped here, before it is copied, and counted.
            guard sink.admitMessage() else { return }
            sink.yield(.message(MosquittoClient.copy(message.pointee, properties: properties)))
        }
    }

    /// Copies a message out of libmosquitto's buffers (they are freed when the callback returns).
    private static func copy(_ raw: mosquitto_message, properties: OpaquePointer?) -> MQTTMessage {
        let topic = raw.topic.map { String(cString: $0) } ?? ""
        var payload: [UInt8] = []
        if let bytes = raw.payload, raw.payloadlen > 0 {
            payload = Array(UnsafeRawBufferPointer(start: bytes, count: Int(raw.payloadlen)))
        }
        var message = MQTTMessage(
            topic: topic, payload: payload, qos: MQTTQoS(rawValue: raw.qos) ?? .atMostOnce, retain: raw.retain)
        if let properties {
            var text: UnsafeMutablePointer<CChar>? = nil
            if mosquitto_property_read_string(properties, Int32(MQTT_PROP_RESPONSE_TOPIC.rawValue), &text, false)
                != nil, let text
            {
                message.responseTopic = String(cString: text)
                free(text)
            }
            var contentType: UnsafeMutablePointer<CChar>? = nil
            if mosquitto_property_read_string(properties, Int32(MQTT_PROP_CONTENT_TYPE.rawValue), &contentType, false)
                != nil, let contentType
            {
                message.contentType = String(cString: contentType)
                free(contentType)
            }
            var data: UnsafeMutableRawPointer? = nil
            var length: UInt16 = 0
            if mosquitto_property_read_binary(
                properties, Int32(MQTT_PROP_CORRELATION_DATA.rawValue), &data, &length, false) != nil
            {
                message.correlationData =
                    data.map { Array(UnsafeRawBufferPointer(start: $0, count: Int(length))) } ?? []
                free(data)
            }
        }
        return message
    }

    // MARK: - Network thread

    /// Starts the network thread: connect, then keep the session up, reconnecting with jittered exponential backoff.
    public func start() {
        networkThread.withLock { current in
            if let thread = current {
                // Running; or stopped by code on its own thread (`disconnect()` from a callback) and not joined yet.
                guard stopRequested else { return }
                Self.join(thread)
                current = nil
            }
            control.withLock { $0.stopRequested = false }
            // A plain pthread: Foundation's Thread needs the full Foundation. (Glibc's module hides
            // pthread_setname_np, so the thread keeps the process's name.) Joinable: `stopNetworkThread()` joins it.
            let loopEnded = DispatchSemaphore(value: 0)
            let context = Unmanaged.passRetained(ThreadStart(client: self, loopEnded: loopEnded)).toOpaque()
            var thread = pthread_t()
            let status = pthread_create(
                &thread, nil,
                { context in
                    guard let context else { return nil }
                    let start = Unmanaged<ThreadStart>.fromOpaque(context).takeRetainedValue()
                    start.client.runNetworkLoop()
                    start.loopEnded.signal()
                    return nil
                }, context)
            if status == 0 {
                current = NetworkThread(id: thread, loopEnded: loopEnded)
            } else {
                Unmanaged<ThreadStart>.fromOpaque(context).release()
                sink.yield(
                    .disconnected(
                        reasonCode: MOSQ_ERR_ERRNO.rawValue,
                        reason: "cannot start the network thread: \(String(cString: strerror(status)))",
                        expected: false))
            }
        }
    }

    /// Tests only: `body` runs first on every network thread started after this call.
    func onNetworkThreadStart(_ body: @escaping @Sendable () -> Void) {
        control.withLock { $0.networkThreadStarted = body }
    }

    private var stopRequested: Bool { control.withLock { $0.stopRequested } }

    private func runNetworkLoop() {
        let started = control.withLock { state in
            state.networkThreadID = pthread_self()
            return state.networkThreadStarted
        }
        defer {
            control.withLock { state in
                if let id = state.networkThreadID, pthread_equal(id, pthread_self()) != 0 {
                    state.networkThreadID = nil
                }
            }
        }
        started?()
        let mosq = handle.pointer
        var properties: OpaquePointer? = nil
        if configuration.protocolVersion == .v5 {
            let seconds = UInt32(clamping: configuration.sessionExpiry.components.seconds)
            mosquitto_property_add_int32(&properties, Int32(MQTT_PROP_SESSION_EXPIRY_INTERVAL.rawValue), seconds)
        }
        defer { mosquitto_property_free_all(&properties) }
        let keepAlive = Int32(clamping: max(5, configuration.keepAlive.components.seconds))
        var delay = jittered(configuration.reconnectDelayMin)
        var connected = false
        while !stopRequested {
            if !connected {
                sink.attemptAnswered.store(false, ordering: .relaxed)
                let rc = mosquitto_connect_bind_v5(
                    mosq, configuration.host, Int32(configuration.port), keepAlive, nil,
                    properties)
                if rc == MOSQ_ERR_SUCCESS.rawValue {
                    connected = true
                    delay = jittered(configuration.reconnectDelayMin)
                } else {
                    sink.yield(
                        .disconnected(
                            reasonCode: rc, reason: String(cString: mosquitto_strerror(rc)), expected: false))
                    pause(delay)
                    delay = min(delay * 2, configuration.reconnectDelayMax)
                    continue
                }
            }
            let rc = mosquitto_loop(mosq, 100, 1)
            if rc != MOSQ_ERR_SUCCESS.rawValue {
                connected = false
                // A connection lost before CONNACK (a TLS handshake refused after the TCP connect, say) gets no
                // callback from libmosquitto: report it here, or a client that is never connected hears nothing.
                if !sink.attemptAnswered.exchange(true, ordering: .relaxed) {
                    sink.yield(
                        .disconnected(
                            reasonCode: rc, reason: String(cString: mosquitto_strerror(rc)), expected: false))
                }
                if stopRequested { break }
                pause(delay)
                delay = min(delay * 2, configuration.reconnectDelayMax)
            }
        }
        // Let a queued DISCONNECT go out before the thread ends.
        for _ in 0..<20 where mosquitto_loop(mosq, 50, 1) == MOSQ_ERR_SUCCESS.rawValue {}
    }

    /// A first delay drawn from [d, 2d) so that a fleet does not reconnect in lock-step.
    private func jittered(_ base: Duration) -> Duration {
        base + base * Double.random(in: 0..<1)
    }

    /// Sleeps up to `duration`, waking early when a stop is requested.
    private func pause(_ duration: Duration) {
        let deadline = ContinuousClock.now + duration
        while !stopRequested, ContinuousClock.now < deadline {
            usleep(20_000)
        }
    }

    /// Stops the network thread and joins it, so that nothing of it outlives the call: no callback, and none of its
    /// thread-local state. OpenSSL frees its per-thread state (random generators, ~8.7 KB with TLS) in a thread-exit
    /// destructor: while the thread was detached and only its loop awaited, `curbctl` could exit with that still
    /// allocated and LeakSanitizer reported it.
    ///
    /// Called by code on the network thread itself (a callback, say), it only asks the thread to stop: the thread
    /// cannot wait for itself. It ends once that code returns, and the next stop (`disconnect()`, `start()`, `deinit`)
    /// joins it.
    private func stopNetworkThread() {
        let calledOnNetworkThread = control.withLock { state in
            state.stopRequested = true
            return state.networkThreadID.map { pthread_equal($0, pthread_self()) != 0 } ?? false
        }
        guard !calledOnNetworkThread else { return }
        networkThread.withLock { current in
            guard let thread = current else { return }
            current = nil
            Self.join(thread)
        }
    }

    /// Joins a thread asked to stop. The wait is bounded: a thread still in its loop after 5 s (blocked in a TCP
    /// connect or a name lookup, which the stop flag cannot interrupt) is detached instead and ends on its own; it
    /// holds its own reference to the client. On the thread itself (`deinit` runs there when the thread held the last
    /// reference) it detaches: only its exit is left.
    private static func join(_ thread: NetworkThread) {
        if pthread_equal(thread.id, pthread_self()) != 0 {
            pthread_detach(thread.id)
        } else if thread.loopEnded.wait(timeout: .now() + 5) == .success {
            pthread_join(thread.id, nil)
        } else {
            pthread_detach(thread.id)
        }
    }

    // MARK: - Operations

    /// Publishes a message. For QoS ≥ 1 the returned id comes back in `.published` when the broker has it.
    /// While disconnected, QoS ≥ 1 messages wait in libmosquitto's queue and go out after the reconnect.
    @discardableResult
    public func publish(_ message: MQTTMessage) throws(MQTTError) -> Int32 {
        let size = message.packetSize(protocolVersion: configuration.protocolVersion)
        if let limit = maximumPacketSize, size > limit {
            throw MQTTError(
                .packetTooLarge, broker: broker, operation: "publish", topic: message.topic,
                detail: "a \(size)-byte packet is over the broker's maximum packet size of \(limit) bytes")
        }
        var mid: Int32 = 0
        var properties: OpaquePointer? = nil
        defer { mosquitto_property_free_all(&properties) }
        if configuration.protocolVersion == .v5 {
            if let responseTopic = message.responseTopic {
                mosquitto_property_add_string(&properties, Int32(MQTT_PROP_RESPONSE_TOPIC.rawValue), responseTopic)
            }
            if let correlation = message.correlationData {
                correlation.withUnsafeBytes { bytes in
                    _ = mosquitto_property_add_binary(
                        &properties, Int32(MQTT_PROP_CORRELATION_DATA.rawValue), bytes.baseAddress,
                        UInt16(clamping: bytes.count))
                }
            }
            if let contentType = message.contentType {
                mosquitto_property_add_string(&properties, Int32(MQTT_PROP_CONTENT_TYPE.rawValue), contentType)
            }
            if let expiry = message.messageExpirySeconds {
                mosquitto_property_add_int32(&properties, Int32(MQTT_PROP_MESSAGE_EXPIRY_INTERVAL.rawValue), expiry)
            }
        }
        // Under the lock the callback takes, so it cannot look up `mid` before it is recorded (the network thread may
        // write a QoS 0 packet, or get a PUBACK, before `mosquitto_publish_v5` returns). A QoS ≥ 1 publish clears a
        // stale QoS 0 entry of the same id (one whose packet was dropped with a connection), so its PUBACK is seen.
        let rc = sink.quietPublishes.withLock { quiet in
            let rc = message.payload.withUnsafeBytes { bytes in
                mosquitto_publish_v5(
                    handle.pointer, &mid, message.topic, Int32(bytes.count), bytes.baseAddress, message.qos.rawValue,
                    message.retain, properties)
            }
            if rc == MOSQ_ERR_SUCCESS.rawValue {
                if message.qos == .atMostOnce { quiet.insert(mid) } else { quiet.remove(mid) }
            }
            return rc
        }
        try check(rc, "publish", topic: message.topic)
        return mid
    }

    /// Subscribes to a topic filter. Re-subscribe after every `.connected(sessionPresent: false)`.
    ///
    /// Sending is not the end of it: the broker answers with `.subscribed` carrying the returned id, and its reason
    /// code may refuse the subscription (an ACL: 0x87 in MQTT 5, 0x80 in 3.1.1). The corresponding C function is
    /// `mosquitto_subscribe_v5`.
    @discardableResult
    public func subscribe(_ filter: String, qos: MQTTQoS = .atLeastOnce) throws(MQTTError) -> Int32 {
        var mid: Int32 = 0
        try check(
            mosquitto_subscribe_v5(handle.pointer, &mid, filter, qos.rawValue, 0, nil), "subscribe", topic: filter)
        return mid
    }

    /// The text of an MQTT reason code (`mosquitto_reason_string`), e.g. `Not authorized` for 0x87.
    public static func reasonString(_ code: Int32) -> String {
        String(cString: mosquitto_reason_string(code))
    }

    /// Ends `events` for its consumer (after `disconnect()`, when nothing more will come).
    public func finishEvents() {
        sink.finish()
    }

    /// The consumer took one `.message` event off `events`: its place in the bounded queue is free again.
    public func messageHandled() {
        guard sink.messageLimit != nil else { return }
        sink.queuedMessages.subtract(1, ordering: .relaxed)
    }

    /// Messages dropped because `maxQueuedMessages` were waiting for the consumer.
    public var droppedMessageCount: Int { sink.droppedMessages.load(ordering: .relaxed) }

    /// Sends DISCONNECT (normal, so the broker does not publish the will) and stops the network thread. Returns once
    /// the thread has ended (see `stopNetworkThread()` for the bound): no callback, and so no event, comes after it.
    public func disconnect() {
        _ = mosquitto_disconnect_v5(handle.pointer, 0, nil)
        stopNetworkThread()
    }
}

/// Receives C callbacks on the network thread and forwards copies into the event stream.
private final class EventSink: Sendable {
    let continuation: AsyncStream<MQTTEvent>.Continuation
    let maximumPacketSize = Lock<Int?>(nil)
    /// QoS 0 publishes whose write callback is not forwarded (`.published` is for QoS ≥ 1 only), by message id.
    let quietPublishes = Lock<Set<Int32>>([])
    /// Messages yielded and not yet taken by the consumer (`messageHandled()`), and the bound on them.
    /// Whether libmosquitto has called back (CONNACK or disconnect) since the last connect attempt.
    let attemptAnswered = Atomic<Bool>(false)
    let queuedMessages = Atomic<Int>(0)
    let droppedMessages = Atomic<Int>(0)
    let messageLimit: Int?

    init(continuation: AsyncStream<MQTTEvent>.Continuation, messageLimit: Int?) {
        self.continuation = continuation
        self.messageLimit = messageLimit
    }

    func yield(_ event: MQTTEvent) { continuation.yield(event) }
    func finish() { continuation.finish() }

    /// Reserves a place for one more message, or counts it dropped when the queue is full.
    func admitMessage() -> Bool {
        guard let messageLimit else { return true }
        if queuedMessages.add(1, ordering: .relaxed).newValue > messageLimit {
            queuedMessages.subtract(1, ordering: .relaxed)
            droppedMessages.add(1, ordering: .relaxed)
            return false
        }
        return true
    }
}
