public import AgentRuntime
public import ConfigSupport
public import Yams

/// Remote configuration of any device controller: the `device` section validated with the device's own reader, its
/// local-only `hardware` part refused when it differs from the local file, the rest applied by the controller.
public struct RemoteDevice<Controller: DeviceController>: RemotelyConfigurable {
    public typealias Settings = Controller.Configuration

    let controller: Controller
    /// The local file's section, whose local-only part stays.
    let local: Controller.Configuration

    public init(controller: Controller, local: Controller.Configuration) {
        self.controller = controller
        self.local = local
    }

    public func read(_ reader: inout NodeReader, _ node: Node?, at path: JSONPath) -> Controller.Configuration? {
        guard let candidate = Controller.Configuration.read(&reader, node, at: path) else { return nil }
        // Refused at validation, with its path, so the operator sees `rejected` and nothing is applied.
        if candidate.hardware != local.hardware {
            reader.report(
                .invalidValue, at: path.appending("hardware"),
                expected: "the device's local hardware section unchanged (local configuration only)",
                found: "a different hardware section", node: hardwareNode(node))
            return nil
        }
        return candidate
    }

    public func apply(_ settings: Controller.Configuration) async throws {
        try await controller.apply(settings)
    }

    public func isHealthy() async -> Bool { await controller.isHealthy }

    private func hardwareNode(_ node: Node?) -> Node? {
        guard case .mapping(let mapping)? = node else { return node }
        return mapping["hardware"] ?? node
    }
}
