import CGPIOD
import Glibc
public import HAL
import Locking

/// A GPIO chip through the Linux GPIO character device, using libgpiod v1.6.
///
/// No libgpiod type appears in the public API, so a v2 backend can implement the same HAL protocols later.
public final class LinuxGPIOChip: GPIOChip {
    /// How to find the chip.
    public enum Lookup: Sendable, Hashable {
        /// Name, path, label or number, tried in that order (`gpiod_chip_open_lookup`).
        case any
        /// A name under /dev such as `gpiochip0` (`gpiod_chip_open_by_name`).
        case name
        /// A path such as `/dev/gpiochip0` (`gpiod_chip_open`).
        case path
        /// The driver's label such as `pinctrl-rp1` (`gpiod_chip_open_by_label`), which, unlike the number, stays
        /// the same across boots and kernels.
        case label
    }

    /// The identifier the chip was opened by.
    public let name: String
    /// Number of lines (`gpiod_chip_num_lines`).
    public let lineCount: Int
    /// The kernel's name for the chip (`gpiochip4`), whatever it was opened by.
    public let kernelName: String
    /// The chip's label (`pinctrl-rp1`).
    public let label: String

    let handle: GPIOChipHandle

    /// Opens a chip. Corresponds to `gpiod_chip_open_lookup` / `_by_name` / `gpiod_chip_open` / `_by_label`.
    /// A chip that does not exist gives `.chipNotFound` naming `identifier`.
    public init(_ identifier: String, lookup: Lookup = .any) throws(GPIOError) {
        let opened = identifier.withCString { text in
            retryingEINTR(pointer: {
                switch lookup {
                case .any: gpiod_chip_open_lookup(text)
                case .name: gpiod_chip_open_by_name(text)
                case .path: gpiod_chip_open(text)
                case .label: gpiod_chip_open_by_label(text)
                }
            })
        }
        switch opened {
        case .success(let chip):
            self.handle = GPIOChipHandle(chip)
            self.name = identifier
            self.lineCount = Int(gpiod_chip_num_lines(chip))
            self.kernelName = String(cString: gpiod_chip_name(chip))
            self.label = String(cString: gpiod_chip_label(chip))
        case .failure(let failure):
            let cause = failure.cause
            // ENOENT: no such device node or label; ENODEV/ENOTTY: the path exists but is not a GPIO chip.
            let code: GPIOError.Code = [ENOENT, ENODEV, ENOTTY].contains(cause.errno) ? .chipNotFound : .io
            throw GPIOError(code, chip: identifier, operation: "open chip", cause: cause)
        }
    }

    /// Requests an input line; with edge detection on, both edges are requested
    /// (`gpiod_line_request` with `GPIOD_LINE_REQUEST_EVENT_BOTH_EDGES`) and filtered in software, so debouncing
    /// sees every transition. Events are read on a dedicated thread.
    public func requestInput(_ offset: GPIOLineOffset, _ configuration: GPIOInputConfiguration) async throws(GPIOError)
        -> any GPIOInputLine
    {
        var flags: Int32 = configuration.activeLow ? Int32(GPIOD_LINE_REQUEST_FLAG_ACTIVE_LOW) : 0
        switch configuration.bias {
        case .asIs: break
        case .disabled: flags |= Int32(GPIOD_LINE_REQUEST_FLAG_BIAS_DISABLE)
        case .pullUp: flags |= Int32(GPIOD_LINE_REQUEST_FLAG_BIAS_PULL_UP)
        case .pullDown: flags |= Int32(GPIOD_LINE_REQUEST_FLAG_BIAS_PULL_DOWN)
        }
        let type =
            configuration.edges == .none
            ? GPIOD_LINE_REQUEST_DIRECTION_INPUT : GPIOD_LINE_REQUEST_EVENT_BOTH_EDGES
        let line = try request(
            offset, consumer: configuration.consumer, type: Int32(type), flags: flags, initial: 0,
            operation: "request input")
        return LinuxGPIOInputLine(chip: self, line: line, offset: offset, configuration: configuration)
    }

