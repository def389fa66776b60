import AgentRuntime
import DaemonComposition

/// A minimal daemon on the shared composition: announces itself, answers the built-in commands and publishes a
/// heartbeat. It is the runtime's end-to-end example and test subject; it drives no hardware.
@main
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
        await router.register("emit-events", arguments: EmitEvents.self) { args in
            guard (1...100_000).contains(args.count), (0...1_000).contains(args.intervalMs ?? 0) else {
                return .rejected(reason: "out-of-range", message: "count 1…100000, interval_ms 0…1000")
            }
            Task {
                for index in 1...args.count {
                    _ = try? await session.publishEvent(args.stream ?? "burst", ["index": .number(Double(index))])
                    if let interval = args.intervalMs, interval > 0 {
                        try? await Task.sleep(for: .milliseconds(interval))
                    }
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
