public import ModbusBridgeDevice

extension ModbusdConfiguration: PartsInventory {
    /// Every polled device by its own name, where it sits.
    public var parts: [ConfiguredPart] {
        hardware.devices.enumerated().compactMap { index, device in
            device.settings.map {
                ConfiguredPart(
                    name: device.name, configPath: "$.device.hardware.devices[\(index)]", kind: .modbus($0))
            }
        }
    }
}
