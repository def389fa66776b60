import AgentRuntime
import ConfigSupport
import Synchronization
import Yams

/// The example agent's "device": a heartbeat whose interval can be configured locally or remotely.
final class ExampleDevice: RemotelyConfigurable {
    struct Settings: Sendable, Hashable {
        var heartbeat: Duration = .seconds(60)
        /// Example agent only: makes the post-apply health check fail, so rollback can be exercised end to end.
        var simulateUnhealthy = false
    }

    private let current: Mutex<Settings>

    init(_ settings: Settings) { current = Mutex(settings) }

    var settings: Settings { current.withLock { $0 } }

    func read(_ reader: inout NodeReader, _ node: Node?, at path: JSONPath) -> Settings? {
        var settings = Settings()
        guard let node else { return settings }
        guard let keys = reader.object(node, at: path, required: [], optional: ["heartbeat_s", "simulate_unhealthy"])
        else { return nil }
        var valid = true
        if let node = keys["heartbeat_s"] {
            if let seconds = reader.integer(node, at: path.appending("heartbeat_s"), in: 1...86_400, unit: "s") {
                settings.heartbeat = .seconds(seconds)
            } else {
                valid = false
            }
        }
        if let node = keys["simulate_unhealthy"] {
            if let flag = reader.bool(node, at: path.appending("simulate_unhealthy")) {
                settings.simulateUnhealthy = flag
            } else {
                valid = false
            }
        }
        return valid ? settings : nil
    }

    func apply(_ settings: Settings) async throws {
        current.withLock { $0 = settings }
    }

    func isHealthy() async -> Bool { !settings.simulateUnhealthy }
}

extension ExampleDevice.Settings: DeviceConfiguration {
    static func read(_ reader: inout NodeReader, _ node: Node?, at path: JSONPath) -> Self? {
        ExampleDevice(.init()).read(&reader, node, at: path)
    }
}

extension ExampleDevice: DeviceController {
    func start() async {}
    /// Nothing to drive, so nothing to make safe.
    func enterSafeState() async {}
    var isHealthy: Bool { get async { !settings.simulateUnhealthy } }
}
