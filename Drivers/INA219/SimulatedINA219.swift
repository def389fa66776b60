public import HAL
import Locking

/// A register-level model of the INA219 for `SimulatedI2CBus` (TI SBOS448G).
///
/// Modelled: the six registers, big-endian on the wire, with their reset values; the RST bit; conversions in the
/// continuous and triggered modes (none in power-down and ADC-off), honouring the mode's shunt/bus selection; the
/// shunt register clipped to the PGA range and sign-extended; the bus register (bits 15:3, CNVR, OVF); the current
/// and power registers computed the way the chip does (`shunt × Cal / 4096`, `current × bus / 5000`) with OVF on
/// overflow; CNVR cleared by reading the power register or writing the configuration; calibration bit 0 void.
/// See README.md for what is not modelled.
public final class SimulatedINA219: SimulatedI2CChip {
    /// When conversions complete.
    public enum Timing: Sendable, Hashable {
        /// Every access sees a completed conversion (continuous modes) or the triggered one: deterministic.
        case immediate
        /// After the conversion time of the ADC settings (e.g. 532 µs + 532 µs at 12 bits), in real time.
        case timed
    }

    private struct State {
        var registers = [UInt16](repeating: 0, count: 6)
        var pointer: UInt8 = 0
        var busVolts = 0.0
        var shuntVolts = 0.0
        var timing: Timing
        var nextConversion: ContinuousClock.Instant = .now
        var triggerDue: ContinuousClock.Instant?
        var conversions = 0

        init(timing: Timing) {
            self.timing = timing
            registers[0] = INA219.configurationResetValue
        }
    }

    private let state: Lock<State>

    public init(timing: Timing = .immediate) {
        self.state = Lock(State(timing: timing))
    }

    // MARK: Test hooks

    /// Sets the circuit: the bus voltage at IN− and a current through a shunt of `shuntOhms` (so the shunt voltage is
    /// `amps × shuntOhms`). The next conversion turns them into register values.
    public func setLoad(busVolts: Double, amps: Double, shuntOhms: Double) {
        state.withLock {
            $0.busVolts = busVolts
            $0.shuntVolts = amps * shuntOhms
        }
    }

    /// A register's contents, without the side effects of a bus read.
    public func register(_ register: INA219.Register) -> UInt16 {
        state.withLock { $0.registers[Int(register.rawValue)] }
    }

    /// How many conversion cycles have completed.
    public var conversionCount: Int { state.withLock { $0.conversions } }

    /// Power loss and return: every register back to its reset value, calibration 0.
    public func powerCycle() {
        state.withLock { Self.reset(&$0) }
    }

    // MARK: SimulatedI2CChip

    /// A write message: the register pointer, optionally followed by the value, most significant byte first.
    public func received(_ bytes: [UInt8]) throws(SimulatedI2CFault) {
        try state.withLock { state throws(SimulatedI2CFault) in
            guard let pointer = bytes.first, INA219.Register(rawValue: pointer) != nil, bytes.count <= 3 else {
                throw .nack
            }
            state.pointer = pointer
            // A single data byte is acknowledged but changes nothing: registers take whole words.
            if bytes.count == 3 { Self.write(&state, pointer, UInt16(bytes[1]) << 8 | UInt16(bytes[2])) }
        }
    }

    /// A read message: the register the pointer selects, most significant byte first (repeated if more bytes are
    /// clocked out; the pointer does not advance).
    public func transmit(count: Int) throws(SimulatedI2CFault) -> [UInt8] {
        state.withLock { state in
            Self.update(&state)
            let value = state.registers[Int(state.pointer)]
            if state.pointer == INA219.Register.power.rawValue {
                state.registers[2] &= ~INA219.BusVoltageBits.conversionReady
            }
            return (0..<count).map { $0 % 2 == 0 ? UInt8(value >> 8) : UInt8(truncatingIfNeeded: value) }
        }
    }

    // MARK: Behaviour

    private static func write(_ state: inout State, _ pointer: UInt8, _ value: UInt16) {
        switch INA219.Register(rawValue: pointer) {
        case .configuration:
            if value & INA219.ConfigurationBits.reset != 0 {
                reset(&state)
                return
            }
            state.registers[0] = value & 0x3FFF
            // Writing a mode clears CNVR and starts over: a triggered mode converts once.
            state.registers[2] &= ~INA219.BusVoltageBits.conversionReady
            let configuration = INA219.Configuration(rawValue: value)
            let due = ContinuousClock.now + configuration.conversionTime
            state.triggerDue = configuration.mode.isTriggered ? due : nil
            state.nextConversion = due
        case .calibration:
            state.registers[5] = value & 0xFFFE
        default:
            // Shunt, bus, power and current are read-only.
            break
        }
    }

    private static func reset(_ state: inout State) {
        state.registers = [INA219.configurationResetValue, 0, 0, 0, 0, 0]
        state.triggerDue = nil
        state.nextConversion = .now + INA219.Configuration().conversionTime
    }

    private static func update(_ state: inout State) {
        let configuration = INA219.Configuration(rawValue: state.registers[0])
        let now = ContinuousClock.now
        if configuration.mode.isContinuous {
            if state.timing == .immediate || now >= state.nextConversion {
                convert(&state, configuration)
                state.nextConversion = now + configuration.conversionTime
            }
        } else if let due = state.triggerDue, state.timing == .immediate || now >= due {
            convert(&state, configuration)
            state.triggerDue = nil
        }
    }

    private static func convert(_ state: inout State, _ configuration: INA219.Configuration) {
        if configuration.mode.convertsShunt {
            let fullScale = Double(configuration.shuntVoltageRange.fullScaleCounts)
            let counts = min(max((state.shuntVolts / INA219.shuntVoltageLSBVolts).rounded(), -fullScale), fullScale)
            state.registers[1] = UInt16(bitPattern: Int16(counts))
        }
        var busCounts = Int(state.registers[2] >> INA219.BusVoltageBits.shift)
        if configuration.mode.convertsBus {
            let fullScale = configuration.busVoltageRange.volts / INA219.busVoltageLSBVolts
            busCounts = Int(min(max((state.busVolts / INA219.busVoltageLSBVolts).rounded(), 0), fullScale))
        }
        // The chip's arithmetic (8.5.1): integer products, truncated quotients.
        let shuntCounts = Int(Int16(bitPattern: state.registers[1]))
        let current = shuntCounts * Int(state.registers[5]) / 4096
        let power = abs(current) * busCounts / 5000
        let overflow = current > Int(Int16.max) || current < Int(Int16.min) || power > Int(UInt16.max)
        state.registers[4] = UInt16(bitPattern: Int16(clamping: current))
        state.registers[3] = UInt16(clamping: power)
        state.registers[2] =
            UInt16(busCounts) << INA219.BusVoltageBits.shift | INA219.BusVoltageBits.conversionReady
            | (overflow ? INA219.BusVoltageBits.mathOverflow : 0)
        state.conversions += 1
    }
}
