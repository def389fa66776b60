import Glibc
public import HAL
import Locking

/// A Modbus RTU server on a serial device (a real port, or one end of a pty pair in tests and in the rig), answering
/// for every unit `handler` serves: several simulated slaves on one simulated RS-485 line.
///
/// Framing follows Modbus over Serial Line V1.02, 2.5.1: a request's length follows from its function code; a frame
/// with a bad CRC is dropped without an answer (as a slave must), and an incomplete frame is dropped after a silence
/// longer than 3.5 characters. Both are counted, so tests can show that no interleaved or torn frame reached the line.
public final class ModbusRTUServer: Sendable {
    /// What the server has seen on the line.
    public struct Statistics: Sendable, Hashable {
        /// Frames with a good CRC, for any unit.
        public var frames = 0
        /// Frames dropped for a bad CRC.
        public var crcErrors = 0
        /// Incomplete frames dropped after a silence.
        public var framingErrors = 0
    }

    public let device: String
    private let thread: ServerThread
    private let loop: Loop

    /// Opens `configuration.device` raw at the configured line settings and starts serving.
    public init(_ configuration: ModbusRTUConfiguration, handler: any ModbusRequestHandler) throws(ModbusError) {
        let endpoint = configuration.endpoint
        let descriptor = open(configuration.device, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw ModbusError(
                .connection, endpoint: endpoint, operation: "open", cause: SystemCause(errno: errno))
        }
        do throws(ModbusError) {
            try Self.configure(descriptor, configuration)
        } catch {
            Glibc.close(descriptor)
            throw error
        }
        self.device = configuration.device
        // 3.5 characters of 11 bits, but never below 20 ms: ptys and USB adapters deliver a frame in chunks whose gaps
        // are set by scheduling, not by the baud rate.
        let characterNanoseconds = 11 * 1_000_000_000 / max(configuration.baudRate, 1)
        let gap = max(UInt64(characterNanoseconds * 7 / 2), 20_000_000)
        let loop = Loop(descriptor: descriptor, handler: handler, frameGapNanoseconds: gap)
        self.loop = loop
        self.thread = ServerThread { thread in loop.run(until: thread) }
        do {
            try thread.start()
        } catch {
            Glibc.close(descriptor)
            throw ModbusError(.io, endpoint: endpoint, operation: "start server thread", cause: error.cause)
        }
    }

