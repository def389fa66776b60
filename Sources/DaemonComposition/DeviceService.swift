import AgentRuntime
import Logging
import ServiceLifecycle

/// A daemon's loops as one service, and the stop every daemon makes in the same order: stop taking commands and
/// desired configurations (those in flight are cancelled and awaited) → end the loops → the controller's safe state →
/// the daemon's own `stopped` step. The session's service, shut down after this one, then flushes the outbox and
/// publishes `offline`.
struct DeviceService<Controller: DeviceController>: Service {
    let controller: Controller
    let loops: [DeviceLoop]
    let session: AgentSession
    let health: HealthRegistry
    let logger: Logger
    let stopped: @Sendable () async -> Void

    func run() async throws {
        await withDiscardingTaskGroup { group in
            for loop in loops {
                group.addTask { await loop.run(logger, health) }
            }
            // Returns on graceful shutdown, throws when the group is cancelled instead (another service failed):
            // the stop below runs either way.
            try? await gracefulShutdown()
            await session.stopTakingRequests()
            group.cancelAll()
        }
        // Not inheriting this task's cancellation: the safe state must be written even when the group was cancelled.
        await Task {
            await controller.enterSafeState()
            logger.notice("outputs in their safe state")
            await stopped()
        }.value
    }
}
