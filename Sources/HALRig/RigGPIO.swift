public import HAL
import Locking
import RigProtocol

/// A GPIO chip of the virtual rig, reached over the rig socket: the daemon's `sim` backend for GPIO.
public final class RigGPIOChip: GPIOChip {
    public let name: String
    public let lineCount: Int
    let connection: RigConnection

    init(connection: RigConnection, name: String, lineCount: Int) {
        self.connection = connection
        self.name = name
        self.lineCount = lineCount
    }

    public func requestInput(_ offset: GPIOLineOffset, _ configuration: GPIOInputConfiguration) async throws(GPIOError)
        -> any GPIOInputLine
    {
        var message = RigMessage(op: "gpio.request")
        message.chip = name
        message.offset = offset.rawValue
        message.direction = "input"
        message.activeLow = configuration.activeLow
        message.bias = configuration.bias.rawValue
        message.edges = configuration.edges.rawValue
        message.debounceMs = configuration.debounce.totalSeconds * 1000
        message.consumer = configuration.consumer
        let handle = try await open(message, offset: offset, operation: "request input")
        let line = RigGPIOInputLine(
            chip: self, handle: handle, address: GPIOLineAddress(chip: name, offset: offset),
            configuration: configuration)
        do throws(GPIOError) {
            try await line.startEdgeDetection()
        } catch {
            await line.release()
            throw error
        }
        return line
    }

    public func requestOutput(_ offset: GPIOLineOffset, _ configuration: GPIOOutputConfiguration)
        async throws(GPIOError) -> any GPIOOutputLine
    {
        var message = RigMessage(op: "gpio.request")
        message.chip = name
        message.offset = offset.rawValue
        message.direction = "output"
        message.activeLow = configuration.activeLow
        message.drive = configuration.drive.rawValue
        message.value = configuration.initialValue.isActive
        message.consumer = configuration.consumer
        let handle = try await open(message, offset: offset, operation: "request output")
        return RigGPIOOutputLine(
            chip: self, handle: handle, address: GPIOLineAddress(chip: name, offset: offset),
            configuration: configuration)
    }

    private func open(_ message: RigMessage, offset: GPIOLineOffset, operation: String) async throws(GPIOError) -> Int {
        let response = await connection.request(message)
        guard response.ok == true, let handle = response.handle else {
            throw Self.error(response, chip: name, offset: offset, operation: operation)
        }
        return handle
    }

    static func error(_ response: RigMessage, chip: String, offset: GPIOLineOffset?, operation: String) -> GPIOError {
        let code: GPIOError.Code =
            switch response.code {
            case "busy": .busy
            case "not-found": offset == nil ? .chipNotFound : .lineNotFound
            case "released": .released
            case "unsupported": .unsupported
            default: .io
            }
        return GPIOError(code, chip: chip, offset: offset, operation: operation, detail: response.error)
    }
}

/// Common request plumbing of rig lines.
final class RigLineCore: Sendable {
    let chip: RigGPIOChip
    let handle: Int
    let address: GPIOLineAddress
    private let released = Lock(false)

    init(chip: RigGPIOChip, handle: Int, address: GPIOLineAddress) {
        self.chip = chip
        self.handle = handle
        self.address = address
    }

    func call(_ op: String, _ operation: String, _ fill: (inout RigMessage) -> Void = { _ in }) async throws(GPIOError)
        -> RigMessage
    {
        guard !released.withLock({ $0 }) else {
            throw GPIOError(.released, chip: address.chip, offset: address.offset, operation: operation)
        }
        var message = RigMessage(op: op)
        message.handle = handle
        fill(&message)
        let response = await chip.connection.request(message)
        guard response.ok == true else {
            throw RigGPIOChip.error(response, chip: address.chip, offset: address.offset, operation: operation)
        }
        return response
    }

    func releaseLine() async {
        let wasReleased = released.withLock { value in
            defer { value = true }
            return value
        }
        guard !wasReleased else { return }
        await chip.connection.unregisterEdges(handle)
        var message = RigMessage(op: "gpio.release")
        message.handle = handle
        _ = await chip.connection.request(message)
    }
}

final class RigGPIOInputLine: GPIOInputLine {
    let configuration: GPIOInputConfiguration
    private let core: RigLineCore
    /// The rig's edges for this line from the request on; `nil` without edge detection.
    private let edges: GPIOEdgeFanout<RigEdgeSubscriber>?
    var address: GPIOLineAddress { core.address }

    init(chip: RigGPIOChip, handle: Int, address: GPIOLineAddress, configuration: GPIOInputConfiguration) {
        self.configuration = configuration
        core = RigLineCore(chip: chip, handle: handle, address: address)
        edges = configuration.edges == .none ? nil : GPIOEdgeFanout()
    }

    /// Subscribes to the line's edges as part of the request, so they are kept from then on as the kernel keeps
    /// them (the rig itself queues the edges between `gpio.request` and `gpio.subscribe`).
    func startEdgeDetection() async throws(GPIOError) {
        guard let edges else { return }
        await core.chip.connection.registerEdges(core.handle, edges)
        _ = try await core.call("gpio.subscribe", "subscribe to edge events")
    }

    func read() async throws(GPIOError) -> GPIOValue {
        GPIOValue(try await core.call("gpio.read", "read").value ?? false)
    }

    /// The edges the rig sent since the request (or since the line last had a live sequence), at most 16, then new
    /// ones; a call while another sequence is live starts now. The rig applies edge selection and debounce (they
    /// are part of the request), like the kernel would.
    func events() -> AsyncThrowingStream<GPIOEdgeEvent, any Error> {
        let (stream, continuation) = AsyncThrowingStream<GPIOEdgeEvent, any Error>.makeStream()
        guard let edges else {
            continuation.finish()
            return stream
        }
        let subscribed = edges.subscribe { key, _ in
            continuation.onTermination = { [weak edges] termination in
                if case .cancelled = termination { edges?.remove(key) }
            }
            return RigEdgeSubscriber(continuation: continuation)
        }
        if subscribed == nil {
            continuation.finish(
                throwing: GPIOError(
                    .released, chip: address.chip, offset: address.offset, operation: "read edge event"))
        }
        return stream
    }

    func release() async { await core.releaseLine() }
}

/// One `events()` sequence of a rig input line; the edges arrive debounced and filtered by the rig.
struct RigEdgeSubscriber: GPIOEdgeSubscriber {
    let continuation: AsyncThrowingStream<GPIOEdgeEvent, any Error>.Continuation

    func feed(_ edges: some Sequence<GPIOEdgeEvent>) {
        for edge in edges { continuation.yield(edge) }
    }

    func finish(throwing error: (any Error)?) {
        continuation.finish(throwing: error)
    }
}

final class RigGPIOOutputLine: GPIOOutputLine {
    let configuration: GPIOOutputConfiguration
    private let core: RigLineCore
    var address: GPIOLineAddress { core.address }

    init(chip: RigGPIOChip, handle: Int, address: GPIOLineAddress, configuration: GPIOOutputConfiguration) {
        self.configuration = configuration
        core = RigLineCore(chip: chip, handle: handle, address: address)
    }

    func write(_ value: GPIOValue) async throws(GPIOError) {
        _ = try await core.call("gpio.write", "set value") { $0.value = value.isActive }
    }

    func read() async throws(GPIOError) -> GPIOValue {
        GPIOValue(try await core.call("gpio.read", "read").value ?? false)
    }

    func release() async { await core.releaseLine() }
}
