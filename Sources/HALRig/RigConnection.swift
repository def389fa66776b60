public import HAL
import Locking
import NIOCore
import NIOPosix
public import RigProtocol

/// A daemon's connection to the virtual rig: requests with ids, responses matched back, and edge events routed to
/// the lines that subscribed (each line's `GPIOEdgeFanout`, which queues them until the line's `events()` is read).
/// One connection serves every GPIO chip and I²C bus of the rig.
///
/// The socket and its waiters live in a `RigWire`: a request is written straight to the channel and the response is
/// decoded on the channel's event loop, which resumes the waiting caller — one hop each way. A daemon's control loop
/// makes hundreds of transfers a second over this socket (chargerd's pilot: two ADC conversions every 10 ms), so each
/// extra task or actor hop per transfer showed up as a wake-up of another thread.
public actor RigConnection {
    public nonisolated let socketPath: String
    private nonisolated let wire: RigWire
    /// What `hello` said: the board id, chips and buses.
    public private(set) var hello = RigMessage()

    private init(socketPath: String, wire: RigWire) {
        self.socketPath = socketPath
        self.wire = wire
    }

    /// Connects and asks the rig what it simulates.
    public static func connect(socketPath: String) async throws(RigConnectionError) -> RigConnection {
        let wire = RigWire(socketPath: socketPath)
        let channel: any Channel
        do {
            channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandlers(
                            ByteToMessageHandler(LineDecoder()), RigInboundHandler(wire: wire))
                    }
                }
                .connect(unixDomainSocketPath: socketPath).get()
        } catch {
            throw RigConnectionError(socketPath: socketPath, detail: "connect: \(error)")
        }
        wire.attach(channel)
        let connection = RigConnection(socketPath: socketPath, wire: wire)
        let hello = await connection.request(RigMessage(op: "hello"))
        guard hello.ok == true else {
            throw RigConnectionError(socketPath: socketPath, detail: "hello refused: \(hello.error ?? "?")")
        }
        await connection.setHello(hello)
        return connection
    }

    private func setHello(_ message: RigMessage) { hello = message }

    /// Sends a request and waits for its response (a `failure` with code `connection` if the rig went away). Runs
    /// on the caller's executor: the connection's own state is not involved.
    public nonisolated(nonsending) func request(_ message: RigMessage) async -> RigMessage {
        await wire.request(message)
    }

    func registerEdges(_ handle: Int, _ sink: GPIOEdgeFanout<RigEdgeSubscriber>) {
        wire.registerEdges(handle, sink)
    }

    func unregisterEdges(_ handle: Int) {
        wire.unregisterEdges(handle)
    }

    /// The rig's GPIO chip with this name (label or name, as the board file opens it).
    public func gpioChip(named name: String) throws(GPIOError) -> RigGPIOChip {
        guard let info = hello.chips?.first(where: { $0.name == name }) else {
            throw GPIOError(
                .chipNotFound, chip: name, operation: "open",
                detail: "rig \(socketPath) has " + (hello.chips ?? []).map(\.name).joined(separator: ", "))
        }
        return RigGPIOChip(connection: self, name: info.name, lineCount: info.lines)
    }

    /// The rig's I²C bus with this device name (`sim-i2c-0`).
    public func i2cBus(named name: String) throws(I2CError) -> RigI2CBus {
        guard hello.buses?.contains(name) == true else {
            throw I2CError.busFailure(
                .busUnavailable, bus: name, operation: "open",
                detail: "rig \(socketPath) has " + (hello.buses ?? []).joined(separator: ", "))
        }
        return RigI2CBus(connection: self, name: name)
    }
}

/// The rig socket and who waits on it: requests by id, edge streams by line handle. Requests come from any task and
/// responses are handled on the channel's event loop, so the waiters are behind a lock (never held across I/O).
final class RigWire: Sendable {
    private struct State {
        var channel: (any Channel)?
        var pending: [Int: CheckedContinuation<RigMessage, Never>] = [:]
        var edgeSinks: [Int: GPIOEdgeFanout<RigEdgeSubscriber>] = [:]
        var nextID = 1
        var closed = false
    }

