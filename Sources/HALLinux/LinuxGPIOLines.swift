import CGPIOD
import Glibc
import HAL
import Locking

/// An input line requested through libgpiod v1.
///
/// `@unchecked Sendable`: `line` is immutable and used only under the chip's lock (`GPIOChipHandle.withLock`) or by
/// the edge-event thread; `state` is a `Lock`. Release stops and joins that thread before `gpiod_line_release`.
final class LinuxGPIOInputLine: GPIOInputLine, @unchecked Sendable {
    let chip: LinuxGPIOChip
    let line: OpaquePointer
    let offset: GPIOLineOffset
    let configuration: GPIOInputConfiguration
    private let reader: GPIOEdgeReader?
    private let released = Lock(false)

    init(chip: LinuxGPIOChip, line: OpaquePointer, offset: GPIOLineOffset, configuration: GPIOInputConfiguration) {
        self.chip = chip
        self.line = line
        self.offset = offset
        self.configuration = configuration
        if configuration.edges != .none {
            // The level at the request: what the first edges are judged against, even if they are still in the
            // kernel's queue when `events()` subscribes. A failed read leaves that to the subscription's own read.
            let level = chip.handle.withLock { _ in retryingEINTR { gpiod_line_get_value(line) } }
            let reader = GPIOEdgeReader(
                line: line, chip: chip.name, offset: offset, level: (try? level.get()).map { GPIOValue($0 == 1) })
            reader.start()
            self.reader = reader
        } else {
            self.reader = nil
        }
    }

    var address: GPIOLineAddress { GPIOLineAddress(chip: chip.name, offset: offset) }

    /// The logical value (`gpiod_line_get_value`; active-low applied by the kernel).
    func read() async throws(GPIOError) -> GPIOValue {
        try readNow()
    }

    private func readNow() throws(GPIOError) -> GPIOValue {
        let result = chip.handle.withLock { _ -> Result<Int32, SystemCallFailure>? in
            guard !released.withLock({ $0 }) else { return nil }
            return retryingEINTR { gpiod_line_get_value(line) }
        }
        switch result {
        case nil: throw GPIOError(.released, chip: chip.name, offset: offset, operation: "get value")
        case .success(let value): return GPIOValue(value == 1)
        case .failure(let failure):
            throw GPIOError(
                LinuxGPIOChip.code(for: failure.errno), chip: chip.name, offset: offset, operation: "get value",
                cause: failure.cause)
        }
    }

    /// A new subscription each call: the first one (and any after every earlier one ended) starts with the edges
    /// read since the request, at most 16, as the kernel queues them; one taken while another is live starts now.
    /// Kernel events are read by the line's thread (`gpiod_line_event_wait`, `gpiod_line_event_read_multiple`) from
    /// the request on, and debounced with `GPIODebouncedEvents`.
    /// With `edges == .none` the stream finishes at once, as no edge detection was requested.
    func events() -> AsyncThrowingStream<GPIOEdgeEvent, any Error> {
        guard let reader else { return AsyncThrowingStream { $0.finish() } }
        return reader.subscribe(configuration) { () throws(GPIOError) -> GPIOValue in try readNow() }
    }

    func release() async {
        releaseNow()
    }

    private func releaseNow() {
        guard
            released.withLock({ wasReleased in
                defer { wasReleased = true }
                return !wasReleased
            })
        else { return }
        // Stop the thread first: it waits on the line's fd, which gpiod_line_release closes.
        reader?.stopAndJoin()
        chip.handle.withLock { _, held in
            gpiod_line_release(line)
            held[offset.rawValue] = nil
        }
    }

    deinit {
        releaseNow()
    }
}

/// An output line requested through libgpiod v1.
///
/// `@unchecked Sendable`: `line` is immutable and used only under the chip's lock; `released` is a `Lock`.
final class LinuxGPIOOutputLine: GPIOOutputLine, @unchecked Sendable {
    let chip: LinuxGPIOChip
    let line: OpaquePointer
    let offset: GPIOLineOffset
    let configuration: GPIOOutputConfiguration
    private let released = Lock(false)

    init(chip: LinuxGPIOChip, line: OpaquePointer, offset: GPIOLineOffset, configuration: GPIOOutputConfiguration) {
        self.chip = chip
        self.line = line
        self.offset = offset
        self.configuration = configuration
    }

    var address: GPIOLineAddress { GPIOLineAddress(chip: chip.name, offset: offset) }

    /// Drives the logical value (`gpiod_line_set_value`).
    func write(_ value: GPIOValue) async throws(GPIOError) {
        _ = try call("set value") { gpiod_line_set_value(line, value.isActive ? 1 : 0) }
    }

    /// The logical value as the kernel reports it (`gpiod_line_get_value`).
    func read() async throws(GPIOError) -> GPIOValue {
        GPIOValue(try call("get value") { gpiod_line_get_value(line) } == 1)
    }

    private func call(_ operation: String, _ body: () -> Int32) throws(GPIOError) -> Int32 {
        let result = chip.handle.withLock { _ -> Result<Int32, SystemCallFailure>? in
            guard !released.withLock({ $0 }) else { return nil }
            return retryingEINTR(body)
        }
        switch result {
        case nil: throw GPIOError(.released, chip: chip.name, offset: offset, operation: operation)
        case .success(let value): return value
        case .failure(let failure):
            throw GPIOError(
                LinuxGPIOChip.code(for: failure.errno), chip: chip.name, offset: offset, operation: operation,
                cause: failure.cause)
        }
    }

    func release() async {
        releaseNow()
    }

    private func releaseNow() {
        let first = released.withLock { wasReleased in
            defer { wasReleased = true }
            return !wasReleased
        }
        if first {
            chip.handle.withLock { _, held in
                gpiod_line_release(line)
                held[offset.rawValue] = nil
            }
        }
    }

    deinit {
        releaseNow()
    }
}
