public import HAL
import Locking

/// A register-level model of the ADS1115 for `SimulatedI2CBus` (datasheet SBAS444D).
///
/// Modelled: the address pointer and four big-endian registers with their reset values; single-shot conversions
/// started by OS = 1 that take 1/DR of real time (or a fixed number of Config polls, for deterministic tests), with
/// OS reading 0 while converting; continuous mode refreshing the Conversion register; the MUX (differential and
/// single-ended inputs) and PGA with the result rounded to the LSB and clipped to 0x7FFF / 0x8000; the ALERT/RDY pin
/// in conversion-ready mode for single-shot conversions. See README.md for what is not modelled.
public final class SimulatedADS1115: SimulatedI2CChip {
    /// How long a conversion takes.
    public enum Timing: Sendable, Hashable {
        /// 1/DR of real time, as the part (nominally) does.
        case realTime
        /// The first N reads of the Config register after the start still see OS = 0 (converting); the next one
        /// sees the result. Deterministic timing for tests.
        case readyAfterPolls(Int)
    }

    private enum Conversion {
        case idle
        case until(ContinuousClock.Instant, code: Int16)
        case polls(Int, code: Int16)
    }

    private struct State {
        var pointer: UInt8 = 0
        var config = ADS1115.configResetValue & ~ADS1115.ConfigBits.operationalStatus
        var conversionRegister: UInt16 = 0
        var loThresh = ADS1115.loThreshResetValue
        var hiThresh = ADS1115.hiThreshResetValue
        var inputs: [Double] = [0, 0, 0, 0]
        var timing: Timing
        var conversion: Conversion = .idle
        /// Continuous mode: when the first result is due (or how many conversion-register reads until it is).
        var continuousStart: ContinuousClock.Instant?
        var conversionsStarted = 0
        var conversionsCompleted = 0
        var configPolls = 0
    }

    private let state: Lock<State>

    /// - Parameter timing: how conversions take time.
    public init(timing: Timing = .realTime) {
        state = Lock(State(timing: timing))
    }

    // MARK: Test hooks

    /// Sets the voltage on AIN`channel` (0…3) against GND.
    public func setInput(channel: Int, volts: Double) {
        precondition((0...3).contains(channel), "the ADS1115 has inputs AIN0…AIN3")
        state.withLock { $0.inputs[channel] = volts }
    }

    /// Changes the timing model for later conversions.
    public func setTiming(_ timing: Timing) {
        state.withLock { $0.timing = timing }
    }

    /// A register's current value as the chip would send it (Config with the OS status bit).
    public func registerValue(_ register: ADS1115.Register) -> UInt16 {
        state.withLock { state in
            Self.settle(&state, consumePoll: false)
            return Self.value(state, register)
        }
    }

    /// Whether a single-shot conversion is running.
    public var isConverting: Bool {
        state.withLock { state in
            Self.settle(&state, consumePoll: false)
            if case .idle = state.conversion { return false }
            return true
        }
    }

    /// Single-shot conversions started by OS = 1, and those that have finished.
    public var conversionsStarted: Int { state.withLock { $0.conversionsStarted } }
    public var conversionsCompleted: Int { state.withLock { $0.conversionsCompleted } }

    /// Reads of the Config register so far.
    public var configPolls: Int { state.withLock { $0.configPolls } }

    /// The ALERT/RDY pin level (true = high). In conversion-ready mode (Hi_thresh MSB = 1, Lo_thresh MSB = 0,
    /// COMP_QUE ≠ 11) in single-shot mode the pin outputs the OS bit: asserted once a conversion has finished,
    /// released while one runs (datasheet 9.3.8). With COMP_QUE = 11 the pin is high impedance, read as high
    /// through the board's pull-up. Comparator alerts are not modelled and leave the pin released.
    public var alertPinIsHigh: Bool {
        state.withLock { state in
            Self.settle(&state, consumePoll: false)
            let config = ADS1115.Config(rawValue: state.config)
            guard config.comparator.queue != .disabled else { return true }
            let readyMode = state.hiThresh & 0x8000 != 0 && state.loThresh & 0x8000 == 0
            var asserted = false
            if readyMode, !config.continuous, case .idle = state.conversion, state.conversionsCompleted > 0 {
                asserted = true
            }
            return asserted == config.comparator.activeHigh
        }
    }

    // MARK: SimulatedI2CChip

