public import AgentRuntime
public import VibrationLogic

extension VibrationConfiguration: DeclaredDeviceConfiguration {}

extension VibrationSettings: DeclaredSettings {}

extension VibrationController: DeviceController {
    public func apply(_ configuration: VibrationConfiguration) async throws {
        try checkCaptureSpace(configuration.settings)
        await apply(settings: configuration.settings)
    }

    /// The gauge drives no actuator: its safe state is simply to stop reading (the loops have ended by now).
    public func enterSafeState() async {}
}