    /// Requests an output line driven to `initialValue` from the first moment (`gpiod_line_request` with
    /// `GPIOD_LINE_REQUEST_DIRECTION_OUTPUT` and `default_val`), so the actuator never glitches to the other state.
    public func requestOutput(_ offset: GPIOLineOffset, _ configuration: GPIOOutputConfiguration)
        async throws(GPIOError) -> any GPIOOutputLine
    {
        var flags: Int32 = configuration.activeLow ? Int32(GPIOD_LINE_REQUEST_FLAG_ACTIVE_LOW) : 0
        switch configuration.drive {
        case .pushPull: break
        case .openDrain: flags |= Int32(GPIOD_LINE_REQUEST_FLAG_OPEN_DRAIN)
        case .openSource: flags |= Int32(GPIOD_LINE_REQUEST_FLAG_OPEN_SOURCE)
        }
        let line = try request(
            offset, consumer: configuration.consumer, type: Int32(GPIOD_LINE_REQUEST_DIRECTION_OUTPUT),
            flags: flags, initial: configuration.initialValue.isActive ? 1 : 0, operation: "request output")
        return LinuxGPIOOutputLine(chip: self, line: line, offset: offset, configuration: configuration)
    }

    private func request(
        _ offset: GPIOLineOffset, consumer: String, type: Int32, flags: Int32, initial: Int32, operation: String
    ) throws(GPIOError) -> OpaquePointer {
        guard Int(offset.rawValue) < lineCount else {
            throw GPIOError(
                .lineNotFound, chip: name, offset: offset, operation: operation,
                detail: "the chip has \(lineCount) lines")
        }
        enum Outcome {
            case requested(OpaquePointer)
            case failed(SystemCallFailure)
            case heldHere(by: String)
        }
        let outcome = handle.withLock { chip, held -> Outcome in
            if let holder = held[offset.rawValue] { return .heldHere(by: holder) }
            let line: OpaquePointer
            switch retryingEINTR(pointer: { gpiod_chip_get_line(chip, offset.rawValue) }) {
            case .success(let found): line = found
            case .failure(let failure): return .failed(failure)
            }
            let requested = consumer.withCString { label in
                var config = gpiod_line_request_config(consumer: label, request_type: type, flags: flags)
                return retryingEINTR { gpiod_line_request(line, &config, initial) }
            }
            switch requested {
            case .success:
                held[offset.rawValue] = consumer
                return .requested(line)
            case .failure(let failure):
                return .failed(failure)
            }
        }
        switch outcome {
        case .requested(let line):
            return line
        case .heldHere(let holder):
            throw GPIOError(
                .busy, chip: name, offset: offset, operation: operation, detail: "held by \"\(holder)\" in this process"
            )
        case .failed(let failure):
            throw GPIOError(
                Self.code(for: failure.errno), chip: name, offset: offset, operation: operation, cause: failure.cause)
        }
    }

    static func code(for errno: Int32) -> GPIOError.Code {
        switch errno {
        case EBUSY: .busy
        // Old kernels reject bias/drive flags they do not know with EINVAL or EOPNOTSUPP.
        case EOPNOTSUPP, ENOTSUP: .unsupported
        case ENODEV: .released
        default: .io
        }
    }
}

/// Owns one `gpiod_chip*` and closes it (releasing any lines still requested) when the last user goes.
///
/// `@unchecked Sendable`: the pointer never changes, and libgpiod v1 chip and line objects are not thread-safe, so
/// every call that touches them goes through `withLock`; the one exception is an edge-event thread waiting on its own
/// line's file descriptor, which the line stops and joins before the line is released under the lock.
final class GPIOChipHandle: @unchecked Sendable {
    private let chip: OpaquePointer
    /// Offsets this process holds, with their consumer labels: libgpiod v1 answers a second request for a line of
    /// the same handle with `EPERM`, so the chip says `.busy` and who holds it before asking.
    private let held = Lock<[UInt32: String]>([:])

    init(_ chip: OpaquePointer) {
        self.chip = chip
    }

    /// Holds the lock for one short, non-blocking libgpiod call (an ioctl on the chip or a line).
    func withLock<T>(_ body: (OpaquePointer) -> T) -> T {
        held.withLock { _ in body(chip) }
    }

    /// Like `withLock`, with the table of lines held by this process.
    func withLock<T>(_ body: (OpaquePointer, inout [UInt32: String]) -> T) -> T {
        held.withLock { held in body(chip, &held) }
    }

    deinit {
        gpiod_chip_close(chip)
    }
}
