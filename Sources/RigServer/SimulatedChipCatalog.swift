import ADS1115
import ADXL345
import ADXL355
import AT24C02
import BME280
public import HAL
import INA219
import MCP23017
import PCA9685
import SPS30
import VEML7700

/// One kind of simulated chip a rig file may place on a bus: how to make it, which physical inputs a scenario or
/// model may set (with their defaults), and which outputs can be observed.
public struct SimulatedChipKind: Sendable {
    public let make: @Sendable () -> any SimulatedI2CChip
    /// Physical inputs, by name, with the value a fresh rig starts with.
    public let inputDefaults: [String: Double]
    /// Applies the complete set of inputs to a chip of this kind.
    let apply: @Sendable (any SimulatedI2CChip, [String: Double]) -> Void
    /// Observable outputs by name.
    let outputs: [String: @Sendable (any SimulatedI2CChip) -> Double]

    public var inputNames: [String] { inputDefaults.keys.sorted() }
    public var outputNames: [String] { outputs.keys.sorted() }

    init<Chip: SimulatedI2CChip>(
        _ make: @escaping @Sendable () -> Chip, inputs: [String: Double] = [:],
        apply: @escaping @Sendable (Chip, [String: Double]) -> Void = { _, _ in },
        outputs: [String: @Sendable (Chip) -> Double] = [:]
    ) {
        self.make = make
        self.inputDefaults = inputs
        self.apply = { chip, values in
            guard let chip = chip as? Chip else { return }
            apply(chip, values)
        }
        self.outputs = outputs.mapValues { read in
            { chip in (chip as? Chip).map(read) ?? .nan }
        }
    }
}

/// The simulated chips a rig file may place on a bus, by datasheet name. Each driver folder ships its chip; add it
/// here when a driver lands.
public enum SimulatedChipCatalog {
    public static let kinds: [String: SimulatedChipKind] = [
        "AT24C02": SimulatedChipKind({ SimulatedAT24C02() }),
        "BME280": SimulatedChipKind(
            { SimulatedBME280() }, inputs: ["temperature_c": 20, "humidity_pct": 50, "pressure_pa": 101_325],
            apply: { chip, values in
                chip.setEnvironment(
                    temperatureCelsius: values["temperature_c"] ?? 20,
                    pressurePascals: values["pressure_pa"] ?? 101_325,
                    humidityPercent: values["humidity_pct"] ?? 50)
            }),
        "VEML7700": SimulatedChipKind(
            { SimulatedVEML7700() }, inputs: ["lux": 200],
            apply: { chip, values in
                chip.setIlluminance(lux: values["lux"] ?? 0)
            }),
        "SPS30": SimulatedChipKind(
            { SimulatedSPS30() }, inputs: ["pm1": 4, "pm2_5": 8, "pm4": 10, "pm10": 14],
            apply: { chip, values in chip.setParticulates(particulates(values)) }),
        "INA219": SimulatedChipKind(
            { SimulatedINA219() }, inputs: ["bus_volts": 24, "amps": 0, "shunt_ohms": 0.1],
            apply: { chip, values in
                chip.setLoad(
                    busVolts: values["bus_volts"] ?? 0, amps: values["amps"] ?? 0,
                    shuntOhms: values["shunt_ohms"] ?? 0.1)
            }),
        "ADXL345": SimulatedChipKind(
            { SimulatedADXL345() }, inputs: ["x_g": 0, "y_g": 0, "z_g": 1],
            apply: { chip, values in
                chip.setAcceleration(x: values["x_g"] ?? 0, y: values["y_g"] ?? 0, z: values["z_g"] ?? 1)
            }),
        // Conversions come only from the rig's vibration model (or `x_g`…`z_g` for a static attitude).
        "ADXL355": SimulatedChipKind(
            { SimulatedADXL355(timing: .manual) }, inputs: ["x_g": 0, "y_g": 0, "z_g": 1],
            apply: { chip, values in
                chip.setAcceleration(x: values["x_g"] ?? 0, y: values["y_g"] ?? 0, z: values["z_g"] ?? 1)
            },
            outputs: [
                "fifo_entries": { Double($0.fifoEntryCount) }, "lost_fifo_entries": { Double($0.lostFIFOEntryCount) },
            ]),
        "ADS1115": SimulatedChipKind(
            { SimulatedADS1115() }, inputs: ["ain0": 0, "ain1": 0, "ain2": 0, "ain3": 0],
            apply: { chip, values in
                for channel in 0..<4 { chip.setInput(channel: channel, volts: values["ain\(channel)"] ?? 0) }
            }),
        // Pins the chip has as inputs follow `a`/`b` (one bit per pin, 0xFF = all high); outputs are observed as bytes.
        "MCP23017": SimulatedChipKind(
            { SimulatedMCP23017() }, inputs: ["a": 0xFF, "b": 0xFF],
            apply: { chip, values in
                for (port, key) in [(MCP23017.Port.a, "a"), (.b, "b")] {
                    let byte = UInt8(clamping: Int(values[key] ?? 255))
                    for pin in 0..<8 { chip.setInput(port: port, pin: pin, level: byte & (1 << UInt8(pin)) != 0) }
                }
            },
            outputs: ["a_out": { outputByte($0, .a) }, "b_out": { outputByte($0, .b) }]),
        "PCA9685": SimulatedChipKind(
            { SimulatedPCA9685() },
            outputs: Dictionary(
                uniqueKeysWithValues: (0..<16).map { channel in
                    ("duty\(channel)", { @Sendable (chip: SimulatedPCA9685) in chip.dutyCycle(channel: channel) })
                }
            ).merging(["frequency_hz": { @Sendable chip in chip.frequencyHertz }]) { first, _ in first }),
    ]

    public static var names: [String] { kinds.keys.sorted() }

    /// The levels an MCP23017 drives on a port, one bit per pin (pins it does not drive read 0).
    static func outputByte(_ chip: SimulatedMCP23017, _ port: MCP23017.Port) -> Double {
        Double(
            (0..<8).reduce(0) { byte, pin in byte | (chip.outputLevel(port: port, pin: pin) == true ? 1 << pin : 0) })
    }

    /// A plausible SPS30 reading for the given mass concentrations: number concentrations from a typical urban
    /// size distribution (about 6 particles/cm³ per µg/m³ below 1 µm), typical particle size 0.6 µm.
    static func particulates(_ values: [String: Double]) -> SPS30.Measurement {
        let pm1 = values["pm1"] ?? 0
        let pm25 = max(values["pm2_5"] ?? 0, pm1)
        let pm4 = max(values["pm4"] ?? 0, pm25)
        let pm10 = max(values["pm10"] ?? 0, pm4)
        return SPS30.Measurement(values: [
            pm1, pm25, pm4, pm10, pm1 * 5, pm1 * 6, pm25 * 6, pm4 * 6, pm10 * 6, 0.6,
        ])
    }
}
