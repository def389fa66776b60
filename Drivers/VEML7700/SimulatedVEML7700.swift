public import HAL
import Locking

/// A register-level model of the VEML7700 for `SimulatedI2CBus` (Vishay 84286 Rev. 1.7).
///
/// Modelled: the eight 16-bit registers with their reset values (ALS_CONF 0x0001: shut down), SMBus word transfers
/// (least significant byte first), read-only output and ID registers, reserved ALS_CONF bits reading 0; the ALS count
/// computed from the illuminance set by `setIlluminance(lux:)` for the current gain and integration time (resolution
/// table of application note 84323, inverse of its non-linearity correction at gain 1/8 and 1/4, saturating at
/// 0xFFFF); no new data while shut down; threshold interrupt flags (ALS_INT) cleared by reading. See README.md for
/// what is not modelled.
public final class SimulatedVEML7700: SimulatedI2CChip {
    /// When an integration completes and the ALS register takes a new value.
    public enum Timing: Sendable, Hashable {
        /// In real time: a reading becomes available one integration time after power-on or a configuration change.
        case timed
        /// Only when a test calls `completeIntegration()`: deterministic, and a driver that reads before waiting sees
        /// the previous value, as on the chip.
        case manual
    }

    private struct State {
        var registers: [UInt16]
        var pointer: UInt8 = 0
        var lux: Double = 0
        var timing: Timing
        var integrationStart: ContinuousClock.Instant = .now
        var integrations = 0
    }

    private let state: Lock<State>

    /// - Parameters:
    ///   - timing: how integrations complete.
    ///   - idRegister: the ID register contents; a wrong value models a different chip at 0x10.
    public init(timing: Timing = .timed, idRegister: UInt16 = VEML7700.idRegisterValue) {
        var registers = [UInt16](repeating: 0, count: VEML7700.Register.allCases.count)
        registers[Int(VEML7700.Register.alsConf.rawValue)] = VEML7700.alsConfResetValue
        registers[Int(VEML7700.Register.id.rawValue)] = idRegister
        self.state = Lock(State(registers: registers, timing: timing))
    }

    // MARK: Test hooks

    /// Sets the illuminance on the sensor; the next completed integration turns it into ALS and WHITE counts.
    public func setIlluminance(lux: Double) {
        precondition(lux >= 0, "illuminance cannot be negative")
        state.withLock { $0.lux = lux }
    }

    /// The ALS count the chip produces for `lux` at a setting: the inverse of the driver's conversion. At gain 1/8
    /// and 1/4 the chip's high-illuminance non-linearity is modelled as the inverse of the application note's
    /// correction polynomial.
    public static func counts(forLux lux: Double, gain: VEML7700.Gain, integrationTime: VEML7700.IntegrationTime)
        -> UInt16
    {
        let linear = VEML7700.needsCorrection(gain: gain) ? inverseCorrection(lux) : lux
        let counts = (linear / VEML7700.resolutionLuxPerCount(gain: gain, integrationTime: integrationTime)).rounded()
        return counts >= Double(UInt16.max) ? UInt16.max : UInt16(counts)
    }

    /// Ends the running integration now (manual timing); nothing happens while the chip is shut down.
    public func completeIntegration() {
        state.withLock { Self.latch(&$0) }
    }

    /// How many integrations have completed since creation.
    public var integrationCount: Int { state.withLock { $0.integrations } }

    /// A register's contents, without the side effects of a bus read.
    public func register(_ register: VEML7700.Register) -> UInt16 {
        state.withLock { $0.registers[Int(register.rawValue)] }
    }

    /// Whether ALS_SD is set.
    public var isShutDown: Bool { state.withLock { $0.registers[0] & VEML7700.ConfBits.shutdown != 0 } }

    // MARK: SimulatedI2CChip

    /// A write message: a command code alone (before a read) or a command code and a word, LSB first.
    public func received(_ bytes: [UInt8]) throws(SimulatedI2CFault) {
        try state.withLock { state throws(SimulatedI2CFault) in
            guard let command = bytes.first, VEML7700.Register(rawValue: command) != nil else { throw .nack }
            state.pointer = command
            switch bytes.count {
            case 1: return
            case 3: Self.write(&state, command, UInt16(bytes[1]) | UInt16(bytes[2]) << 8)
            // The chip takes whole words only; a stray byte is not acknowledged.
            default: throw .nack
            }
        }
    }

    /// A read message: the addressed register, LSB first (repeated if more bytes are clocked out).
    public func transmit(count: Int) throws(SimulatedI2CFault) -> [UInt8] {
        state.withLock { state in
            let register = VEML7700.Register(rawValue: state.pointer) ?? .alsConf
            if register == .als || register == .white, state.timing == .timed {
                Self.latchIfIntegrated(&state)
            }
            let value = state.registers[Int(register.rawValue)]
            if register == .alsInt { state.registers[Int(register.rawValue)] = 0 }
            return (0..<count).map { $0 % 2 == 0 ? UInt8(truncatingIfNeeded: value) : UInt8(value >> 8) }
        }
    }

    // MARK: Behaviour

    private static func write(_ state: inout State, _ command: UInt8, _ value: UInt16) {
        guard let register = VEML7700.Register(rawValue: command) else { return }
        switch register {
        case .alsConf:
            // A new setting (or power-on) restarts the integration; the output keeps the last result until then.
            state.registers[0] = value & VEML7700.ConfBits.writable
            state.integrationStart = .now
        case .alsWH, .alsWL:
            state.registers[Int(command)] = value
        case .powerSaving:
            state.registers[Int(command)] = value & 0b111
        case .als, .white, .alsInt, .id:
            // Read-only.
            break
        }
    }

    private static func latchIfIntegrated(_ state: inout State) {
        guard let configuration = VEML7700.Configuration(rawValue: state.registers[0]) else { return }
        if ContinuousClock.now - state.integrationStart >= configuration.integrationTime.duration {
            latch(&state)
            state.integrationStart = .now
        }
    }

    private static func latch(_ state: inout State) {
        let conf = state.registers[0]
        guard conf & VEML7700.ConfBits.shutdown == 0, let configuration = VEML7700.Configuration(rawValue: conf)
        else { return }
        let counts = counts(forLux: state.lux, gain: configuration.gain, integrationTime: configuration.integrationTime)
        state.registers[Int(VEML7700.Register.als.rawValue)] = counts
        // The WHITE channel's spectral response is not modelled: it follows the ALS count.
        state.registers[Int(VEML7700.Register.white.rawValue)] = counts
        state.integrations += 1
        if configuration.interruptEnabled {
            var flags = state.registers[Int(VEML7700.Register.alsInt.rawValue)]
            if counts > state.registers[Int(VEML7700.Register.alsWH.rawValue)] {
                flags |= VEML7700.InterruptBits.high
            }
            if counts < state.registers[Int(VEML7700.Register.alsWL.rawValue)] {
                flags |= VEML7700.InterruptBits.low
            }
            state.registers[Int(VEML7700.Register.alsInt.rawValue)] = flags
        }
    }

    /// Solves `correctedLux(x) = lux` for `x` by bisection; the polynomial is increasing over the chip's range.
    static func inverseCorrection(_ lux: Double) -> Double {
        var low = 0.0
        var high = max(lux, 1)
        while VEML7700.correctedLux(high) < lux { high *= 2 }
        for _ in 0..<100 {
            let middle = (low + high) / 2
            if VEML7700.correctedLux(middle) < lux { low = middle } else { high = middle }
        }
        return (low + high) / 2
    }
}