    /// Serves on the controller side of a new pseudo-terminal; daemons open `terminal.path` (or a symlink to it) as
    /// their serial port. The server keeps the terminal's own end open too, so the line stays up while no client
    /// has it open.
    public convenience init(
        pseudoTerminal configuration: ModbusRTUConfiguration, handler: any ModbusRequestHandler
    ) throws(ModbusError) {
        let endpoint = configuration.endpoint
        // What posix_openpt/unlockpt/ptsname do (Swift's Glibc module does not export them): open the multiplexer,
        // unlock the new terminal and ask for its number. The ioctl numbers are the asm-generic encodings
        // (x86_64, arm64, arm, riscv) of TIOCSPTLCK and TIOCGPTN.
        let master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC)
        var unlock: Int32 = 0
        var number: UInt32 = 0
        guard master >= 0, ioctl(master, 0x4004_5431, &unlock) == 0, ioctl(master, 0x8004_5430, &number) == 0 else {
            let code = errno
            if master >= 0 { Glibc.close(master) }
            throw ModbusError(
                .io, endpoint: endpoint, operation: "open pseudo-terminal", cause: SystemCause(errno: code))
        }
        let path = "/dev/pts/\(number)"
        let keeper = open(path, O_RDWR | O_NOCTTY | O_CLOEXEC)
        guard keeper >= 0 else {
            let code = errno
            Glibc.close(master)
            throw ModbusError(.io, endpoint: endpoint, operation: "open \(path)", cause: SystemCause(errno: code))
        }
        var terminalSide = configuration
        terminalSide.device = path
        do throws(ModbusError) {
            try Self.configure(keeper, terminalSide)
        } catch {
            Glibc.close(master)
            Glibc.close(keeper)
            throw error
        }
        _ = fcntl(master, F_SETFL, fcntl(master, F_GETFL) | O_NONBLOCK)
        try self.init(descriptor: master, keeping: keeper, configuration: terminalSide, handler: handler)
    }

    private init(
        descriptor: Int32, keeping keeper: Int32, configuration: ModbusRTUConfiguration,
        handler: any ModbusRequestHandler
    ) throws(ModbusError) {
        self.device = configuration.device
        let characterNanoseconds = 11 * 1_000_000_000 / max(configuration.baudRate, 1)
        let gap = max(UInt64(characterNanoseconds * 7 / 2), 20_000_000)
        let loop = Loop(descriptor: descriptor, handler: handler, frameGapNanoseconds: gap, keeper: keeper)
        self.loop = loop
        self.thread = ServerThread { thread in loop.run(until: thread) }
        do {
            try thread.start()
        } catch {
            Glibc.close(descriptor)
            Glibc.close(keeper)
            throw ModbusError(
                .io, endpoint: configuration.endpoint, operation: "start server thread", cause: error.cause)
        }
    }

    public var statistics: Statistics { loop.statistics.withLock { $0 } }

    /// Stops serving and closes the device.
    public func stop() {
        thread.stopAndJoin()
    }

    deinit {
        thread.stopAndJoin()
    }

    private static func configure(_ descriptor: Int32, _ configuration: ModbusRTUConfiguration) throws(ModbusError) {
        var settings = termios()
        guard tcgetattr(descriptor, &settings) == 0 else {
            throw ModbusError(
                .connection, endpoint: configuration.endpoint, operation: "tcgetattr", cause: SystemCause(errno: errno))
        }
        cfmakeraw(&settings)
        guard let speed = baudConstant(configuration.baudRate) else {
            throw ModbusError(
                .invalidArgument, endpoint: configuration.endpoint, operation: "configure line",
                detail: "unsupported baud rate \(configuration.baudRate)")
        }
        cfsetispeed(&settings, speed)
        cfsetospeed(&settings, speed)
        settings.c_cflag &= ~tcflag_t(CSIZE | PARENB | PARODD | CSTOPB)
        settings.c_cflag |= tcflag_t(configuration.dataBits == 7 ? CS7 : CS8) | tcflag_t(CLOCAL | CREAD)
        switch configuration.parity {
        case .none: break
        case .even: settings.c_cflag |= tcflag_t(PARENB)
        case .odd: settings.c_cflag |= tcflag_t(PARENB | PARODD)
        }
        if configuration.stopBits == 2 { settings.c_cflag |= tcflag_t(CSTOPB) }
        guard tcsetattr(descriptor, TCSANOW, &settings) == 0 else {
            throw ModbusError(
                .connection, endpoint: configuration.endpoint, operation: "tcsetattr", cause: SystemCause(errno: errno))
        }
    }

    static func baudConstant(_ rate: Int) -> speed_t? {
        let table: [Int: Int32] = [
            1200: B1200, 2400: B2400, 4800: B4800, 9600: B9600, 19_200: B19200, 38_400: B38400, 57_600: B57600,
            115_200: B115200, 230_400: B230400,
        ]
        return table[rate].map { speed_t($0) }
    }

    /// `@unchecked Sendable`: `buffer` and `lastByte` are used only by the server thread; `statistics` is a `Lock`.
    private final class Loop: @unchecked Sendable {
        let descriptor: Int32
        let handler: any ModbusRequestHandler
        let frameGap: UInt64
        let statistics = Lock(Statistics())
        /// The terminal side of a pseudo-terminal, held open so the line never hangs up (-1 for a real port).
        let keeper: Int32
        var buffer: [UInt8] = []
        var lastByte: UInt64 = 0

        init(descriptor: Int32, handler: any ModbusRequestHandler, frameGapNanoseconds: UInt64, keeper: Int32 = -1) {
            self.descriptor = descriptor
            self.handler = handler
            self.frameGap = frameGapNanoseconds
            self.keeper = keeper
        }

        func run(until thread: ServerThread) {
            defer {
                Glibc.close(descriptor)
                if keeper >= 0 { Glibc.close(keeper) }
            }
            var chunk = [UInt8](repeating: 0, count: 512)
            while !thread.shouldStop {
                var entry = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
                let ready = poll(&entry, 1, 5)
                if ready > 0 && entry.revents & Int16(POLLIN) != 0 {
                    let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
                    if count > 0 {
                        buffer += chunk.prefix(count)
                        lastByte = monotonicNanoseconds()
                        extractFrames()
                        continue
                    }
                } else if ready > 0 {
                    // POLLHUP: the other end of a pty closed; wait for it to be reopened without spinning.
                    pause(.milliseconds(5))
                }
                if !buffer.isEmpty && monotonicNanoseconds() - lastByte > frameGap { flushAfterSilence() }
            }
        }

        /// Serves every complete frame at the front of the buffer.
        private func extractFrames() {
            while let length = Self.expectedLength(buffer), buffer.count >= length {
                let frame = Array(buffer.prefix(length))
                guard ModbusCRC16.isValid(frame: frame) else {
                    // Lost sync (noise, a torn frame): drop everything and resynchronise at the next silence.
                    statistics.withLock { $0.crcErrors += 1 }
                    buffer.removeAll()
                    return
                }
                buffer.removeFirst(length)
                serve(frame)
            }
        }

        /// A silence ended the frame: serve it if its length was unknown (an unsupported function) and its CRC holds,
        /// else count it as torn.
        private func flushAfterSilence() {
            defer { buffer.removeAll() }
            if Self.expectedLength(buffer) == nil && buffer.count >= 4 {
                if ModbusCRC16.isValid(frame: buffer) {
                    serve(buffer)
                } else {
                    statistics.withLock { $0.crcErrors += 1 }
                }
                return
            }
            statistics.withLock { $0.framingErrors += 1 }
        }

        private func serve(_ frame: [UInt8]) {
            statistics.withLock { $0.frames += 1 }
            let unit = ModbusUnitID(frame[0])
            let served = ModbusServedReply.serve(pdu: frame[1..<(frame.count - 2)], unit: unit, handler: handler)
            pause(served.delay)
            switch served.body {
            case .none:
                return
            case .raw(let bytes):
                _ = writeFully(descriptor, bytes)
            case .pdu(let pdu, let corrupt):
                var response = ModbusCRC16.framed([unit.rawValue] + pdu)
                if corrupt {
                    response[response.count - 1] ^= 0xFF
                    response[response.count - 2] ^= 0xFF
                }
                _ = writeFully(descriptor, response)
            }
        }

        /// The length of the request frame at the front of `bytes`, when its function code tells; nil for functions
        /// we do not implement (their frame ends at the next silence).
        static func expectedLength(_ bytes: [UInt8]) -> Int? {
            guard bytes.count >= 2 else { return Int.max }
            switch bytes[1] {
            case 0x01...0x06: return 8
            case 0x0F, 0x10: return bytes.count >= 7 ? 9 + Int(bytes[6]) : Int.max
            default: return nil
            }
        }
    }
}
