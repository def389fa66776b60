public import HAL
public import Logging

/// One of a daemon's loops: a step on a fixed period, or a handler for a GPIO line's edge events. The composition runs
/// them all in one service and ends them before the safe state is applied.
public struct DeviceLoop: Sendable {
    public let name: String
    let run: @Sendable (Logger) async -> Void

    /// A loop of the daemon's own making; it must return once its task is cancelled.
    public init(name: String, run: @escaping @Sendable (Logger) async -> Void) {
        self.name = name
        self.run = run
    }

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
    public static func edges(
        of line: any GPIOInputLine, _ name: String, _ handle: @escaping @Sendable (GPIOEdgeEvent) async -> Void
    ) -> DeviceLoop {
        DeviceLoop(name: name) { logger in
            do {
                for try await event in line.events() {
                    if Task.isCancelled { return }
                    await handle(event)
                }
            } catch {
                logger.error("\(name): events ended", metadata: ["line": "\(line.address)", "error": "\(error)"])
            }
        }
    }
}
