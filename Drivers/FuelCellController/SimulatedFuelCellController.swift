public import HAL
import Locking

/// A simulated fuel-cell controller behind the generic register map: a stack that starts, ramps electrical and heat
/// output toward the set-point with first-order dynamics, warms and cools, and trips on the faults the map defines.
///
/// Time is explicit: the rig or a test calls `advance(by:)`. Inputs a test can drive: H₂ supply pressure, H₂
/// concentration in the enclosure, a cooling failure. Attach `device` to a `SimulatedModbusLine` (or serve it over
/// TCP) at the controller's unit ID.
public final class SimulatedFuelCellController: Sendable {
    /// The stack's design figures.
    public struct Design: Sendable, Hashable {
        public var ratedKW: Double = 5
        public var cells: Int = 48
        /// Open-circuit and rated-load cell voltage (a linear polarisation curve between them).
        public var openCircuitCellVolts: Double = 0.95
        public var ratedCellVolts: Double = 0.65
        /// Time from run request to power, and the cool-down after a stop.
        public var startup: Duration = .seconds(10)
        public var coolDown: Duration = .seconds(10)
        /// Time constant of electrical output toward the set-point.
        public var powerTimeConstantSeconds: Double = 5
        /// Time constant of the stack temperature.
        public var thermalTimeConstantSeconds: Double = 60
        public var ambientCelsius: Double = 20
        public var overTemperatureCelsius: Double = 80
        public var minimumHydrogenBar: Double = 0.3
        /// H₂ in the enclosure: warning at 10 %LEL, leak (emergency stop) at 25 %LEL — the usual two-stage gas
        /// alarm thresholds.
        public var hydrogenWarningLEL: Double = 10
        public var hydrogenLeakLEL: Double = 25

        public init() {}
    }

    public let device = SimulatedModbusDevice()
    public let design: Design

    private struct Physics {
        var state: FuelCellController.State = .off
        var faults: FuelCellController.Faults = []
        var electricalKW: Double = 0
        var stackCelsius: Double
        var hydrogenBar: Double = 1.5
        var hydrogenLEL: Double = 0
        var coolingFailed = false
        var inState: Duration = .zero
        var sinceHoldingWrite: Duration = .zero
        var resetRequested = false
        var operatingSeconds: Double = 0
        var producedKWh: Double = 0
    }

    private let physics: Lock<Physics>

    public init(design: Design = Design()) {
        self.design = design
        self.physics = Lock(Physics(stackCelsius: design.ambientCelsius))
        typealias Map = FuelCellController.Map
        device.define(.coils, at: 0, bits: [false, false, false])
        device.define(.discreteInputs, at: 0, bits: Array(repeating: false, count: Map.DiscreteInput.count))
        device.define(.inputRegisters, at: 0, registers: Array(repeating: 0, count: Map.InputRegister.count))
        device.define(.holdingRegisters, at: 0, registers: Array(repeating: 0, count: Map.HoldingRegister.count))
        let rated = design.ratedKW
        device.validateWrites { request in
            // The set-point must be a float in 0…rated, written as a pair (function 16).
            guard request.table == .holdingRegisters, request.address == Map.HoldingRegister.powerSetpointKW else {
                return nil
            }
            guard case .writeMultipleRegisters(_, let values) = request, values.count >= 2 else {
                return .illegalDataValue
            }
            let kilowatts = Double(ModbusWordOrder.bigEndian.float32(values[0], values[1]))
            return kilowatts.isFinite && (0...rated).contains(kilowatts) ? nil : .illegalDataValue
        }
        device.onWrite { [weak self] table, address, _ in
            self?.physics.withLock { physics in
                if table == .holdingRegisters { physics.sinceHoldingWrite = .zero }
                if table == .coils && address == Map.Coil.resetFaults { physics.resetRequested = true }
            }
        }
        publish()
    }

    // MARK: Inputs

    public func setHydrogenSupply(bar: Double) {
        physics.withLock { $0.hydrogenBar = bar }
        publish()
    }

    public func setHydrogenConcentration(percentLEL: Double) {
        physics.withLock { $0.hydrogenLEL = percentLEL }
        publish()
    }

    public func setCoolingFailed(_ failed: Bool) {
        physics.withLock { $0.coolingFailed = failed }
    }

    // MARK: Observation

