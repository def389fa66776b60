public import AgentRuntime
public import ChargerLogic

extension ChargerConfiguration: DeclaredDeviceConfiguration {}

extension ChargerSettings: DeclaredSettings {}

extension ChargerController: DeviceController {
    public func apply(_ configuration: ChargerConfiguration) async throws {
        await apply(settings: configuration.settings)
    }
}
