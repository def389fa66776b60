import AgentRuntime
import ConfigSupport
import Locking
import Yams

/// The example agent's "device": a heartbeat whose interval can be configured locally or remotely. It drives no
/// hardware, so its safe state is nothing at all.
final class ExampleDevice: DeviceController {
    struct Settings: DeviceConfiguration {
        var heartbeat: Duration = .seconds(60)
        /// Example agent only: makes the post-apply health check fail, so rollback can be exercised end to end.
        var simulateUnhealthy = false

        static var section: ConfigSection<Self> {
            ConfigSection(
                doc: "The example agent's device section.",
                keys: [
                    .integer("heartbeat_s", \.heartbeat, 1...86_400, "s", as: .seconds, doc: "Heartbeat period."),
                    .bool(
                        "simulate_unhealthy", \.simulateUnhealthy,
                        doc: "Fail the post-apply health check, to exercise rollback end to end."),
                ])
        }

        static func read(_ reader: inout NodeReader, _ node: Node?, at path: JSONPath) -> Settings? {
            section.read(&reader, node, at: path, defaults: Settings())
        }
    }

    private let current: Lock<Settings>

    init(_ settings: Settings) { current = Lock(settings) }

    var settings: Settings { current.withLock { $0 } }

    func start() async {}

    func apply(_ settings: Settings) async throws {
        current.withLock { $0 = settings }
    }

    var isHealthy: Bool { !settings.simulateUnhealthy }

    func enterSafeState() async {}
}
