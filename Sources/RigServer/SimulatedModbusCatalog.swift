import FuelCellController
public import HAL
import SDM630

/// One simulated Modbus device: its register map, the physical inputs a scenario may set, observable outputs, and
/// how it advances with time.
public final class SimulatedModbusInstance: Sendable {
    public let device: SimulatedModbusDevice
    public let inputDefaults: [String: Double]
    let apply: @Sendable ([String: Double]) -> Void
    let outputs: [String: @Sendable () -> Double]
    let advance: @Sendable (Duration) -> Void

    init(
        device: SimulatedModbusDevice, inputs: [String: Double], apply: @escaping @Sendable ([String: Double]) -> Void,
        outputs: [String: @Sendable () -> Double], advance: @escaping @Sendable (Duration) -> Void
    ) {
        self.device = device
        self.inputDefaults = inputs
        self.apply = apply
        self.outputs = outputs
        self.advance = advance
    }

    public var inputNames: [String] { inputDefaults.keys.sorted() }
    public var outputNames: [String] { outputs.keys.sorted() }
}

/// The simulated Modbus devices a rig file may put on a line or a TCP port, by name.
public enum SimulatedModbusCatalog {
    /// - Parameter design: the rig file's `design` figures (names in `designKeys`).
    public static let factories: [String: @Sendable ([String: Double]) -> SimulatedModbusInstance] = [
        "SDM630": { _ in
            let meter = SimulatedSDM630()
            return SimulatedModbusInstance(
                device: meter.device,
                inputs: ["volts": 230, "amps_l1": 0, "amps_l2": 0, "amps_l3": 0, "power_factor": 1],
                apply: { values in
                    let volts = values["volts"] ?? 230
                    let factor = values["power_factor"] ?? 1
                    meter.setLoad(
                        volts: [volts, volts, volts],
                        amps: [values["amps_l1"] ?? 0, values["amps_l2"] ?? 0, values["amps_l3"] ?? 0],
                        powerFactor: [factor, factor, factor])
                },
                outputs: ["import_kwh": { meter.importKWh }], advance: { meter.advance(by: $0) })
        },
        "FuelCellController": { figures in
            var design = SimulatedFuelCellController.Design()
            if let seconds = figures["startup_s"] { design.startup = .milliseconds(Int64(seconds * 1000)) }
            if let seconds = figures["cool_down_s"] { design.coolDown = .milliseconds(Int64(seconds * 1000)) }
            if let seconds = figures["power_tau_s"] { design.powerTimeConstantSeconds = seconds }
            if let kilowatts = figures["rated_kw"] { design.ratedKW = kilowatts }
            let stack = SimulatedFuelCellController(design: design)
            return SimulatedModbusInstance(
                device: stack.device, inputs: ["h2_bar": 1.5, "h2_lel": 0, "cooling_failed": 0],
                apply: { values in
                    stack.setHydrogenSupply(bar: values["h2_bar"] ?? 1.5)
                    stack.setHydrogenConcentration(percentLEL: values["h2_lel"] ?? 0)
                    stack.setCoolingFailed((values["cooling_failed"] ?? 0) != 0)
                },
                outputs: [
                    "state": { Double(stack.state.rawValue) }, "electrical_kw": { stack.electricalKW },
                    "stack_c": { stack.stackCelsius }, "valve_open": { stack.hydrogenValveOpen ? 1 : 0 },
                ],
                advance: { stack.advance(by: $0) })
        },
    ]

    /// The design figures a rig file may set per device kind (`design:` in a `modbus` entry).
    public static let designKeys: [String: [String]] = [
        "FuelCellController": ["startup_s", "cool_down_s", "power_tau_s", "rated_kw"]
    ]

    public static var names: [String] { factories.keys.sorted() }
}
