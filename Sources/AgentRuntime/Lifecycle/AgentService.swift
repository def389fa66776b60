public import ServiceLifecycle

/// Runs an `AgentSession` as a `Service`: on graceful shutdown (SIGTERM/SIGINT through the `ServiceGroup`) it
/// publishes `offline`, waits briefly for the broker's acknowledgement and disconnects cleanly.
public struct AgentService: Service {
    public let session: AgentSession

    public init(session: AgentSession) { self.session = session }

    public func run() async throws {
        await withGracefulShutdownHandler {
            await session.run()
        } onGracefulShutdown: {
            Task { await session.shutdown() }
        }
    }
}