    public var state: FuelCellController.State { physics.withLock { $0.state } }
    public var electricalKW: Double { physics.withLock { $0.electricalKW } }
    public var stackCelsius: Double { physics.withLock { $0.stackCelsius } }
    public var faults: FuelCellController.Faults { physics.withLock { $0.faults } }
    public var hydrogenValveOpen: Bool { Self.valveOpen(physics.withLock { $0.state }) }

    // MARK: Time

    /// Runs the controller and the stack for `duration` of simulated time, in 100 ms steps.
    public func advance(by duration: Duration) {
        var left = duration
        let step = Duration.milliseconds(100)
        while left > .zero {
            let slice = min(step, left)
            self.step(slice)
            left -= slice
        }
        publish()
    }

    private func step(_ slice: Duration) {
        typealias Map = FuelCellController.Map
        let coils = device.bits(.coils, at: 0, count: 3)
        var runRequested = coils[0] == true
        let emergency = coils[2] == true
        let watchdog = device.registers(.holdingRegisters, at: Map.HoldingRegister.watchdogSeconds, count: 1)[0] ?? 0
        let setpointRegisters = device.registers(.holdingRegisters, at: Map.HoldingRegister.powerSetpointKW, count: 2)
        let setpoint = Double(
            ModbusWordOrder.bigEndian.float32(setpointRegisters[0] ?? 0, setpointRegisters[1] ?? 0))
        let seconds = slice.totalSeconds
        var clearResetCoil = false
        var clearRunCoil = false

        physics.withLock { p in
            p.inState += slice
            p.sinceHoldingWrite += slice
            func enter(_ state: FuelCellController.State) {
                p.state = state
                p.inState = .zero
            }
            // Causes that trip whatever the state.
            if p.hydrogenLEL >= design.hydrogenLeakLEL { p.faults.insert(.hydrogenLeak) }
            if p.stackCelsius > design.overTemperatureCelsius { p.faults.insert(.overTemperature) }
            let producing = p.state == .starting || p.state == .running
            if producing && p.hydrogenBar < design.minimumHydrogenBar { p.faults.insert(.hydrogenPressureLow) }
            if producing && watchdog > 0 && p.sinceHoldingWrite > .seconds(Int(watchdog)) {
                p.faults.insert(.communicationLost)
            }
            if p.resetRequested {
                p.resetRequested = false
                clearResetCoil = true
                // Only causes that are gone clear; a standing cause stays latched.
                var standing: FuelCellController.Faults = []
                if p.hydrogenLEL >= design.hydrogenLeakLEL { standing.insert(.hydrogenLeak) }
                if p.stackCelsius > design.overTemperatureCelsius { standing.insert(.overTemperature) }
                if p.hydrogenBar < design.minimumHydrogenBar { standing.insert(.hydrogenPressureLow) }
                p.faults = standing
                if standing.isEmpty && (p.state == .fault || p.state == .emergencyStop) && !emergency {
                    enter(.off)
                    // A reset never restarts the stack: the run request is cleared with it.
                    clearRunCoil = true
                    runRequested = false
                }
            }

            if emergency || p.faults.contains(.hydrogenLeak) {
                if p.state != .emergencyStop { enter(.emergencyStop) }
            } else if !p.faults.isEmpty {
                if p.state != .fault && p.state != .emergencyStop { enter(.fault) }
            }

            switch p.state {
            case .off:
                if runRequested && p.faults.isEmpty { enter(.starting) }
            case .starting:
                if !runRequested {
                    enter(.stopping)
                } else if p.inState >= design.startup {
                    enter(.running)
                }
            case .running:
                if !runRequested { enter(.stopping) }
            case .stopping:
                if runRequested && p.electricalKW < 0.01 {
                    enter(.starting)
                } else if p.inState >= design.coolDown && p.electricalKW < 0.01 {
                    enter(.off)
                }
            case .fault, .emergencyStop:
                break
            }

            // Electrical output: first-order toward the target; a trip cuts it at once.
            let target = p.state == .running ? min(max(setpoint, 0), design.ratedKW) : 0
            if p.state == .fault || p.state == .emergencyStop {
                p.electricalKW = 0
            } else {
                let alpha = Self.firstOrderGain(seconds, design.powerTimeConstantSeconds)
                p.electricalKW += (target - p.electricalKW) * alpha
                if p.electricalKW < 0.001 && target == 0 { p.electricalKW = 0 }
            }
            // Stack temperature: ambient plus a rise with load; a failed cooling loop adds 50 K.
            let load = p.electricalKW / design.ratedKW
            var thermalTarget = design.ambientCelsius + (p.state == .off ? 0 : 15) + 40 * load
            if p.coolingFailed && p.state != .off { thermalTarget += 50 }
            let thermalAlpha = Self.firstOrderGain(seconds, design.thermalTimeConstantSeconds)
            p.stackCelsius += (thermalTarget - p.stackCelsius) * thermalAlpha
            if p.state == .running { p.operatingSeconds += seconds }
            p.producedKWh += p.electricalKW * seconds / 3600
        }
        if clearResetCoil { device.set(.coils, at: Map.Coil.resetFaults, bits: [false]) }
        if clearRunCoil { device.set(.coils, at: Map.Coil.run, bits: [false]) }
    }

