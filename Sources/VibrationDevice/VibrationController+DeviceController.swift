public import AgentRuntime

extension VibrationConfiguration: DeviceConfiguration {
    /// The accelerometer's bus, address and interrupt line stay local.
    public static var localSectionKey: String? { "hardware" }
    public var localSection: Hardware { hardware }
}

extension VibrationController: DeviceController {
    public func apply(_ configuration: VibrationConfiguration) async throws {
        await apply(settings: configuration.settings)
    }

    /// The gauge drives no actuator: its safe state is simply to stop reading (the loops have ended by now).
    public func enterSafeState() async {}
}
