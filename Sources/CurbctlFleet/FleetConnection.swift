import AgentRuntime
import FoundationEssentials
import Locking
public import MQTTTransport

/// One operator connection to the broker over the project's `MosquittoClient` (MQTT 5): connect, subscribe and
/// publish waiting for the broker's acknowledgement, a marker round trip that proves every retained message for the
/// earlier subscriptions has arrived, and the messages in arrival order with a deadline.
///
/// A clean session under a fresh client id: `curbctl` keeps nothing on the broker. After a lost connection the
/// client reconnects by itself and the subscriptions are made again.
public final class FleetConnection: Sendable {
    private struct State {
        var connected = false
        var everConnected = false
        var lastProblem: String?
        var filters: [String] = []
        var subscribeAcks: [Int32: [Int32]] = [:]
        var publishAcks: Set<Int32> = []
        var markers: Set<String> = []
        var inbox: [MQTTMessage] = []
        var waiter: (id: Int, continuation: CheckedContinuation<MQTTMessage?, Never>)?
        var nextWaiter = 0
        var finished = false
    }

    /// The broker as it may be printed (no credentials).
    public let broker: String
    /// The client id, also the marker topic's last segment.
    public let clientID: String
    /// Whether the session speaks MQTT 5 (response topics, correlation data).
    public let usesMQTT5: Bool
    private let client: MosquittoClient
    private let state = Lock(State())
    private let pump = Lock<Task<Void, Never>?>(nil)
    /// Called from the event pump when the connection is lost or comes back (for `watch`'s status line).
    private let onConnectionChange: @Sendable (Bool, String) -> Void

    private var markerPrefix: String { "ops/curbctl/\(clientID)/sync" }

    private init(
        client: MosquittoClient, broker: String, clientID: String,
        onConnectionChange: @escaping @Sendable (Bool, String) -> Void
    ) {
        self.client = client
        self.broker = broker
        self.clientID = clientID
        self.usesMQTT5 = client.configuration.protocolVersion == .v5
        self.onConnectionChange = onConnectionChange
    }

