public import AgentRuntime
public import CrosswalkLogic

extension CrosswalkConfiguration: DeclaredDeviceConfiguration {}

extension CrosswalkSettings: DeclaredSettings {}

extension CrosswalkController: DeviceController {
    public func apply(_ configuration: CrosswalkConfiguration) async throws {
        await apply(settings: configuration.settings)
    }
}
