public import AgentRuntime

extension StreetlightConfiguration: DeviceConfiguration {}

extension StreetlightController: DeviceController {
    public func apply(_ configuration: StreetlightConfiguration) async throws {
        await apply(settings: configuration.settings, environment: configuration.environment)
    }
}
