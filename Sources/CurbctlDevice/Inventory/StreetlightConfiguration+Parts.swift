import HAL
public import StreetlightDevice

extension StreetlightConfiguration: PartsInventory {
    /// The lamp relay (safe: on, as streetlightd starts it), the motion input, and the chips on the sensor head's bus.
    public var parts: [ConfiguredPart] {
        let map = hardware
        var parts: [ConfiguredPart] = [
            .hardware("relay", .output(line: map.relay, activeLow: map.relayActiveLow, safe: .active))
        ]
        if let motion = map.motion { parts.append(.hardware("motion", .input(line: motion, activeLow: false))) }
        let bus = map.i2cBus
        parts += [
            ConfiguredPart.chip("dimmer", bus: bus, map.dimmer, "PCA9685"),
            ConfiguredPart.chip("lux", bus: bus, map.lux, "VEML7700"),
            ConfiguredPart.chip("climate", bus: bus, map.climate, "BME280"),
            ConfiguredPart.chip("dust", bus: bus, map.dust, "SPS30"),
            ConfiguredPart.chip("meter", bus: bus, map.meter, "INA219"),
        ].compactMap { $0 }
        return parts
    }
}
