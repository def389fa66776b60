import Foundation
import NIOCore
import NIOPosix
import RigProtocol

/// Serves a `VirtualRig` on a Unix domain socket, one JSON object per line (see `RigMessage`).
public enum RigServer {
    /// Starts the rig's Modbus servers and physical models, binds `socketPath` (replacing a stale socket file) and
    /// serves until the task is cancelled. `ready` is called once the socket accepts connections.
    public static func run(rig: VirtualRig, socketPath: String, ready: @Sendable () -> Void = {}) async throws {
        try rig.startModbus()
        defer { rig.stopModbus() }
        let models = Task { await rig.runModels() }
        defer { models.cancel() }
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.backlog, value: 16)
            .bind(unixDomainSocketPath: socketPath, cleanupExistingSocketFile: true) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(LineDecoder()))
                    return try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        ready()
        try await withThrowingDiscardingTaskGroup { group in
            try await server.executeThenClose { connections in
                for try await connection in connections {
                    group.addTask { await serve(connection, rig: rig) }
                }
            }
        }
    }

    private static func serve(_ connection: NIOAsyncChannel<ByteBuffer, ByteBuffer>, rig: VirtualRig) async {
        try? await connection.executeThenClose { inbound, outbound in
            let writer = Writer(outbound)
            let session = RigSession(rig: rig) { message in await writer.write(message) }
            defer { Task { await session.close() } }
            for try await line in inbound {
                if let response = await session.respond(toLine: Array(line.readableBytesView)) {
                    await writer.write(response)
                }
            }
            await session.close()
        }
    }

    /// Serialises writes from responses and event subscriptions onto one connection.
    private actor Writer {
        let outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
        init(_ outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>) { self.outbound = outbound }
        func write(_ message: RigMessage) async {
            try? await outbound.write(ByteBuffer(bytes: RigCodec.encode(message)))
        }
    }
}
