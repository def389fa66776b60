public import HAL
import Locking

/// A complete GPIO chip in memory, for unit tests and the virtual rig.
///
/// The device side (`requestInput`, `requestOutput`, the line handles) behaves like `LinuxGPIOChip`: logical values,
/// active-low, bias, edge events with debounce, `.busy` for held lines and `.lineNotFound` for bad offsets. The rig
/// side speaks electrical levels: `setInputLevel(_:high:)` is a signal generator on an input pin, `outputLevel(_:)` a
/// voltmeter on an output pin. Timestamps are nanoseconds on the chip's own monotonic clock (`nowNanoseconds()`),
/// which starts at the chip's creation.
public final class SimulatedGPIOChip: GPIOChip {
    /// The name given at creation, used in errors and line addresses.
    public let name: String
    /// Offsets `0..<lineCount` exist.
    public let lineCount: Int

    private let state: Lock<State>
    private let epoch: ContinuousClock.Instant

    /// - Parameters:
    ///   - name: reported in errors and line addresses (`sim-gpio:4`).
    ///   - lineCount: offsets `0..<lineCount` exist.
    ///   - lineNames: names shown by `lineName(_:)`, as a device tree's `gpio-line-names` would give them.
    public init(name: String, lineCount: Int, lineNames: [GPIOLineOffset: String] = [:]) {
        precondition(lineCount >= 0, "a chip cannot have a negative number of lines")
        self.name = name
        self.lineCount = lineCount
        self.epoch = .now
        var lines = [Line](repeating: Line(), count: lineCount)
        for (offset, lineName) in lineNames where Int(offset.rawValue) < lineCount {
            lines[Int(offset.rawValue)].name = lineName
        }
        self.state = Lock(State(lines: lines))
    }

    // MARK: Device side (GPIOChip)

    /// Requests an input line. Like `gpiod_line_request` with `GPIOD_LINE_REQUEST_EVENT_BOTH_EDGES`.
    public func requestInput(_ offset: GPIOLineOffset, _ configuration: GPIOInputConfiguration) async throws(GPIOError)
        -> any GPIOInputLine
    {
        let id = try state.withLock { state throws(GPIOError) -> UInt64 in
            try claim(&state, offset, operation: "request input")
            let id = state.nextID()
            state.lines[index(offset)].request = .input(
                InputRequest(id: id, configuration: configuration, edges: GPIOEdgeFanout()))
            return id
        }
        return SimulatedGPIOInputLine(chip: self, offset: offset, requestID: id, configuration: configuration)
    }

    /// Requests an output line, driven to `configuration.initialValue` at once. Like `gpiod_line_request` with
    /// `GPIOD_LINE_REQUEST_DIRECTION_OUTPUT`.
    public func requestOutput(_ offset: GPIOLineOffset, _ configuration: GPIOOutputConfiguration)
        async throws(GPIOError) -> any GPIOOutputLine
    {
        let timestamp = nowNanoseconds()
        let electrical = configuration.initialValue.isActive != configuration.activeLow
        let (id, watchers) = try state.withLock { state throws(GPIOError) -> (UInt64, [OutputWatcher]) in
            try claim(&state, offset, operation: "request output")
            let id = state.nextID()
            let i = index(offset)
            state.lines[i].request = .output(OutputRequest(id: id, configuration: configuration))
            let changed = state.lines[i].setOutput(electrical: electrical, at: timestamp)
            return (id, changed ? Array(state.lines[i].outputWatchers.values) : [])
        }
        for watcher in watchers { watcher.yield((electrical, timestamp)) }
        return SimulatedGPIOOutputLine(chip: self, offset: offset, requestID: id, configuration: configuration)
    }

    // MARK: Rig side (electrical levels)

    /// Nanoseconds since the chip was created, on a monotonic clock; the time base of every timestamp it reports.
    public func nowNanoseconds() -> UInt64 {
        UInt64((ContinuousClock.now - epoch).totalNanoseconds)
    }