    /// 1 − e^(−Δt/τ), the step gain of a first-order lag, from the series: the driver modules avoid Foundation, and
    /// for Δt ≪ τ (100 ms steps, τ ≥ 5 s) four terms are exact to float precision.
    static func firstOrderGain(_ step: Double, _ timeConstant: Double) -> Double {
        let x = step / timeConstant
        return x - x * x / 2 + x * x * x / 6 - x * x * x * x / 24
    }

    private static func valveOpen(_ state: FuelCellController.State) -> Bool {
        state == .starting || state == .running || state == .stopping
    }

    /// Writes the physics into the register map.
    private func publish() {
        typealias Map = FuelCellController.Map
        let p = physics.withLock { $0 }
        let current = stackAmps(p)
        let volts = current > 0 || Self.valveOpen(p.state) ? stackVolts(amps: current) : 0
        var registers = [UInt16](repeating: 0, count: Map.InputRegister.count)
        func put(_ address: RegisterAddress, _ value: Double) {
            let pair = ModbusWordOrder.bigEndian.registers(Float(value))
            registers[Int(address.rawValue)] = pair[0]
            registers[Int(address.rawValue) + 1] = pair[1]
        }
        registers[Int(Map.InputRegister.state.rawValue)] = p.state.rawValue
        registers[Int(Map.InputRegister.faults.rawValue)] = p.faults.rawValue
        registers[Int(Map.InputRegister.warnings.rawValue)] = p.hydrogenLEL >= design.hydrogenWarningLEL ? 1 : 0
        put(Map.InputRegister.stackVolts, volts)
        put(Map.InputRegister.stackAmps, current)
        put(Map.InputRegister.stackCelsius, p.stackCelsius)
        put(Map.InputRegister.electricalKW, p.electricalKW)
        // Roughly 45 % electrical and 50 % thermal efficiency: heat ≈ 1.1 × electrical output.
        put(Map.InputRegister.heatKW, p.electricalKW * 1.1)
        put(Map.InputRegister.hydrogenInletBar, p.hydrogenBar)
        put(Map.InputRegister.hydrogenConcentrationPercentLEL, p.hydrogenLEL)
        let hours = ModbusWordOrder.bigEndian.registers(UInt32(p.operatingSeconds / 3600))
        registers[Int(Map.InputRegister.operatingHours.rawValue)] = hours[0]
        registers[Int(Map.InputRegister.operatingHours.rawValue) + 1] = hours[1]
        put(Map.InputRegister.producedKWh, p.producedKWh)
        put(Map.InputRegister.ratedKW, design.ratedKW)
        registers[Int(Map.InputRegister.version.rawValue)] = Map.version
        device.set(.inputRegisters, at: 0, registers: registers)
        device.set(
            .discreteInputs, at: 0,
            bits: [
                p.state == .running, !p.faults.isEmpty || p.state == .emergencyStop,
                p.hydrogenLEL >= design.hydrogenWarningLEL, Self.valveOpen(p.state), p.state != .off,
            ])
    }

    private func stackVolts(amps: Double) -> Double {
        let rated = ratedAmps
        let cell =
            design.openCircuitCellVolts - (design.openCircuitCellVolts - design.ratedCellVolts) * amps / rated
        return Double(design.cells) * cell
    }

    private var ratedAmps: Double { design.ratedKW * 1000 / (Double(design.cells) * design.ratedCellVolts) }

    /// The current that delivers the present output on the polarisation curve (the smaller root of V(I)·I = P).
    private func stackAmps(_ p: Physics) -> Double {
        guard p.electricalKW > 0 else { return 0 }
        let n = Double(design.cells)
        let a = n * (design.openCircuitCellVolts - design.ratedCellVolts) / ratedAmps
        let b = n * design.openCircuitCellVolts
        let watts = p.electricalKW * 1000
        return (b - (b * b - 4 * a * watts).squareRoot()) / (2 * a)
    }
}
