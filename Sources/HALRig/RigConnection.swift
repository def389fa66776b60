public import HAL
import NIOCore
import NIOPosix
public import RigProtocol

/// A daemon's connection to the virtual rig: requests with ids, responses matched back, and edge events routed to
/// the lines that subscribed (each line's `GPIOEdgeFanout`, which queues them until the line's `events()` is read).
/// One connection serves every GPIO chip and I²C bus of the rig.
public actor RigConnection {
    public let socketPath: String
    private var outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>?
    private var pending: [Int: CheckedContinuation<RigMessage, Never>] = [:]
    private var edgeSinks: [Int: GPIOEdgeFanout<RigEdgeSubscriber>] = [:]
    private var nextID = 1
    private var closed = false
    /// What `hello` said: the board id, chips and buses.
    public private(set) var hello = RigMessage()

    private init(socketPath: String) { self.socketPath = socketPath }

    /// Connects and asks the rig what it simulates.
    public static func connect(socketPath: String) async throws(RigConnectionError) -> RigConnection {
        let channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>
        do {
            channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connect(unixDomainSocketPath: socketPath) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(LineDecoder()))
                        return try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                    }
                }
        } catch {
            throw RigConnectionError(socketPath: socketPath, detail: "connect: \(error)")
        }
        let connection = RigConnection(socketPath: socketPath)
        await connection.start(channel)
        let hello = await connection.request(RigMessage(op: "hello"))
        guard hello.ok == true else {
            throw RigConnectionError(socketPath: socketPath, detail: "hello refused: \(hello.error ?? "?")")
        }
        await connection.setHello(hello)
        return connection
    }

    private func setHello(_ message: RigMessage) { hello = message }

    private func start(_ channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>) async {
        await withCheckedContinuation { (ready: CheckedContinuation<Void, Never>) in
            Task {
                try? await channel.executeThenClose { inbound, outbound in
                    self.attach(outbound)
                    ready.resume()
                    for try await line in inbound {
                        self.dispatch(Array(line.readableBytesView))
                    }
                }
                self.connectionClosed()
            }
        }
    }

    private func attach(_ writer: NIOAsyncChannelOutboundWriter<ByteBuffer>) { outbound = writer }

    private func dispatch(_ bytes: [UInt8]) {
        guard let message = try? RigCodec.decode(bytes) else { return }
        if let event = message.event, let handle = message.handle {
            switch event {
            case "gpio.edge":
                guard let ns = message.timestampNs else { return }
                edgeSinks[handle]?.feed(
                    CollectionOfOne(
                        GPIOEdgeEvent(kind: message.kind == "falling" ? .falling : .rising, timestampNanoseconds: ns)))
            default:
                edgeSinks.removeValue(forKey: handle)?.finish(
                    throwing: RigConnectionError(socketPath: socketPath, detail: message.error ?? event))
            }
        } else if let id = message.id {
            pending.removeValue(forKey: id)?.resume(returning: message)
        }
    }

    private func connectionClosed() {
        closed = true
        for continuation in pending.values {
            continuation.resume(returning: .failure(nil, code: "connection", "rig connection \(socketPath) closed"))
        }
        pending = [:]
        for sink in edgeSinks.values {
            sink.finish(throwing: RigConnectionError(socketPath: socketPath, detail: "connection closed"))
        }
        edgeSinks = [:]
    }

    /// Sends a request and waits for its response (a `failure` with code `connection` if the rig went away).
    public func request(_ message: RigMessage) async -> RigMessage {
        guard !closed, let outbound else {
            return .failure(nil, code: "connection", "rig connection \(socketPath) closed")
        }
        var message = message
        let id = nextID
        nextID += 1
        message.id = id
        let bytes = RigCodec.encode(message)
        return await withCheckedContinuation { continuation in
            pending[id] = continuation
            Task {
                do {
                    try await outbound.write(ByteBuffer(bytes: bytes))
                } catch {
                    self.fail(id, "write: \(error)")
                }
            }
        }
    }

    private func fail(_ id: Int, _ detail: String) {
        pending.removeValue(forKey: id)?.resume(returning: .failure(id, code: "connection", detail))
    }

    func registerEdges(_ handle: Int, _ edges: GPIOEdgeFanout<RigEdgeSubscriber>) {
        edgeSinks[handle]?.finish()
        edgeSinks[handle] = edges
    }

    func unregisterEdges(_ handle: Int) {
        edgeSinks.removeValue(forKey: handle)?.finish()
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

/// The rig could not be reached or went away.
public struct RigConnectionError: Error, Sendable, CustomStringConvertible {
    public var socketPath: String
    public var detail: String
    public var description: String { "rig \(socketPath): \(detail)" }
}
