public import HAL
import Locking

/// A register-level SDM630 for simulated Modbus lines: the meter's input registers as big-endian floats, fed by a
/// three-phase load the test or rig sets, with energy integrated as simulated time advances.
///
/// Attach `device` to a `SimulatedModbusLine` at the meter's unit ID. Not modelled: holding (setup) registers,
/// reactive energy, demand registers, the 40-parameter request limit (our driver keeps to it).
public final class SimulatedSDM630: Sendable {
    /// The Modbus face of the meter.
    public let device = SimulatedModbusDevice()

    private struct Load {
        var volts: [Double] = [230, 230, 230]
        var amps: [Double] = [0, 0, 0]
        var powerFactor: [Double] = [1, 1, 1]
        var frequency: Double = 50
        var importKWh: Double = 0
        var exportKWh: Double = 0
    }

    private let load = Lock(Load())

    public init(importKWh: Double = 0) {
        // Every parameter up to 30076 and the total-energy pair at 30343 exist.
        device.define(.inputRegisters, at: 0, registers: Array(repeating: 0, count: 0x4C))
        device.define(.inputRegisters, at: SDM630.Register.totalKWh, registers: [0, 0])
        load.withLock { $0.importKWh = importKWh }
        publish()
    }

    /// Sets the load per phase (negative amps export).
    public func setLoad(volts: [Double], amps: [Double], powerFactor: [Double] = [1, 1, 1], frequency: Double = 50) {
        precondition(volts.count == 3 && amps.count == 3 && powerFactor.count == 3, "the SDM630 measures three phases")
        load.withLock {
            $0.volts = volts
            $0.amps = amps
            $0.powerFactor = powerFactor
            $0.frequency = frequency
        }
        publish()
    }

    /// Integrates energy over `duration` of simulated time at the present load.
    public func advance(by duration: Duration) {
        let hours = duration.totalSeconds / 3600
        load.withLock { load in
            let watts = Self.totalWatts(load)
            if watts >= 0 {
                load.importKWh += watts * hours / 1000
            } else {
                load.exportKWh -= watts * hours / 1000
            }
        }
        publish()
    }

    public var importKWh: Double { load.withLock { $0.importKWh } }

    private static func phaseWatts(_ load: Load) -> [Double] {
        (0..<3).map { load.volts[$0] * load.amps[$0] * load.powerFactor[$0] }
    }

    private static func totalWatts(_ load: Load) -> Double { phaseWatts(load).reduce(0, +) }

    private func publish() {
        let load = load.withLock { $0 }
        func put(_ address: RegisterAddress, _ value: Double) {
            device.set(.inputRegisters, at: address, registers: ModbusWordOrder.bigEndian.registers(Float(value)))
        }
        let watts = Self.phaseWatts(load)
        for phase in 0..<3 {
            put(SDM630.Register.phaseVolts[phase], load.volts[phase])
            put(SDM630.Register.phaseAmps[phase], abs(load.amps[phase]))
            put(SDM630.Register.phaseWatts[phase], watts[phase])
            put(SDM630.Register.phasePowerFactor[phase], load.powerFactor[phase])
            // Apparent power (30019…) and reactive power (30025…) complete the block the driver reads.
            let voltAmps = abs(load.volts[phase] * load.amps[phase])
            put(RegisterAddress(0x0012 + UInt16(phase * 2)), voltAmps)
            put(
                RegisterAddress(0x0018 + UInt16(phase * 2)),
                (voltAmps * voltAmps - watts[phase] * watts[phase]).squareRoot())
        }
        put(SDM630.Register.totalWatts, watts.reduce(0, +))
        put(SDM630.Register.frequency, load.frequency)
        put(SDM630.Register.importKWh, load.importKWh)
        put(SDM630.Register.exportKWh, load.exportKWh)
        put(SDM630.Register.totalKWh, load.importKWh + load.exportKWh)
    }
}
