public import AgentRuntime

extension CrosswalkConfiguration: DeviceConfiguration {}

extension CrosswalkController: DeviceController {
    public func apply(_ configuration: CrosswalkConfiguration) async throws {
        await apply(settings: configuration.settings)
    }
}
