import AT24C02
public import HAL

/// The simulated chips a rig file may place on a bus, by datasheet name. Each driver folder ships its chip; add it
/// here when a driver lands.
public enum SimulatedChipCatalog {
    public static let factories: [String: @Sendable () -> any SimulatedI2CChip] = [
        "AT24C02": { SimulatedAT24C02() }
    ]

    public static var names: [String] { factories.keys.sorted() }
}