    let socketPath: String
    private let state = Lock(State())

    init(socketPath: String) { self.socketPath = socketPath }

    /// The connected channel; a channel that closed before this stays closed.
    func attach(_ channel: any Channel) {
        state.withLock { $0.channel = $0.closed ? nil : channel }
    }

    func request(_ message: RigMessage) async -> RigMessage {
        await withCheckedContinuation { continuation in
            let sending: (channel: any Channel, id: Int)? = state.withLock { state in
                guard !state.closed, let channel = state.channel else { return nil }
                let id = state.nextID
                state.nextID += 1
                state.pending[id] = continuation
                return (channel, id)
            }
            guard let sending else {
                continuation.resume(returning: .failure(nil, code: "connection", "rig connection \(socketPath) closed"))
                return
            }
            var message = message
            message.id = sending.id
            sending.channel.writeAndFlush(ByteBuffer(bytes: RigCodec.encode(message))).whenFailure { error in
                self.resume(sending.id, with: .failure(sending.id, code: "connection", "write: \(error)"))
            }
        }
    }

    private func resume(_ id: Int, with response: RigMessage) {
        state.withLock { $0.pending.removeValue(forKey: id) }?.resume(returning: response)
    }

    /// One line from the rig (on the event loop): a response for its waiter, or an edge event for its line.
    func dispatch(_ bytes: [UInt8]) {
        guard let message = try? RigCodec.decode(bytes) else { return }
        if let event = message.event, let handle = message.handle {
            switch event {
            case "gpio.edge":
                guard let ns = message.timestampNs else { return }
                let edge = GPIOEdgeEvent(
                    kind: message.kind == "falling" ? .falling : .rising, timestampNanoseconds: ns)
                state.withLock { $0.edgeSinks[handle] }?.feed(CollectionOfOne(edge))
            default:
                state.withLock { $0.edgeSinks.removeValue(forKey: handle) }?.finish(
                    throwing: RigConnectionError(socketPath: socketPath, detail: message.error ?? event))
            }
        } else if let id = message.id {
            resume(id, with: message)
        }
    }

    /// The socket closed: every waiting request fails, every edge stream ends, later requests fail at once.
    func closed() {
        let (pending, sinks) = state.withLock { state in
            state.closed = true
            state.channel = nil
            defer {
                state.pending = [:]
                state.edgeSinks = [:]
            }
            return (state.pending, state.edgeSinks)
        }
        for continuation in pending.values {
            continuation.resume(returning: .failure(nil, code: "connection", "rig connection \(socketPath) closed"))
        }
        for sink in sinks.values {
            sink.finish(throwing: RigConnectionError(socketPath: socketPath, detail: "connection closed"))
        }
    }

    func registerEdges(_ handle: Int, _ sink: GPIOEdgeFanout<RigEdgeSubscriber>) {
        state.withLock { state in
            defer { state.edgeSinks[handle] = sink }
            return state.edgeSinks[handle]
        }?.finish()
    }

    func unregisterEdges(_ handle: Int) {
        state.withLock { $0.edgeSinks.removeValue(forKey: handle) }?.finish()
    }
}

/// Hands each line the rig sends to the wire, on the event loop, and reports the socket closing.
private final class RigInboundHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    let wire: RigWire

    init(wire: RigWire) { self.wire = wire }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        wire.dispatch(Array(unwrapInboundIn(data).readableBytesView))
    }

    func channelInactive(context: ChannelHandlerContext) {
        wire.closed()
        context.fireChannelInactive()
    }

    /// A line too long or a socket error: the connection ends, as the rig would end it.
    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}

/// The rig could not be reached or went away.
public struct RigConnectionError: Error, Sendable, CustomStringConvertible {
    public var socketPath: String
    public var detail: String
    public var description: String { "rig \(socketPath): \(detail)" }
}