    /// Drives an input pin to an electrical level, as a signal generator or a switch would. Overrides the bias until
    /// `floatInput(_:)`. If a consumer holds the line as an input and its logical level changes, every event stream
    /// of that line sees one raw edge (before debouncing), timestamped now; while the line has no event stream, the
    /// edge is queued for the next one (`GPIOEdgeFanout`: 16 at most, newer ones dropped), as the kernel queues it.
    public func setInputLevel(_ offset: GPIOLineOffset, high: Bool) {
        updateDrive(offset, to: high)
    }

    /// Stops driving an input pin: the line follows its bias again (pull-up reads high; pull-down, disabled and
    /// as-is read low, as a floating pin on a board with no external resistor tends to).
    public func floatInput(_ offset: GPIOLineOffset) {
        updateDrive(offset, to: nil)
    }

    /// The electrical level a requested output drives, or `nil` if the line is not currently requested as an output.
    /// An open-drain line driving "high" releases the pin; this model assumes an external pull-up and reports high.
    public func outputLevel(_ offset: GPIOLineOffset) -> Bool? {
        state.withLock { state in
            guard case .output = state.lines[index(offset)].request else { return nil }
            return state.lines[index(offset)].outputLevel
        }
    }

    /// Every electrical level an output pin has been driven to, in order, with timestamps (changes only). Kept across
    /// release and re-request so a test can see the whole life of the pin.
    public func outputHistory(_ offset: GPIOLineOffset) -> [(high: Bool, timestampNanoseconds: UInt64)] {
        state.withLock { $0.lines[index(offset)].history }
    }

    /// Changes of an output pin's electrical level from now on, like a logic analyser on the pin.
    public func outputChanges(_ offset: GPIOLineOffset) -> AsyncStream<(high: Bool, timestampNanoseconds: UInt64)> {
        let (stream, continuation) = AsyncStream.makeStream(of: (high: Bool, timestampNanoseconds: UInt64).self)
        let key = state.withLock { state in
            let key = state.nextID()
            state.lines[index(offset)].outputWatchers[key] = continuation
            return key
        }
        let i = index(offset)
        continuation.onTermination = { [weak self] _ in
            self?.state.withLock { state in _ = state.lines[i].outputWatchers.removeValue(forKey: key) }
        }
        return stream
    }

    /// The consumer label of whoever holds the line, as `gpioinfo` shows it; `nil` if the line is free.
    public func consumer(_ offset: GPIOLineOffset) -> String? {
        state.withLock { state in
            switch state.lines[index(offset)].request {
            case .input(let request): request.configuration.consumer
            case .output(let request): request.configuration.consumer
            case nil: nil
            }
        }
    }

    /// The line's name from `lineNames`, if any.
    public func lineName(_ offset: GPIOLineOffset) -> String? {
        state.withLock { $0.lines[index(offset)].name }
    }

    /// The offset of the line with this name, as `gpiofind` would answer.
    public func offset(named lineName: String) -> GPIOLineOffset? {
        state.withLock { state in
            state.lines.firstIndex { $0.name == lineName }.map { GPIOLineOffset(UInt32($0)) }
        }
    }

    /// Makes the next `count` operations on the line (request, read, write) fail with `code`, to test how callers
    /// handle a failing kernel.
    public func injectFault(_ code: GPIOError.Code, at offset: GPIOLineOffset, count: Int = 1) {
        state.withLock { state in
            state.lines[index(offset)].faults += Array(repeating: code, count: max(0, count))
        }
    }

    /// Ends every event stream of the line with an error, as a backend failure (e.g. a removed USB GPIO expander)
    /// would.
    public func failEventStreams(_ offset: GPIOLineOffset, code: GPIOError.Code = .io, detail: String? = nil) {
        let error = GPIOError(code, chip: name, offset: offset, operation: "read edge event", detail: detail)
        let edges = state.withLock { state -> GPIOEdgeFanout<GPIODebouncedEvents.Sink>? in
            guard case .input(let request) = state.lines[index(offset)].request else { return nil }
            return request.edges
        }
        edges?.finish(throwing: error, ending: false)
    }

    /// Edges of the line's current input request dropped because nobody read them and its queue was full (16).
    public func droppedEdges(_ offset: GPIOLineOffset) -> Int {
        state.withLock { state in
            guard case .input(let request) = state.lines[index(offset)].request else { return 0 }
            return request.edges.droppedEdges
        }
    }

