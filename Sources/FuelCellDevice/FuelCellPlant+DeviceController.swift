public import AgentRuntime
public import FuelCellLogic

extension FuelCellConfiguration: DeclaredDeviceConfiguration {}

extension FuelCellSettings: DeclaredSettings {}

extension FuelCellPlant: DeviceController {
    public func apply(_ configuration: FuelCellConfiguration) async throws {
        await apply(settings: configuration.settings)
    }
}
