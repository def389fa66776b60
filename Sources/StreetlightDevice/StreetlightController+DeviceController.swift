public import AgentRuntime
public import StreetlightLogic

extension StreetlightConfiguration: DeclaredDeviceConfiguration {}

extension StreetlightSettings: DeclaredSettings {}

extension StreetlightController: DeviceController {
    public func apply(_ configuration: StreetlightConfiguration) async throws {
        await apply(settings: configuration.settings, environment: configuration.environment)
    }
}
