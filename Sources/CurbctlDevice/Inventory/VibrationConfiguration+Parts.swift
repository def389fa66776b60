public import VibrationDevice

extension VibrationConfiguration: PartsInventory {
    /// The accelerometer and its data-ready line.
    public var parts: [ConfiguredPart] {
        [
            ConfiguredPart.chip("address", bus: hardware.i2cBus, hardware.address, "ADXL355", role: "accelerometer"),
            .hardware("interrupt", .input(line: hardware.interrupt, activeLow: false)),
        ].compactMap { $0 }
    }
}
