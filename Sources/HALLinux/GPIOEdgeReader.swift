import CGPIOD
import Glibc
import HAL
import Locking
import Synchronization

/// Reads one line's kernel edge events on a dedicated thread and fans them out to subscribers as raw edges; while the
/// line has none, `GPIOEdgeFanout` keeps them (16, as the kernel's FIFO would have) for the next one.
///
/// Blocking waits stay off the cooperative pool (STYLE: blocking waits run on a dedicated thread). The thread waits
/// with `gpiod_line_event_wait` in short slices so `stopAndJoin()` takes effect within one slice.
///
/// `@unchecked Sendable`: `line` is used only by the reader thread between `start()` and `stopAndJoin()`; `stop`
/// is an `Atomic`; `edges` and `thread` are behind `Lock`s.
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
    private let edges: GPIOEdgeFanout<Subscriber>
    private let thread = Lock<pthread_t?>(nil)

    /// - Parameter level: the line's logical level read right after the request, if the read worked.
    init(line: OpaquePointer, chip: String, offset: GPIOLineOffset, level: GPIOValue?) {
        self.line = line
        self.chip = chip
        self.offset = offset
        edges = GPIOEdgeFanout(level: level)
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

    /// Debounced events fed directly by the reader thread: the edges read while the line had no subscriber first
    /// (from the request on), then new ones; finishes when the line is released, fails if reading fails. `initial`
    /// reads the line's level if the request's read failed and no edge has come since; it runs while edges are held
    /// back, so no edge falls between the level read and the subscription.
    func subscribe(
        _ configuration: GPIOInputConfiguration, initial: () throws(GPIOError) -> GPIOValue
    ) -> AsyncThrowingStream<GPIOEdgeEvent, any Error> {
        do throws(GPIOError) {
            guard
                let sink = try Subscriber.subscribing(
                    edges, configuration, now: monotonicNanoseconds, level: initial)
            else { throw GPIOError(.released, chip: chip, offset: offset, operation: "read edge event") }
            return sink.events
        } catch {
            return AsyncThrowingStream { $0.finish(throwing: error) }
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
            edges.feed(
                buffer.prefix(Int(count)).map { event in
                    GPIOEdgeEvent(
                        kind: event.event_type == Int32(GPIOD_LINE_EVENT_RISING_EDGE) ? .rising : .falling,
                        timestampNanoseconds: UInt64(event.ts.tv_sec) * 1_000_000_000 + UInt64(event.ts.tv_nsec))
                })
        }
    }

    private func fail(_ operation: String, _ code: Int32) {
        end(
            throwing: GPIOError(
                LinuxGPIOChip.code(for: code), chip: chip, offset: offset, operation: operation,
                cause: SystemCause(errno: code)))
    }

    private func end(throwing error: (any Error)?) {
        edges.finish(throwing: error)
    }
}
