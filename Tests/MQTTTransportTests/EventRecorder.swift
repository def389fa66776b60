import CurbsideTestKit
import Foundation
import MQTTTransport

/// Drains a client's single-consumer event stream so tests can wait for the event they expect.
actor EventRecorder {
    private var seen: [MQTTEvent] = []
    private var consumed = 0
    private var task: Task<Void, Never>?

    init(_ client: MosquittoClient) {
        let stream = client.events
        task = nil
        Task { await self.attach(stream) }
    }

    private func attach(_ stream: AsyncStream<MQTTEvent>) {
        task = Task {
            for await event in stream { self.record(event) }
        }
    }

    private func record(_ event: MQTTEvent) { seen.append(event) }

    /// The message ids of every `.published` event recorded so far.
    var publishedIDs: [Int32] {
        seen.compactMap {
            if case .published(let mid) = $0 { return mid }
            return nil
        }
    }

    /// Messages recorded so far on `topic`.
    func messageCount(on topic: String) -> Int {
        seen.filter {
            if case .message(let message) = $0 { return message.topic == topic }
            return false
        }.count
    }

    /// Waits for the next event (after those already returned) that `matches`, failing after `timeout`.
    func next(
        within timeout: Duration = .seconds(30), _ what: String, where matches: @Sendable (MQTTEvent) -> Bool
    ) async throws -> MQTTEvent {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            while consumed < seen.count {
                let event = seen[consumed]
                consumed += 1
                if matches(event) { return event }
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw TestKitError("no \(what) within \(timeout); events seen: \(seen)")
    }

    func connected(within timeout: Duration = .seconds(30)) async throws -> Bool {
        let event = try await next(within: timeout, "CONNACK") {
            if case .connected = $0 { return true }
            if case .connectionRefused = $0 { return true }
            return false
        }
        guard case .connected(let sessionPresent) = event else {
            throw TestKitError("connection refused: \(event)")
        }
        return sessionPresent
    }

    func message(on topic: String, within timeout: Duration = .seconds(30)) async throws -> MQTTMessage {
        let event = try await next(within: timeout, "message on \(topic)") {
            if case .message(let message) = $0 { return message.topic == topic }
            return false
        }
        guard case .message(let message) = event else { preconditionFailure() }
        return message
    }
}
