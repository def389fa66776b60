import DaemonComposition
public import FuelCellDevice
import FuelCellLogic
import HAL

extension FuelCellConfiguration: PartsInventory {
    /// The H₂ valve and the ventilation fan at their safe level (closed, running, as fuelcelld requests them), the
    /// leak contact, the E-stop chain and the fault-reset key, the H₂ detector's ADS1115 and the controller.
    public var parts: [ConfiguredPart] {
        let map = hardware
        let safe = FuelCellOutputs.safe
        func input(_ key: String, _ line: String?) -> ConfiguredPart? {
            line.map { .hardware(key, .input(line: $0, activeLow: map.inputsActiveLow)) }
        }
        let parts: [ConfiguredPart?] = [
            .hardware("valve", .output(line: map.valve, activeLow: false, safe: GPIOValue(safe.valveOpen))),
            .hardware(
                "ventilation", .output(line: map.ventilation, activeLow: false, safe: GPIOValue(safe.ventilation))),
            input("leak_contact", map.leakContact), input("e_stop", map.emergencyStop),
            input("fault_reset", map.faultReset),
            ConfiguredPart.chip("h2_sensor", bus: map.h2Sensor.bus, map.h2Sensor.address, "ADS1115"),
            ModbusDeviceSettings(placement: map.controller).map { .hardware("controller", .modbus($0)) },
        ]
        return parts.compactMap { $0 }
    }
}
