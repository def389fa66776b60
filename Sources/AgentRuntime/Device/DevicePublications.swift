import Synchronization

/// What a device controller has to publish — events, retained state, telemetry — queued in order on its control path
/// (which never waits for a broker or a disk) and sent to the sink by the daemon's publishing loop.
public final class DevicePublications: Sendable {
    public enum Publication: Sendable {
        case event(String, [String: JSONValue])
        case state([String: JSONValue])
        case telemetry(String, [String: JSONValue])
    }

    private struct Queue {
        var pending: [Publication] = []
        /// The state document last queued: an unchanged one is not queued again.
        var lastState: [String: JSONValue]?
    }

    private let queued = Mutex(Queue())
    private let wake: AsyncStream<Void>.Continuation
    /// One element whenever something waits to be published (buffered to one: a wake-up publishes everything); the
    /// daemon's publishing loop calls `publish(to:)` on each.
    public let ready: AsyncStream<Void>

    public init() {
        (ready, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Queues an event or telemetry (a state document goes through `state(_:)`).
    public func queue(_ publication: Publication) {
        queued.withLock { $0.pending.append(publication) }
        wake.yield()
    }

    /// Queues the retained state document unless it equals the last one queued.
    public func state(_ values: [String: JSONValue]) {
        let changed = queued.withLock { queue in
            guard queue.lastState != values else { return false }
            queue.lastState = values
            queue.pending.append(.state(values))
            return true
        }
        if changed { wake.yield() }
    }

    /// Sends everything queued to `sink`, in order.
    public func publish(to sink: any DeviceSink) async {
        while let next = queued.withLock({ $0.pending.isEmpty ? nil : $0.pending.removeFirst() }) {
            switch next {
            case .event(let name, let values): await sink.event(name, values)
            case .state(let values): await sink.state(values)
            case .telemetry(let stream, let values): await sink.telemetry(stream, values)
            }
        }
    }
}