    /// Connects, waiting up to `timeout` for the broker's CONNACK.
    public static func connect(
        _ settings: BrokerSettings, timeout: Duration = .seconds(5),
        onConnectionChange: @escaping @Sendable (Bool, String) -> Void = { _, _ in }
    ) async throws(FleetError) -> FleetConnection {
        ProcessSignals.ignoreSIGPIPE()
        let clientID = "curbctl-\(UInt32.random(in: 0...UInt32.max))"
        let configuration = try settings.clientConfiguration(clientID: clientID)
        let client: MosquittoClient
        do {
            client = try MosquittoClient(configuration: configuration)
        } catch {
            throw FleetError(.unavailable, broker: settings.redactedURL, detail: "\(error)")
        }
        let connection = FleetConnection(
            client: client, broker: settings.redactedURL, clientID: clientID, onConnectionChange: onConnectionChange)
        connection.startPump()
        client.start()
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let (connected, problem) = connection.state.withLock { ($0.connected, $0.lastProblem) }
            if connected { return connection }
            if let problem, problem.hasPrefix("refused") {
                connection.close()
                throw FleetError(.unavailable, broker: connection.broker, detail: problem)
            }
            try? await Task.sleep(for: .milliseconds(5))
        }
        let problem = connection.state.withLock { $0.lastProblem } ?? "no answer"
        connection.close()
        throw FleetError(.unavailable, broker: connection.broker, detail: "not connected within \(timeout): \(problem)")
    }

    private func startPump() {
        let events = client.events
        pump.withLock {
            $0 = Task { [self] in
                for await event in events { handle(event) }
                finish()
            }
        }
    }

    private func handle(_ event: MQTTEvent) {
        switch event {
        case .connected:
            let (filters, again) = state.withLock { state in
                let again = state.everConnected
                state.connected = true
                state.everConnected = true
                return (state.filters, again)
            }
            // A clean session forgets subscriptions: make them again after a reconnect.
            for filter in filters { _ = try? client.subscribe(filter) }
            if again { onConnectionChange(true, "connected again") }
        case .connectionRefused(let code, let reason):
            state.withLock { $0.lastProblem = "refused the connection: \(reason) (reason code \(code))" }
        case .disconnected(_, let reason, let expected):
            let was = state.withLock { state in
                let was = state.connected
                state.connected = false
                if !expected { state.lastProblem = reason }
                return was
            }
            if was, !expected { onConnectionChange(false, "connection lost (\(reason)); reconnecting") }
        case .subscribed(let mid, let codes):
            state.withLock { $0.subscribeAcks[mid] = codes }
        case .published(let mid):
            state.withLock { _ = $0.publishAcks.insert(mid) }
        case .message(let message):
            if message.topic.hasPrefix(markerPrefix) {
                state.withLock { _ = $0.markers.insert(message.topic) }
                return
            }
            let waiter = state.withLock { state -> CheckedContinuation<MQTTMessage?, Never>? in
                if let waiter = state.waiter {
                    state.waiter = nil
                    return waiter.continuation
                }
                state.inbox.append(message)
                return nil
            }
            waiter?.resume(returning: message)
        }
    }

    private func finish() {
        let waiter = state.withLock { state in
            state.finished = true
            defer { state.waiter = nil }
            return state.waiter?.continuation
        }
        waiter?.resume(returning: nil)
    }

    /// Subscribes to `filters` (QoS 1) and waits for the SUBACK; a refused filter (an ACL) is an error naming it.
    public func subscribe(_ filters: [String], timeout: Duration = .seconds(5)) async throws(FleetError) {
        var pending: [(String, Int32)] = []
        for filter in filters {
            do {
                pending.append((filter, try client.subscribe(filter)))
            } catch {
                throw FleetError(.unavailable, broker: broker, detail: "\(error)")
            }
            state.withLock { $0.filters.append(filter) }
        }
        for (filter, mid) in pending {
            let codes = try await waitFor("SUBACK for \(filter)", timeout: timeout) {
                $0.subscribeAcks.removeValue(forKey: mid)
            }
            if let refused = codes.first(where: { $0 >= 0x80 }) {
                throw FleetError(
                    .unavailable, broker: broker,
                    detail:
                        "subscription to \(filter) refused: \(MosquittoClient.reasonString(refused)) (0x\(String(refused, radix: 16)))"
                )
            }
        }
    }

    /// Publishes `message`; for QoS ≥ 1 waits until the broker has it.
    public func publish(_ message: MQTTMessage, timeout: Duration = .seconds(5)) async throws(FleetError) {
        let mid: Int32
        do {
            mid = try client.publish(message)
        } catch {
            throw FleetError(.unavailable, broker: broker, detail: "\(error)")
        }
        guard message.qos != .atMostOnce else { return }
        _ = try await waitFor("PUBACK for \(message.topic)", timeout: timeout) {
            $0.publishAcks.remove(mid)
        }
    }

    /// Returns once every retained message for the subscriptions made so far has arrived: the broker sends those
    /// before anything published after the SUBACK, so our own marker coming back through a subscription closes them.
    public func sync(timeout: Duration = .seconds(5)) async throws(FleetError) {
        let marker = "\(markerPrefix)/\(UInt32.random(in: 0...UInt32.max))"
        try await subscribe([marker], timeout: timeout)
        try await publish(MQTTMessage(topic: marker, string: "sync"), timeout: timeout)
        _ = try await waitFor("the marker on \(marker)", timeout: timeout) {
            $0.markers.remove(marker)
        }
    }

    /// The next message, or nil when none arrived before `deadline` (never when nil: wait for ever).
    public func next(before deadline: ContinuousClock.Instant?) async -> MQTTMessage? {
        if let message = state.withLock({ $0.inbox.isEmpty ? nil : $0.inbox.removeFirst() }) { return message }
        return await withCheckedContinuation { (continuation: CheckedContinuation<MQTTMessage?, Never>) in
            let id: Int? = state.withLock { state in
                if !state.inbox.isEmpty {
                    continuation.resume(returning: state.inbox.removeFirst())
                    return nil
                }
                if state.finished {
                    continuation.resume(returning: nil)
                    return nil
                }
                state.nextWaiter += 1
                state.waiter = (state.nextWaiter, continuation)
                return state.nextWaiter
            }
            guard let id, let deadline else { return }
            Task {
                try? await Task.sleep(until: deadline)
                let expired = state.withLock { state -> CheckedContinuation<MQTTMessage?, Never>? in
                    guard let waiter = state.waiter, waiter.id == id else { return nil }
                    state.waiter = nil
                    return waiter.continuation
                }
                expired?.resume(returning: nil)
            }
        }
    }

    /// Disconnects (normally) and ends the network thread.
    public func close() {
        client.disconnect()
        client.finishEvents()
    }

    private func waitFor<Value>(
        _ what: String, timeout: Duration, _ take: (inout State) -> Value?
    ) async throws(FleetError) -> Value {
        let deadline = ContinuousClock.now + timeout
        while true {
            if let value = state.withLock({ take(&$0) }) { return value }
            guard ContinuousClock.now < deadline else {
                throw FleetError(.unavailable, broker: broker, detail: "no \(what) within \(timeout)")
            }
            try? await Task.sleep(for: .milliseconds(2))
        }
    }
}
