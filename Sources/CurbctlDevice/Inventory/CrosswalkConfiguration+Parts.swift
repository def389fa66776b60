public import CrosswalkDevice
import HAL

extension CrosswalkConfiguration: PartsInventory {
    /// Every detector, button and signal input, and every output at the level crosswalkd's safe state gives it.
    public var parts: [ConfiguredPart] {
        let map = hardware
        func input(_ key: String, _ line: String?) -> ConfiguredPart? {
            line.map { .hardware(key, .input(line: $0, activeLow: map.inputsActiveLow)) }
        }
        var parts: [ConfiguredPart?] = []
        for (index, zone) in map.zones.enumerated() {
            parts.append(input("zones[\(index)].presence", zone.presence))
            parts.append(input("zones[\(index)].heartbeat", zone.heartbeat))
        }
        for (index, button) in map.buttons.enumerated() { parts.append(input("buttons[\(index)].line", button.line)) }
        parts += [
            input("stop_line", map.stopLine), input("walk_phase", map.walkPhase), input("fault_reset", map.faultReset),
        ]
        for (key, line) in map.outputs {
            let safe = GPIOValue(CrosswalkController.safeOutputs[key] ?? false)
            parts.append(line.map { .hardware(key, .output(line: $0, activeLow: false, safe: safe)) })
        }
        // Beacons on a PCA9685 instead of GPIO lines.
        parts.append(
            ConfiguredPart.chip("beacon_dimmer", bus: map.beaconDimmer.i2cBus, map.beaconDimmer.address, "PCA9685"))
        return parts.compactMap { $0 }
    }
}
