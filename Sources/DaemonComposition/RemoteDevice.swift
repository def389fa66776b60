public import AgentRuntime
public import ConfigSupport
public import Yams

/// Remote configuration of any device controller: the `device` section validated with the device's own reader, its
/// local-only `hardware` section refused when it differs from the local file, the rest applied by the controller.
public struct RemoteDevice<Controller: DeviceController>: RemotelyConfigurable {
    public typealias Settings = Controller.Configuration

    let controller: Controller
    /// Reads candidates against the local file's section, whose local-only part stays.
    let section: DeviceSectionReader<Controller.Configuration>

    public init(controller: Controller, local: Controller.Configuration) {
        self.controller = controller
        self.section = DeviceSectionReader(local: local)
    }

    public func read(_ reader: inout NodeReader, _ node: Node?, at path: JSONPath) -> Controller.Configuration? {
        section.read(&reader, node, at: path)
    }

    public func apply(_ settings: Controller.Configuration) async throws {
        try await controller.apply(settings)
    }

    public func isHealthy() async -> Bool { await controller.isHealthy }
}
