import Locking

/// What a device controller has to publish — events, its retained state, telemetry — queued in order by the
/// controller and sent by the daemon's publishing loop (`wakeUps` → `send(to:)`), so no broker, disk or outbox sits
/// between an input and the outputs the controller writes for it.
public final class PublicationQueue: Sendable {
    public enum Publication: Sendable {
        case event(String, [String: JSONValue])
        case state([String: JSONValue])
        case telemetry(String, [String: JSONValue])
    }

    private struct Contents {
        var pending: [Publication] = []
        /// The state document last queued: an unchanged one is not queued again.
        var lastState: [String: JSONValue]?
    }

    private let contents = Lock(Contents())
    private let wake: AsyncStream<Void>.Continuation
    /// One element whenever something waits to be sent; buffered to one, since a wake-up sends everything pending.
    public let wakeUps: AsyncStream<Void>

    public init() {
        (wakeUps, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Queues the retained state document when it differs from the last one queued.
    public func state(_ values: [String: JSONValue]) {
        let changed = contents.withLock { contents in
            guard contents.lastState != values else { return false }
            contents.lastState = values
            contents.pending.append(.state(values))
            return true
        }
        if changed { wake.yield() }
    }

    /// Queues an event or telemetry (a state document goes through `state(_:)`, which drops an unchanged one).
    public func append(_ publication: Publication) {
        if case .state(let values) = publication { return state(values) }
        contents.withLock { $0.pending.append(publication) }
        wake.yield()
    }

    /// Sends everything queued to `sink`, in order.
    public func send(to sink: any DeviceSink) async {
        while let next = contents.withLock({ $0.pending.isEmpty ? nil : $0.pending.removeFirst() }) {
            switch next {
            case .event(let name, let values): await sink.event(name, values)
            case .state(let values): await sink.state(values)
            case .telemetry(let stream, let values): await sink.telemetry(stream, values)
            }
        }
    }
}

/// When a controller's control loop last stepped, for a watchdog that runs outside the controller's actor (the actor
/// may be what is stuck). Armed by the loop's first step after a start, so a daemon still starting is not stalled.
public final class LoopProgress: Sendable {
    private struct Progress {
        var armed = false
        var lastStep: Duration = .zero
        var stalled = false
    }

    private let progress = Lock(Progress())
    /// How long the loop may go without a step.
    public let stallLimit: Duration

    public init(stallLimit: Duration) { self.stallLimit = stallLimit }

    /// A step of the loop at `now`. - Returns: whether the watchdog had found it stalled since the last step (and so
    /// wrote the safe levels behind the controller's back).
    public func step(at now: Duration) -> Bool {
        progress.withLock { progress in
            defer { progress = Progress(armed: true, lastStep: now, stalled: false) }
            return progress.stalled
        }
    }

    /// Not watched until the next step (safe state, a new start).
    public func disarm() { progress.withLock { $0 = Progress() } }

    /// The watchdog's check at `now`. - Returns: whether it finds the loop stalled now (once per stall).
    public func checkStalled(at now: Duration) -> Bool {
        progress.withLock { progress in
            guard progress.armed, !progress.stalled, now - progress.lastStep > stallLimit else { return false }
            progress.stalled = true
            return true
        }
    }
}
