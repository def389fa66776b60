import Locking

/// Where one input line's edges go: to every live `events()` sequence, or, while there is none, into a small queue
/// that the next `events()` call receives first — as the kernel keeps a line's edge events from the request until the
/// process reads them. Backends create one per line requested with edges, at the request, and feed it from where the
/// edges arrive (the Linux event thread, the simulator's rig call, the rig connection).
///
/// The queue keeps the first `pendingLimit` edges and drops newer ones, counting them, as the v1 uAPI's per-line
/// kernel FIFO does (`lineevent_irq_thread`: "event FIFO is full - event dropped").
public final class GPIOEdgeFanout<Subscriber: GPIOEdgeSubscriber>: Sendable {
    /// Edges kept while no sequence is live: the v1 uAPI's kernel FIFO holds 16 events per line.
    public static var pendingLimit: Int { 16 }

    private struct State: Sendable {
        var subscribers: [UInt64: Subscriber] = [:]
        var lastKey: UInt64 = 0
        var pending: [GPIOEdgeEvent] = []
        var dropped = 0
        var ended = false
        /// The line's level after the last edge fed (dropped ones too), or at the request.
        var level: GPIOValue?
    }

    private let state: Lock<State>

    /// - Parameter level: the line's logical level at the request, if the backend read it; a subscriber that finds
    ///   nothing queued starts from the level the edges fed so far leave, so an edge still on its way from the
    ///   kernel when it subscribes is judged against the level before it, not the level after.
    public init(level: GPIOValue? = nil) {
        state = Lock(State(level: level))
    }

    /// Edges dropped so far because the queue was full.
    public var droppedEdges: Int { state.withLock { $0.dropped } }

    /// Delivers edges, in order, to every live subscriber, or queues them while there is none.
    public func feed(_ edges: some Sequence<GPIOEdgeEvent>) {
        state.withLock { state in
            guard !state.ended else { return }
            for edge in edges { state.level = edge.kind.value }
            guard state.subscribers.isEmpty else {
                for subscriber in state.subscribers.values { subscriber.feed(edges) }
                return
            }
            for edge in edges {
                if state.pending.count < Self.pendingLimit {
                    state.pending.append(edge)
                } else {
                    state.dropped += 1
                }
            }
        }
    }

    /// Adds a subscriber made by `make` from its key (for `remove(_:)`) and the line's level before the edges it
    /// will get first (`nil` if unknown): the edges queued while there was none, oldest first, fed to it before any
    /// newer one; the queue is emptied. Returns `nil` once the fanout has ended (the line was released or its backend
    /// failed). `make` runs under the fanout's lock, so no edge falls between what it sees and the subscription.
    public func subscribe<Failure: Error>(
        _ make: (_ key: UInt64, _ levelBefore: GPIOValue?) throws(Failure) -> Subscriber
    ) throws(Failure) -> Subscriber? {
        try state.withLock { state throws(Failure) -> Subscriber? in
            guard !state.ended else { return nil }
            state.lastKey += 1
            let levelBefore = state.pending.first.map { $0.kind.value.toggled } ?? state.level
            let subscriber = try make(state.lastKey, levelBefore)
            subscriber.feed(state.pending)
            state.pending = []
            state.subscribers[state.lastKey] = subscriber
            return subscriber
        }
    }

    /// Drops a subscriber whose consumer went away; edges queue again once none is left.
    public func remove(_ key: UInt64) {
        state.withLock { _ = $0.subscribers.removeValue(forKey: key) }
    }

    /// Ends every live subscriber's sequence, normally (`error == nil`) or with the backend's error. With `ending`,
    /// the fanout takes no more edges or subscribers (the line is gone); without, later calls subscribe afresh.
    public func finish(throwing error: (any Error)? = nil, ending: Bool = true) {
        let subscribers = state.withLock { state in
            defer {
                state.subscribers = [:]
                if ending {
                    state.ended = true
                    state.pending = []
                }
            }
            return Array(state.subscribers.values)
        }
        for subscriber in subscribers { subscriber.finish(throwing: error) }
    }
}

/// One `events()` sequence as `GPIOEdgeFanout` sees it.
public protocol GPIOEdgeSubscriber: Sendable {
    /// Takes edges, in order; must not block.
    func feed(_ edges: some Sequence<GPIOEdgeEvent>)
    /// Ends the sequence, normally or with an error.
    func finish(throwing error: (any Error)?)
}

extension GPIODebouncedEvents.Sink: GPIOEdgeSubscriber {}

extension GPIODebouncedEvents.Sink {
    /// A subscriber for `GPIOEdgeFanout.subscribe`: debounced from the level the line had before the edges it gets
    /// first, or from `level()` (the level now) when the fanout does not know it.
    public static func subscribing<Failure: Error>(
        _ fanout: GPIOEdgeFanout<GPIODebouncedEvents.Sink>, _ configuration: GPIOInputConfiguration,
        now: @escaping @Sendable () -> UInt64, level: () throws(Failure) -> GPIOValue
    ) throws(Failure) -> GPIODebouncedEvents.Sink? {
        try fanout.subscribe { key, levelBefore throws(Failure) in
            let initial: GPIOValue
            if let levelBefore {
                initial = levelBefore
            } else {
                initial = try level()
            }
            return GPIODebouncedEvents.Sink(
                window: configuration.debounce, initialValue: initial, edges: configuration.edges, now: now,
                onCancel: { [weak fanout] in fanout?.remove(key) })
        }
    }
}
