import Locking

/// Applies a `GPIODebouncer` to raw edges in real time; both backends use it for `events()`.
///
/// Edges are judged by their own timestamps: before each new edge is recorded, the debouncer is ticked at that
/// edge's time, so a level that had been stable for the window is reported, and one that had not is dropped, however
/// late the edges are delivered. Only the final level of a burst waits for a timer on the real clock. Backends feed a
/// `Sink` directly from where the edges arrive (the Linux event thread, the simulator's rig call) so that no queue
/// sits between the kernel's timestamp and the debouncer.
public enum GPIODebouncedEvents {
    /// Debounced, edge-filtered events from a stream of raw edges.
    ///
    /// - Parameters:
    ///   - raw: every logical edge the line produced (both kinds), in order, with monotonic timestamps.
    ///   - window: the debounce window; `.zero` passes every level change through.
    ///   - initialValue: the line's logical level when the subscription starts.
    ///   - edges: which debounced transitions to report.
    ///   - now: the current time in the same domain as the raw timestamps (`CLOCK_MONOTONIC` on Linux).
    /// - Returns: a stream that finishes when `raw` finishes (or fails with its error); cancelling the consumer
    ///   cancels the consumption of `raw`.
    public static func debounce(
        _ raw: AsyncThrowingStream<GPIOEdgeEvent, any Error>,
        window: Duration,
        initialValue: GPIOValue,
        edges: GPIOEdgeDetection,
        now: @escaping @Sendable () -> UInt64
    ) -> AsyncThrowingStream<GPIOEdgeEvent, any Error> {
        let consumer = ConsumerTask()
        let sink = Sink(window: window, initialValue: initialValue, edges: edges, now: now) { consumer.cancel() }
        consumer.start {
            do {
                for try await edge in raw { sink.feed(CollectionOfOne(edge)) }
                sink.finish()
            } catch {
                sink.finish(throwing: error)
            }
        }
        return sink.events
    }

    /// The task draining the raw stream; cancelling before it starts cancels it at start.
    private final class ConsumerTask: Sendable {
        private let state = Lock<(task: Task<Void, Never>?, cancelled: Bool)>((nil, false))

        func start(_ body: @escaping @Sendable () async -> Void) {
            let task = Task { await body() }
            let cancelled = state.withLock { state in
                state.task = task
                return state.cancelled
            }
            if cancelled { task.cancel() }
        }

        func cancel() {
            let task = state.withLock { state in
                state.cancelled = true
                return state.task
            }
            task?.cancel()
        }
    }

    /// The push side of a debounced event stream: feed it raw edges as they arrive, read `events`.
    public final class Sink: Sendable {
        /// The debounced events, for one consumer.
        public let events: AsyncThrowingStream<GPIOEdgeEvent, any Error>

        private struct Locked {
            var debouncer: GPIODebouncer
            var timer: Task<Void, Never>?
            var finished = false
        }

        private let locked: Lock<Locked>
        private let output: AsyncThrowingStream<GPIOEdgeEvent, any Error>.Continuation
        private let now: @Sendable () -> UInt64

        /// - Parameters:
        ///   - window: the debounce window; `.zero` passes every level change through.
        ///   - initialValue: the line's logical level when the subscription starts.
        ///   - edges: which debounced transitions to report.
        ///   - now: the current time in the raw timestamps' domain.
        ///   - onCancel: called once if the consumer stops listening, so the producer can drop this sink.
        public init(
            window: Duration, initialValue: GPIOValue, edges: GPIOEdgeDetection,
            now: @escaping @Sendable () -> UInt64, onCancel: @escaping @Sendable () -> Void = {}
        ) {
            let (events, output) = AsyncThrowingStream.makeStream(of: GPIOEdgeEvent.self)
            self.events = events
            self.output = output
            self.now = now
            self.locked = Lock(
                Locked(debouncer: GPIODebouncer(window: window, initialValue: initialValue, edges: edges)))
            output.onTermination = { [weak self] termination in
                self?.cancelTimer()
                if case .cancelled = termination { onCancel() }
            }
        }

        /// Whether the consumer is gone or the sink finished; producers may drop it.
        public var isFinished: Bool { locked.withLock { $0.finished } }

        /// Records raw edges, in order. Safe to call from any thread; never blocks for long.
        public func feed(_ edges: some Sequence<GPIOEdgeEvent>) {
            let settled: [GPIOEdgeEvent] = locked.withLock { state in
                guard !state.finished else { return [] }
                var settled: [GPIOEdgeEvent] = []
                for edge in edges {
                    // Judge the level before this edge at this edge's time: it either held for the window or not.
                    if let event = state.debouncer.tick(nowNanoseconds: edge.timestampNanoseconds) {
                        settled.append(event)
                    }
                    state.debouncer.feed(edge)
                }
                state.timer?.cancel()
                state.timer = nil
                if let deadline = state.debouncer.nextDeadlineNanoseconds {
                    if deadline <= state.debouncer.lastChangeNanoseconds {
                        // Zero window: nothing to wait for.
                        if let event = state.debouncer.tick(nowNanoseconds: deadline) { settled.append(event) }
                    } else {
                        state.timer = Task { [self] in await self.runTimer() }
                    }
                }
                return settled
            }
            for event in settled { output.yield(event) }
        }

        /// Ends the stream, normally (line released) or with the backend's error.
        public func finish(throwing error: (any Error)? = nil) {
            let first = locked.withLock { state in
                defer { state.finished = true }
                state.timer?.cancel()
                state.timer = nil
                return !state.finished
            }
            if first { output.finish(throwing: error) }
        }

        /// Sleeps until the deadline (recomputed after each sleep, since the sleep's clock may differ slightly from
        /// `now`) and emits the settled event, unless a newer edge cancelled this timer first.
        private func runTimer() async {
            while !Task.isCancelled {
                let step: (wait: UInt64?, event: GPIOEdgeEvent?) = locked.withLock { state in
                    // Checked under the lock: `feed` cancels under the same lock, so a stale timer never emits.
                    guard !Task.isCancelled, let deadline = state.debouncer.nextDeadlineNanoseconds else {
                        return (nil, nil)
                    }
                    let current = now()
                    if current >= deadline {
                        return (nil, state.debouncer.tick(nowNanoseconds: current))
                    }
                    return (deadline - current, nil)
                }
                guard let wait = step.wait else {
                    if let event = step.event { output.yield(event) }
                    return
                }
                try? await Task.sleep(for: .nanoseconds(wait))
            }
        }

        private func cancelTimer() {
            locked.withLock { state in
                state.finished = true
                state.timer?.cancel()
                state.timer = nil
            }
        }
    }
}
