import CGPIOD
import Glibc
import HAL
import Locking
import Synchronization

/// Reads one line's kernel edge events on a dedicated thread and fans them out to subscribers as raw edges.
///
/// Blocking waits stay off the cooperative pool (STYLE: blocking waits run on a dedicated thread). The thread waits
/// with `gpiod_line_event_wait` in short slices so `stopAndJoin()` takes effect within one slice.
///
/// `@unchecked Sendable`: `line` is used only by the reader thread between `start()` and `stopAndJoin()`; `stop`
/// is an `Atomic`; `subscribers` and `thread` are behind `Lock`s.
final class GPIOEdgeReader: @unchecked Sendable {
    typealias Subscriber = GPIODebouncedEvents.Sink

    /// How long one wait lasts; bounds how long `release()` waits for the thread.
    static let waitSlice = timespec(tv_sec: 0, tv_nsec: 20_000_000)
    /// Events read per `gpiod_line_event_read_multiple`; the kernel queues 16 per line in the v1 uAPI.
    static let batch = 16

    private let line: OpaquePointer
    private let chip: String
    private let offset: GPIOLineOffset
    private let stop = Atomic<Bool>(false)
    private let subscribers = Lock<(list: [UInt64: Subscriber], next: UInt64, ended: Bool)>(([:], 0, false))
    private let thread = Lock<pthread_t?>(nil)

    init(line: OpaquePointer, chip: String, offset: GPIOLineOffset) {
        self.line = line
        self.chip = chip
        self.offset = offset
    }

    func start() {
        let context = Unmanaged.passRetained(self).toOpaque()
        var id = pthread_t()
        let status = pthread_create(
            &id, nil,
            { context in
                guard let context else { return nil }
                let reader = Unmanaged<GPIOEdgeReader>.fromOpaque(context).takeRetainedValue()
                reader.run()
                return nil
            }, context)
        if status == 0 {
            thread.withLock { $0 = id }
        } else {
            Unmanaged<GPIOEdgeReader>.fromOpaque(context).release()
            end(
                throwing: GPIOError(
                    .io, chip: chip, offset: offset, operation: "start edge event thread",
                    cause: SystemCause(errno: status)))
        }
    }

    /// Debounced events from now on, fed directly by the reader thread; finishes when the line is released, fails
    /// if reading fails. `initial` reads the line's level; it runs while new subscribers are held back, so no edge
    /// falls between the level read and the subscription.
    func subscribe(
        _ configuration: GPIOInputConfiguration, initial: () throws(GPIOError) -> GPIOValue
    ) -> AsyncThrowingStream<GPIOEdgeEvent, any Error> {
        let outcome = subscribers.withLock { state -> Result<Subscriber, GPIOError> in
            guard !state.ended else {
                return .failure(GPIOError(.released, chip: chip, offset: offset, operation: "read edge event"))
            }
            let level: GPIOValue
            do throws(GPIOError) {
                level = try initial()
            } catch {
                return .failure(error)
            }
            state.next += 1
            let key = state.next
            let sink = GPIODebouncedEvents.Sink(
                window: configuration.debounce, initialValue: level, edges: configuration.edges,
                now: monotonicNanoseconds,
                onCancel: { [weak self] in self?.subscribers.withLock { _ = $0.list.removeValue(forKey: key) } })
            state.list[key] = sink
            return .success(sink)
        }
        switch outcome {
        case .success(let sink): return sink.events
        case .failure(let error): return AsyncThrowingStream { $0.finish(throwing: error) }
        }
    }

    func stopAndJoin() {
        stop.store(true, ordering: .releasing)
        if let id = thread.withLock({ $0.take() }) {
            pthread_join(id, nil)
        }
        end(throwing: nil)
    }

    private func run() {
        var slice = Self.waitSlice
        var buffer = [gpiod_line_event](repeating: gpiod_line_event(), count: Self.batch)
        while !stop.load(ordering: .acquiring) {
            let waited = gpiod_line_event_wait(line, &slice)
            if waited == 0 { continue }
            if waited < 0 {
                if errno == EINTR { continue }
                return fail("wait for edge event", errno)
            }
            let count = buffer.withUnsafeMutableBufferPointer { events in
                gpiod_line_event_read_multiple(line, events.baseAddress, UInt32(Self.batch))
            }
            if count < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                return fail("read edge event", errno)
            }
            let edges = buffer.prefix(Int(count)).map { event in
                GPIOEdgeEvent(
                    kind: event.event_type == Int32(GPIOD_LINE_EVENT_RISING_EDGE) ? .rising : .falling,
                    timestampNanoseconds: UInt64(event.ts.tv_sec) * 1_000_000_000 + UInt64(event.ts.tv_nsec))
            }
            let targets = subscribers.withLock { Array($0.list.values) }
            for target in targets { target.feed(edges) }
        }
    }

    private func fail(_ operation: String, _ code: Int32) {
        end(
            throwing: GPIOError(
                LinuxGPIOChip.code(for: code), chip: chip, offset: offset, operation: operation,
                cause: SystemCause(errno: code)))
    }

    private func end(throwing error: (any Error)?) {
        let targets = subscribers.withLock { state -> [Subscriber] in
            state.ended = true
            defer { state.list.removeAll() }
            return Array(state.list.values)
        }
        for target in targets { target.finish(throwing: error) }
    }
}