    /// A write message: the pointer byte, then optionally the register's MSB and LSB.
    public func received(_ bytes: [UInt8]) throws(SimulatedI2CFault) {
        state.withLock { state in
            guard let pointer = bytes.first else { return }
            // P[7:2] must be 0; the chip decodes the two low bits.
            state.pointer = pointer & 0b11
            guard bytes.count >= 3 else { return }
            let value = UInt16(bytes[1]) << 8 | UInt16(bytes[2])
            switch ADS1115.Register(rawValue: state.pointer) ?? .conversion {
            case .conversion: break  // read-only
            case .config: Self.writeConfig(&state, value)
            case .loThresh: state.loThresh = value
            case .hiThresh: state.hiThresh = value
            }
        }
    }

    /// A read message: the pointed-to register, MSB first, repeated for longer reads.
    public func transmit(count: Int) throws(SimulatedI2CFault) -> [UInt8] {
        state.withLock { state in
            let register = ADS1115.Register(rawValue: state.pointer) ?? .conversion
            if register == .config { state.configPolls += 1 }
            Self.settle(&state, consumePoll: register == .config)
            if register == .conversion { Self.refreshContinuous(&state) }
            let value = Self.value(state, register)
            return (0..<count).map { $0.isMultiple(of: 2) ? UInt8(value >> 8) : UInt8(truncatingIfNeeded: value) }
        }
    }

    // MARK: Model

    private static func value(_ state: State, _ register: ADS1115.Register) -> UInt16 {
        switch register {
        case .conversion: return state.conversionRegister
        case .config:
            var idle = true
            if case .idle = state.conversion {} else { idle = false }
            // Continuous mode is always converting: OS reads 0.
            if state.continuousStart != nil { idle = false }
            return state.config | (idle ? ADS1115.ConfigBits.operationalStatus : 0)
        case .loThresh: return state.loThresh
        case .hiThresh: return state.hiThresh
        }
    }

    private static func writeConfig(_ state: inout State, _ value: UInt16) {
        state.config = value & ~ADS1115.ConfigBits.operationalStatus
        let config = ADS1115.Config(rawValue: value)
        if config.continuous {
            state.conversion = .idle
            if state.continuousStart == nil {
                state.continuousStart = .now + config.dataRate.conversionTime
            }
            return
        }
        state.continuousStart = nil
        // OS = 1 starts a conversion only from power-down (datasheet 9.6.3, OS bit); a write while converting
        // changes the settings for later conversions only.
        guard value & ADS1115.ConfigBits.operationalStatus != 0, case .idle = state.conversion else { return }
        state.conversionsStarted += 1
        let code = convert(state, config)
        switch state.timing {
        case .realTime: state.conversion = .until(.now + config.dataRate.conversionTime, code: code)
        case .readyAfterPolls(let polls): state.conversion = .polls(polls, code: code)
        }
    }

    /// Completes a single-shot conversion whose time is up; a Config read counts as one poll.
    private static func settle(_ state: inout State, consumePoll: Bool) {
        switch state.conversion {
        case .idle: return
        case .until(let end, let code):
            if ContinuousClock.now >= end { finish(&state, code) }
        case .polls(let left, let code):
            // The first N Config reads after the start see OS = 0; the next one sees the result.
            guard consumePoll else { return }
            if left > 0 { state.conversion = .polls(left - 1, code: code) } else { finish(&state, code) }
        }
    }

    private static func finish(_ state: inout State, _ code: Int16) {
        state.conversionRegister = UInt16(bitPattern: code)
        state.conversion = .idle
        state.conversionsCompleted += 1
    }

    /// In continuous mode every read of the Conversion register after the first 1/DR sees the current inputs.
    private static func refreshContinuous(_ state: inout State) {
        guard let start = state.continuousStart else { return }
        let config = ADS1115.Config(rawValue: state.config)
        if case .realTime = state.timing, ContinuousClock.now < start { return }
        state.conversionRegister = UInt16(bitPattern: convert(state, config))
    }

    /// The ideal transfer function: (AINP − AINN) / LSB, rounded, clipped at ±FS (datasheet 9.5.4, Table 3).
    private static func convert(_ state: State, _ config: ADS1115.Config) -> Int16 {
        let positive = state.inputs[config.input.positiveChannel]
        let negative = config.input.negativeChannel.map { state.inputs[$0] } ?? 0
        return ADS1115.code(volts: positive - negative, gain: config.gain)
    }
}
