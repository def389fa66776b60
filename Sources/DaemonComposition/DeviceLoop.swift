import AgentRuntime
public import HAL
public import Logging

/// One of a daemon's loops: a step on a fixed period, or a handler for a GPIO line's edge events. The composition runs
/// them all in one service and ends them before the safe state is applied.
public struct DeviceLoop: Sendable {
    public let name: String
    let run: @Sendable (Logger, HealthRegistry) async -> Void

    /// A loop of the daemon's own making; it must return once its task is cancelled.
    public init(name: String, run: @escaping @Sendable (Logger) async -> Void) {
        self.name = name
        self.run = { logger, _ in await run(logger) }
    }

    private init(name: String, running: @escaping @Sendable (Logger, HealthRegistry) async -> Void) {
        self.name = name
        self.run = running
    }

    /// Edges waiting for a slow handler at most; older ones are dropped first (the newest tells the current level).
    static let edgeBacklog = 64

    /// Calls `step` every `period`, starting at once. Ticks are kept on a fixed grid; a step that overruns skips the
    /// ticks it missed instead of running them back to back.
    public static func every(_ period: Duration, _ name: String, _ step: @escaping @Sendable () async -> Void)
        -> DeviceLoop
    {
        DeviceLoop(name: name) { _ in
            let clock = ContinuousClock()
            var next = clock.now
            while !Task.isCancelled {
                await step()
                next += period
                let now = clock.now
                if next < now {
                    let behind = (now - next).totalNanoseconds
                    next += period * Int(behind / period.totalNanoseconds + 1)
                }
                do {
                    try await Task.sleep(until: next, clock: clock)
                } catch {
                    return
                }
            }
        }
    }

    /// Handles every edge event of `line` until the daemon stops; a failing event stream is logged once.
    ///
    /// A pump takes the line's events as they come into a bounded backlog the handler works through: a handler
    /// slower than the line (a FIFO drain per interrupt, an undebounced contact) costs the oldest waiting edges, each
    /// counted in `telemetry/health` as `edge_events_dropped` by line, never unbounded memory.
    public static func edges(
        of line: any GPIOInputLine, _ name: String, _ handle: @escaping @Sendable (GPIOEdgeEvent) async -> Void
    ) -> DeviceLoop {
        DeviceLoop(name: name) { logger, health in
            let (backlog, pending) = AsyncStream.makeStream(
                of: GPIOEdgeEvent.self, bufferingPolicy: .bufferingNewest(edgeBacklog))
            let key = "\(line.address)"
            await withDiscardingTaskGroup { group in
                group.addTask {
                    do {
                        for try await event in line.events() {
                            if case .dropped = pending.yield(event) {
                                await health.count("edge_events_dropped", for: key)
                            }
                        }
                    } catch {
                        logger.error("\(name): events ended", metadata: ["line": "\(key)", "error": "\(error)"])
                    }
                    pending.finish()
                }
                for await event in backlog {
                    if Task.isCancelled { break }
                    await handle(event)
                }
                group.cancelAll()
            }
        }
    }
}
