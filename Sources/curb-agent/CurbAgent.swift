import AgentRuntime
public import DaemonComposition
import Logging

/// curb-agent, for its own executable (Sources/Executables/curb-agent) and the multi-call `curbside`.
public let daemon: any DeviceDaemon.Type = CurbAgent.self

/// A minimal daemon on the shared composition: announces itself, answers the built-in commands and publishes a
/// heartbeat. It is the runtime's end-to-end example and test subject; it drives no hardware.
enum CurbAgent: DeviceDaemon {
    static let name = "curb-agent"
    static let summary = "Curbside example agent (runtime only, no hardware)."

    static func openParts(_ configuration: ExampleDevice.Settings, from hardware: DeviceHardware) async throws {}

    static func makeController(_ configuration: ExampleDevice.Settings, parts: Void, context: DaemonContext) async
        -> ExampleDevice
    {
        ExampleDevice(configuration)
    }

    /// Example agent only: `emit-events` publishes a burst of QoS 1 events, to exercise delivery through outages.
    static func registerCommands(on router: CommandRouter, controller: ExampleDevice, context: DaemonContext) async {
        let session = context.session
        let logger = context.logger
        await router.register("emit-events", arguments: EmitEvents.self) { args in
            guard (1...100_000).contains(args.count), (0...1_000).contains(args.intervalMs ?? 0) else {
                return .rejected(reason: "out-of-range", message: "count 1…100000, interval_ms 0…1000")
            }
            let stream = args.stream ?? "burst"
            Task {
                var refused = 0
                var firstError: (any Error)?
                for index in 1...args.count {
                    do {
                        try await session.publishEvent(stream, ["index": .number(Double(index))])
                    } catch {
                        // Not stored (a full card, say): the event is lost, so say so instead of counting it as sent.
                        refused += 1
                        if firstError == nil {
                            firstError = error
                            logger.error(
                                "emit-events: event \(index) of \(args.count) on event/\(stream) not stored",
                                metadata: ["error": "\(error)"])
                        }
                    }
                    if let interval = args.intervalMs, interval > 0 {
                        try? await Task.sleep(for: .milliseconds(interval))
                    }
                }
                if let firstError {
                    logger.error(
                        "emit-events: \(refused) of \(args.count) events on event/\(stream) not stored",
                        metadata: ["error": "\(firstError)"])
                }
            }
            return .accepted(["emitting": .number(Double(args.count))])
        }
    }

    /// `telemetry/heartbeat` with the uptime, one (remotely configurable) interval after start and every one after.
    static func loops(_ controller: ExampleDevice, parts: Void, context: DaemonContext) async -> [DeviceLoop] {
        [
            DeviceLoop(name: "heartbeat") { _ in
                let start = ContinuousClock.now
                while true {
                    do {
                        try await Task.sleep(for: controller.settings.heartbeat)
                    } catch {
                        return
                    }
                    let uptime = ContinuousClock.now - start
                    _ = try? await context.session.publishTelemetry(
                        "heartbeat", ["uptime_s": .number(Double(uptime.components.seconds))])
                }
            }
        ]
    }
}

/// Arguments of the example agent's `emit-events` command.
struct EmitEvents: SnakeCaseArguments, Sendable {
    var count: Int
    var stream: String?
    var intervalMs: Int?
}
