import HAL

/// An input line handed out by `SimulatedGPIOChip`. It names its request, so a stale handle kept after `release()`
/// fails with `.released` even once someone else has requested the same offset.
final class SimulatedGPIOInputLine: GPIOInputLine {
    let chip: SimulatedGPIOChip
    let offset: GPIOLineOffset
    let requestID: UInt64
    let configuration: GPIOInputConfiguration

    init(chip: SimulatedGPIOChip, offset: GPIOLineOffset, requestID: UInt64, configuration: GPIOInputConfiguration) {
        self.chip = chip
        self.offset = offset
        self.requestID = requestID
        self.configuration = configuration
    }

    var address: GPIOLineAddress { GPIOLineAddress(chip: chip.name, offset: offset) }

    func read() async throws(GPIOError) -> GPIOValue {
        try chip.readInput(offset, requestID: requestID)
    }

    /// A new subscription each call: the first one (and any after every earlier one ended) starts with the edges
    /// queued since the request, at most 16, as the kernel queues them; one taken while another is live starts now.
    /// With `edges == .none` the stream finishes at once, as no edge detection was requested.
    func events() -> AsyncThrowingStream<GPIOEdgeEvent, any Error> {
        guard configuration.edges != .none else {
            return AsyncThrowingStream { $0.finish() }
        }
        do {
            return try chip.subscribe(offset, requestID: requestID)
        } catch {
            return AsyncThrowingStream { $0.finish(throwing: error) }
        }
    }

    func release() async {
        chip.release(offset, requestID: requestID)
    }
}

/// An output line handed out by `SimulatedGPIOChip`.
final class SimulatedGPIOOutputLine: GPIOOutputLine {
    let chip: SimulatedGPIOChip
    let offset: GPIOLineOffset
    let requestID: UInt64
    let configuration: GPIOOutputConfiguration

    init(chip: SimulatedGPIOChip, offset: GPIOLineOffset, requestID: UInt64, configuration: GPIOOutputConfiguration) {
        self.chip = chip
        self.offset = offset
        self.requestID = requestID
        self.configuration = configuration
    }

    var address: GPIOLineAddress { GPIOLineAddress(chip: chip.name, offset: offset) }

    func write(_ value: GPIOValue) async throws(GPIOError) {
        try chip.writeOutput(offset, requestID: requestID, value)
    }

    func read() async throws(GPIOError) -> GPIOValue {
        try chip.readOutput(offset, requestID: requestID)
    }

    func release() async {
        chip.release(offset, requestID: requestID)
    }
}
