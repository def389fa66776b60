import Foundation
import HAL
import HALSim
import Locking

/// A fuel-cell plant's enclosure: one hydrogen concentration that both the leak detector's analog output (a 4–20 mA
/// transmitter across a shunt, read by the ADS1115) and the controller's own enclosure sensor see, and the
/// emergency-stop chain (normally closed: high while nobody pressed it). Quantities: `h2_lfl` (%LFL), `sensor_broken`
/// (the transmitter's loop open: 0 V), `e_stop_pressed`; output `sensor_volts`.
///
/// The E-stop line is driven only when `e_stop_pressed` changes (and at the first tick), so a scenario may also open
/// the chain with `set-input` directly.
final class FuelCellEnclosureModel: RigModel {
    let name = "fuel-cell"
    let adc: VirtualRig.Device
    let stack: VirtualRig.ModbusDevice
    let eStop: (chip: SimulatedGPIOChip, offset: GPIOLineOffset)
    private let numbers: [String: Double]
    private let state = Lock<State>(State())

    private struct State {
        var values: [String: Double] = ["h2_lfl": 0, "sensor_broken": 0, "e_stop_pressed": 0]
        /// The E-stop level last driven; nil before the first tick.
        var drivenPressed: Double?
    }

    init(
        adc: VirtualRig.Device, stack: VirtualRig.ModbusDevice,
        eStop: (chip: SimulatedGPIOChip, offset: GPIOLineOffset), numbers: [String: Double]
    ) {
        self.adc = adc
        self.stack = stack
        self.eStop = eStop
        self.numbers = numbers
        // The enclosure's state from the start, before the first tick: a daemon that starts at once must not read a
        // dead detector (0 V) or an open E-stop chain.
        tick(at: Date(), elapsed: .zero)
    }

    var quantityNames: [String] { ["h2_lfl", "sensor_broken", "e_stop_pressed", "sensor_volts"] }

    /// The transmitter's output across the shunt: live zero at 0 %LFL, full scale at `full_scale_lfl`; 0 V with the
    /// loop open.
    func sensorVolts(_ values: [String: Double]) -> Double {
        guard values["sensor_broken", default: 0] == 0 else { return 0 }
        let zero = numbers["zero_volts"] ?? 0.4
        let full = numbers["full_scale_volts"] ?? 2.0
        let lfl = min(max(values["h2_lfl", default: 0], 0), numbers["full_scale_lfl"] ?? 100)
        return zero + (full - zero) * lfl / (numbers["full_scale_lfl"] ?? 100)
    }

    func tick(at date: Date, elapsed: Duration) {
        let (values, pressed) = state.withLock { state -> ([String: Double], Double?) in
            let pressed = state.values["e_stop_pressed", default: 0]
            defer { state.drivenPressed = pressed }
            return (state.values, state.drivenPressed == pressed ? nil : pressed)
        }
        adc.model(["ain\(Int(numbers["adc_channel"] ?? 0))": sensorVolts(values)])
        stack.model(["h2_lel": values["h2_lfl", default: 0]])
        if let pressed { eStop.chip.setInputLevel(eStop.offset, high: pressed == 0) }
    }

    func set(_ quantity: String, to value: Double) -> Bool {
        switch quantity {
        case "h2_lfl": guard (0...100).contains(value) else { return false }
        case "sensor_broken", "e_stop_pressed": break
        default: return false
        }
        state.withLock { $0.values[quantity] = value }
        return true
    }

    func value(_ quantity: String) -> Double? {
        let values = state.withLock { $0.values }
        return quantity == "sensor_volts" ? sensorVolts(values) : values[quantity]
    }
}
