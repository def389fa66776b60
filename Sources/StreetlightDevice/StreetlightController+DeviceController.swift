public import AgentRuntime

extension StreetlightConfiguration: DeviceConfiguration {
    /// Board names and addresses stay local: a wrong relay line set from afar could leave a street dark for good.
    public static var localSectionKey: String? { "hardware" }
    public var localSection: Hardware { hardware }
}

extension StreetlightController: DeviceController {
    public func apply(_ configuration: StreetlightConfiguration) async throws {
        await apply(settings: configuration.settings, environment: configuration.environment)
    }
}