    // MARK: Used by the line handles

    func readInput(_ offset: GPIOLineOffset, requestID: UInt64) throws(GPIOError) -> GPIOValue {
        try state.withLock { state throws(GPIOError) -> GPIOValue in
            let request = try inputRequest(&state, offset, requestID, operation: "get value")
            return GPIOValue(
                state.lines[index(offset)].electricalInput(bias: request.configuration.bias)
                    != request.configuration.activeLow)
        }
    }

    /// A debounced event subscription fed straight from `setInputLevel`: the edges queued since the request (or since
    /// the line last had a subscriber) first, then new ones.
    func subscribe(_ offset: GPIOLineOffset, requestID: UInt64) throws(GPIOError)
        -> AsyncThrowingStream<GPIOEdgeEvent, any Error>
    {
        try state.withLock { state throws(GPIOError) -> AsyncThrowingStream<GPIOEdgeEvent, any Error> in
            let request = try inputRequest(
                &state, offset, requestID, operation: "read edge event", consumesFault: false)
            let configuration = request.configuration
            let level = GPIOValue(
                state.lines[index(offset)].electricalInput(bias: configuration.bias) != configuration.activeLow)
            // Under the chip's lock, as `updateDrive` feeds, so the level is the one before any edge not yet fed; the
            // fanout uses it while it has seen no edge of the line.
            let sink = GPIODebouncedEvents.Sink.subscribing(
                request.edges, configuration, now: { [weak self] in self?.nowNanoseconds() ?? 0 }, level: { level })
            guard let sink else { throw GPIOError(.released, chip: name, offset: offset, operation: "read edge event") }
            return sink.events
        }
    }

    func writeOutput(_ offset: GPIOLineOffset, requestID: UInt64, _ value: GPIOValue) throws(GPIOError) {
        let timestamp = nowNanoseconds()
        let (level, watchers) = try state.withLock { state throws(GPIOError) -> (Bool, [OutputWatcher]) in
            let request = try outputRequest(&state, offset, requestID, operation: "set value")
            let i = index(offset)
            let level = value.isActive != request.configuration.activeLow
            let changed = state.lines[i].setOutput(electrical: level, at: timestamp)
            return (level, changed ? Array(state.lines[i].outputWatchers.values) : [])
        }
        for watcher in watchers { watcher.yield((level, timestamp)) }
    }

    func readOutput(_ offset: GPIOLineOffset, requestID: UInt64) throws(GPIOError) -> GPIOValue {
        try state.withLock { state throws(GPIOError) -> GPIOValue in
            let request = try outputRequest(&state, offset, requestID, operation: "get value")
            return GPIOValue((state.lines[index(offset)].outputLevel ?? false) != request.configuration.activeLow)
        }
    }

    func release(_ offset: GPIOLineOffset, requestID: UInt64) {
        let edges = state.withLock { state -> GPIOEdgeFanout<GPIODebouncedEvents.Sink>? in
            let i = index(offset)
            switch state.lines[i].request {
            case .input(let request) where request.id == requestID:
                state.lines[i].request = nil
                return request.edges
            case .output(let request) where request.id == requestID:
                state.lines[i].request = nil
                state.lines[i].outputLevel = nil
                return nil
            default:
                return nil
            }
        }
        // Released lines end their event streams normally: release is the documented end of the sequence.
        edges?.finish()
    }

    // MARK: Private

    private func index(_ offset: GPIOLineOffset) -> Int {
        let i = Int(offset.rawValue)
        precondition(i < lineCount, "\(name):\(offset) does not exist (the chip has \(lineCount) lines)")
        return i
    }

    private func claim(_ state: inout State, _ offset: GPIOLineOffset, operation: String) throws(GPIOError) {
        guard Int(offset.rawValue) < lineCount else {
            throw GPIOError(
                .lineNotFound, chip: name, offset: offset, operation: operation,
                detail: "the chip has \(lineCount) lines")
        }
        let i = Int(offset.rawValue)
        if let fault = state.lines[i].takeFault() {
            throw GPIOError(fault, chip: name, offset: offset, operation: operation, detail: "injected fault")
        }
        let holder: String? =
            switch state.lines[i].request {
            case .input(let request): request.configuration.consumer
            case .output(let request): request.configuration.consumer
            case nil: nil
            }
        if let holder {
            throw GPIOError(.busy, chip: name, offset: offset, operation: operation, detail: "held by \"\(holder)\"")
        }
    }

