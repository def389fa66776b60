/// A GPIO chip: hands out requested lines. Backends: `HALLinux.LinuxGPIOChip` (libgpiod), `HALSim.SimulatedGPIOChip`.
public protocol GPIOChip: Sendable {
    /// The chip's name (`gpiochip0`) or the label it was opened by.
    var name: String { get }
    /// Number of lines the chip has.
    var lineCount: Int { get }

    /// Requests one line as an input. Corresponds to libgpiod `gpiod_line_request_input_flags` /
    /// `gpiod_line_request_both_edges_events_flags`.
    func requestInput(_ offset: GPIOLineOffset, _ configuration: GPIOInputConfiguration) async throws(GPIOError)
        -> any GPIOInputLine
    /// Requests one line as an output, driven to `configuration.initialValue` at once.
    func requestOutput(_ offset: GPIOLineOffset, _ configuration: GPIOOutputConfiguration) async throws(GPIOError)
        -> any GPIOOutputLine
}

/// A requested input line.
public protocol GPIOInputLine: Sendable {
    var address: GPIOLineAddress { get }
    var configuration: GPIOInputConfiguration { get }

    /// The current logical value.
    func read() async throws(GPIOError) -> GPIOValue

    /// Edge events as configured (`edges`, `debounce`), in order, until the line is released. The sequence
    /// is meant for a single consumer; it ends with an error if the backend fails.
    ///
    /// Edge detection starts when the line is requested, as with the kernel: edges that come while no sequence of
    /// the line is live are queued (the first `GPIOEdgeFanout.pendingLimit`, 16 as in the v1 uAPI's kernel FIFO;
    /// newer ones are dropped) and the next call's sequence delivers them first, so a press between the request and
    /// the first call is not lost. A call while another sequence is live starts from that moment (edges then go to
    /// every live sequence). Debounced with `GPIODebouncedEvents`, from the level before the first queued edge, or
    /// the level at the call. With `edges == .none` the sequence finishes at once.
    func events() -> AsyncThrowingStream<GPIOEdgeEvent, any Error>

    /// Gives the line back to the kernel. Further calls fail with `.released`.
    func release() async
}

/// A requested output line.
public protocol GPIOOutputLine: Sendable {
    var address: GPIOLineAddress { get }
    var configuration: GPIOOutputConfiguration { get }

    /// Drives the line to a logical value.
    func write(_ value: GPIOValue) async throws(GPIOError)
    /// The value last driven (read back from the kernel where the backend can).
    func read() async throws(GPIOError) -> GPIOValue
    /// Gives the line back. Callers put the actuator in its safe state first.
    func release() async
}
