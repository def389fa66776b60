import Glibc
import HAL
import Locking
import Synchronization

/// What a server transport sends for one request: the transport-neutral part of serving Modbus.
struct ModbusServedReply {
    enum Body: Equatable {
        /// Nothing (silence, broadcast).
        case none
        /// A response PDU, framed by the transport; `corrupt` spoils the frame's check.
        case pdu([UInt8], corrupt: Bool)
        /// Bytes sent as they are.
        case raw([UInt8])
    }

    var body: Body
    var delay: Duration = .zero

    /// Decodes `pdu` for `unit` and asks `handler`. Malformed requests get the exception a server owes them, but only
    /// from a unit that exists; broadcasts are executed and never answered.
    static func serve(pdu: ArraySlice<UInt8>, unit: ModbusUnitID, handler: any ModbusRequestHandler) -> Self {
        let request: ModbusRequest
        do throws(ModbusExceptionCode) {
            request = try ModbusRequest(pdu: pdu)
        } catch {
            guard unit != .broadcast, handler.serves(unit), let function = pdu.first else { return Self(body: .none) }
            return Self(body: .pdu([function | 0x80, error.rawValue], corrupt: false))
        }
        let reply = handler.reply(to: request, unit: unit)
        guard unit != .broadcast else { return Self(body: .none) }
        return Self(reply, for: request)
    }

    private init(body: Body, delay: Duration = .zero) {
        self.body = body
        self.delay = delay
    }

    private init(_ reply: ModbusReply, for request: ModbusRequest) {
        switch reply {
        case .silence:
            self.init(body: .none)
        case .raw(let bytes):
            self.init(body: .raw(bytes))
        case .delayed(let pause, let inner):
            self.init(inner, for: request)
            delay += pause
        case .badChecksum(let inner):
            self.init(inner, for: request)
            if case .pdu(let bytes, _) = body { body = .pdu(bytes, corrupt: true) }
        case .bits, .registers, .done, .exception:
            self.init(body: request.responsePDU(for: reply).map { .pdu($0, corrupt: false) } ?? .none)
        }
    }
}

/// Writes all of `bytes` to a non-blocking descriptor, waiting for room when the kernel buffer is full.
func writeFully(_ descriptor: Int32, _ bytes: [UInt8]) -> Bool {
    var offset = 0
    while offset < bytes.count {
        let written = bytes[offset...].withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        if written > 0 {
            offset += written
            continue
        }
        let code = errno
        guard written < 0, code == EAGAIN || code == EINTR else { return false }
        var entry = pollfd(fd: descriptor, events: Int16(POLLOUT), revents: 0)
        _ = poll(&entry, 1, 100)
    }
    return true
}

/// Sleeps the calling (server) thread.
func pause(_ duration: Duration) {
    guard duration > .zero else { return }
    pause(until: monotonicNanoseconds() + UInt64(duration.totalNanoseconds))
}

/// Sleeps the calling thread until the monotonic clock reaches `deadline` (nanoseconds); signals do not cut it short.
func pause(until deadline: UInt64) {
    while true {
        let now = monotonicNanoseconds()
        guard now < deadline else { return }
        usleep(UInt32(min((deadline - now) / 1000 + 1, 100_000)))
    }
}

/// A dedicated thread running `body` until `stop` is set; `stopAndJoin()` waits for it.
///
/// `@unchecked Sendable`: `stop` is an atomic flag read by the thread; the thread's handle is behind a `Lock`, since
/// the servers are `Sendable` and their `stop()` may be called from two threads at once: both read and cleared a plain
/// `started` flag (a data race) and both could `pthread_join` the same thread, which is undefined behaviour. Under the
/// lock exactly one caller joins; a concurrent one waits until the thread has ended.
final class ServerThread: @unchecked Sendable {
    private let body: (ServerThread) -> Void
    /// The running thread until it is joined.
    private let running = Lock<pthread_t?>(nil)
    private let stopFlag = Atomic<Bool>(false)

    init(_ body: @escaping (ServerThread) -> Void) {
        self.body = body
    }

    var shouldStop: Bool { stopFlag.load(ordering: .acquiring) }

    func start() throws(SystemCallFailure) {
        let context = Unmanaged.passRetained(self).toOpaque()
        var thread = pthread_t()
        let status = pthread_create(
            &thread, nil,
            { context in
                guard let context else { return nil }
                let owner = Unmanaged<ServerThread>.fromOpaque(context).takeRetainedValue()
                owner.body(owner)
                return nil
            }, context)
        guard status == 0 else {
            Unmanaged<ServerThread>.fromOpaque(context).release()
            throw SystemCallFailure(cause: SystemCause(errno: status))
        }
        running.withLock { $0 = thread }
    }

    func stopAndJoin() {
        stopFlag.store(true, ordering: .releasing)
        running.withLock { running in
            guard let thread = running else { return }
            running = nil
            pthread_join(thread, nil)
        }
    }
}