    private func inputRequest(
        _ state: inout State, _ offset: GPIOLineOffset, _ requestID: UInt64, operation: String,
        consumesFault: Bool = true
    ) throws(GPIOError) -> InputRequest {
        guard case .input(let request) = state.lines[index(offset)].request, request.id == requestID else {
            throw GPIOError(.released, chip: name, offset: offset, operation: operation)
        }
        if consumesFault, let fault = state.lines[index(offset)].takeFault() {
            throw GPIOError(fault, chip: name, offset: offset, operation: operation, detail: "injected fault")
        }
        return request
    }

    private func outputRequest(_ state: inout State, _ offset: GPIOLineOffset, _ requestID: UInt64, operation: String)
        throws(GPIOError) -> OutputRequest
    {
        guard case .output(let request) = state.lines[index(offset)].request, request.id == requestID else {
            throw GPIOError(.released, chip: name, offset: offset, operation: operation)
        }
        if let fault = state.lines[index(offset)].takeFault() {
            throw GPIOError(fault, chip: name, offset: offset, operation: operation, detail: "injected fault")
        }
        return request
    }

    private func updateDrive(_ offset: GPIOLineOffset, to level: Bool?) {
        let timestamp = nowNanoseconds()
        state.withLock { state in
            let i = index(offset)
            guard case .input(let request) = state.lines[i].request else {
                state.lines[i].drivenLevel = level
                return
            }
            let before = state.lines[i].electricalInput(bias: request.configuration.bias)
            state.lines[i].drivenLevel = level
            let after = state.lines[i].electricalInput(bias: request.configuration.bias)
            guard before != after else { return }
            let logical = after != request.configuration.activeLow
            // Fed under the chip's lock so that a subscription taken meanwhile sees either the old level and this
            // edge, or the new level and not this edge.
            request.edges.feed(
                CollectionOfOne(GPIOEdgeEvent(kind: logical ? .rising : .falling, timestampNanoseconds: timestamp)))
        }
    }
}

extension SimulatedGPIOChip {
    typealias OutputWatcher = AsyncStream<(high: Bool, timestampNanoseconds: UInt64)>.Continuation

    struct InputRequest {
        var id: UInt64
        var configuration: GPIOInputConfiguration
        /// Edge detection from the request on: live event streams, or the queue for the next one.
        var edges: GPIOEdgeFanout<GPIODebouncedEvents.Sink>
    }

    struct OutputRequest {
        var id: UInt64
        var configuration: GPIOOutputConfiguration
    }

    enum Request {
        case input(InputRequest)
        case output(OutputRequest)
    }

    struct Line {
        var name: String?
        /// What the rig drives the pin to; `nil` lets the bias decide.
        var drivenLevel: Bool?
        var request: Request?
        /// Electrical level while requested as an output.
        var outputLevel: Bool?
        var history: [(high: Bool, timestampNanoseconds: UInt64)] = []
        var outputWatchers: [UInt64: OutputWatcher] = [:]
        var faults: [GPIOError.Code] = []

        func electricalInput(bias: GPIOBias) -> Bool {
            drivenLevel ?? (bias == .pullUp)
        }

        /// Returns whether the level changed.
        @discardableResult
        mutating func setOutput(electrical: Bool, at timestamp: UInt64) -> Bool {
            guard outputLevel != electrical else { return false }
            outputLevel = electrical
            history.append((electrical, timestamp))
            return true
        }

        mutating func takeFault() -> GPIOError.Code? {
            faults.isEmpty ? nil : faults.removeFirst()
        }
    }

    struct State {
        var lines: [Line]
        var lastID: UInt64 = 0

        mutating func nextID() -> UInt64 {
            lastID += 1
            return lastID
        }
    }
}
