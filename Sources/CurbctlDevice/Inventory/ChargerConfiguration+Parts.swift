public import ChargerDevice
import DaemonComposition
import HAL

extension ChargerConfiguration: PartsInventory {
    /// The contactor and the cable lock at their safe level (open, released, as chargerd requests them), the RCD and
    /// the two feedback inputs, the pilot's PCA9685 and ADS1115, and the energy meter.
    public var parts: [ConfiguredPart] {
        let map = hardware
        var parts: [ConfiguredPart?] = [
            .hardware("contactor", .output(line: map.contactor, activeLow: false, safe: .inactive)),
            .hardware("lock", .output(line: map.lock, activeLow: false, safe: .inactive)),
            .hardware("contactor_feedback", .input(line: map.contactorFeedback, activeLow: false)),
            .hardware("rcd", .input(line: map.rcd, activeLow: false)),
            .hardware("lock_feedback", .input(line: map.lockFeedback, activeLow: false)),
            ConfiguredPart.chip("pwm", bus: map.i2cBus, map.pwm, "PCA9685"),
            ConfiguredPart.chip("adc", bus: map.i2cBus, map.adc, "ADS1115"),
        ]
        parts.append(ModbusDeviceSettings(placement: map.meter).map { .hardware("meter", .modbus($0)) })
        return parts.compactMap { $0 }
    }
}
