public import HAL
import Locking

/// A register-level model of the PCA9685 for `SimulatedI2CBus` (NXP data sheet Rev. 4).
///
/// Modelled: the register file with power-on values (MODE1 11h, MODE2 04h, LEDn full off, PRE_SCALE 1Eh); the control
/// register and auto-increment (MODE1.AI) with the datasheet's wrap from 45h to 00h and from FEh to 00h; reserved
/// addresses 46h–F9h not acknowledged; reserved bits reading 0; ALL_LED registers writing every channel and reading
/// zero; PRE_SCALE writes ignored while awake and forced to at least 3; SLEEP, and RESTART set when sleeping with
/// active outputs and cleared by writing 1 after wake-up; EXTCLK sticky until reset. `dutyCycle(channel:)` and
/// `frequencyHertz` are computed from the registers the way the output stage does. See README.md for what is not
/// modelled.
public final class SimulatedPCA9685: SimulatedI2CChip {
    private struct State {
        var registers = [UInt8](repeating: 0, count: 256)
        var pointer: UInt8 = 0

        init() { reset() }

        mutating func reset() {
            registers = [UInt8](repeating: 0, count: 256)
            registers[Int(PCA9685.Register.mode1)] = PCA9685.Mode1.resetValue
            registers[Int(PCA9685.Register.mode2)] = PCA9685.Mode2.resetValue
            registers[0x02] = 0xE2
            registers[0x03] = 0xE4
            registers[0x04] = 0xE8
            registers[Int(PCA9685.Register.allCallAddress)] = 0xE0
            for channel in 0..<PCA9685.channelCount {
                registers[Int(PCA9685.Register.ledOnL(channel: channel)) + 3] = PCA9685.fullBit
            }
            registers[Int(PCA9685.Register.preScale)] = PCA9685.preScaleResetValue
            pointer = 0
        }
    }

    private let state = Lock(State())

    public init() {}

    // MARK: Test hooks

    /// The fraction of the period channel `channel` is on, from its registers (before INVRT).
    public func dutyCycle(channel: Int) -> Double {
        channelRegisters(channel: channel).dutyCycle
    }

    /// A channel's four registers.
    public func channelRegisters(channel: Int) -> PCA9685.ChannelRegisters {
        precondition((0..<PCA9685.channelCount).contains(channel), "channel 0…15")
        return state.withLock { state in
            let base = Int(PCA9685.Register.ledOnL(channel: channel))
            return PCA9685.ChannelRegisters(bytes: Array(state.registers[base..<base + 4]))
        }
    }

    /// The PWM frequency PRE_SCALE gives with the 25 MHz internal oscillator.
    public var frequencyHertz: Double {
        PCA9685.frequencyHertz(preScale: register(PCA9685.Register.preScale))
    }

    /// Whether the oscillator is off (MODE1.SLEEP).
    public var isSleeping: Bool { register(PCA9685.Register.mode1) & PCA9685.Mode1.sleep != 0 }

    /// A register's contents, without the side effects of a bus read.
    public func register(_ address: UInt8) -> UInt8 {
        state.withLock { $0.registers[Int(address)] }
    }

    /// Power cycle or software reset (SWRST): every register back to its power-on value.
    public func reset() {
        state.withLock { $0.reset() }
    }

    // MARK: SimulatedI2CChip

    /// A write message: the control register, then data bytes written from there (auto-incrementing if AI is set).
    public func received(_ bytes: [UInt8]) throws(SimulatedI2CFault) {
        try state.withLock { state throws(SimulatedI2CFault) in
            guard let control = bytes.first else { return }
            guard Self.exists(control) else { throw .nack }
            state.pointer = control
            for value in bytes.dropFirst() {
                Self.write(&state, state.pointer, value)
                Self.advance(&state)
            }
        }
    }

    /// A read message: bytes from the control register on (auto-incrementing if AI is set).
    public func transmit(count: Int) throws(SimulatedI2CFault) -> [UInt8] {
        state.withLock { state in
            (0..<count).map { _ in
                let address = state.pointer
                let isAllLED = (PCA9685.Register.allLEDOnL...PCA9685.Register.allLEDOffH).contains(address)
                let value = isAllLED ? 0 : state.registers[Int(address)]
                Self.advance(&state)
                return value
            }
        }
    }

    // MARK: Behaviour

    private static func exists(_ address: UInt8) -> Bool {
        address <= PCA9685.Register.led15OffH || address >= PCA9685.Register.allLEDOnL
    }

    /// Datasheet register summary, remark: auto-increment past 45h points to MODE1; from FAh it works up to FEh, then rolls over
    /// to 00h.
    private static func advance(_ state: inout State) {
        guard state.registers[0] & PCA9685.Mode1.autoIncrement != 0 else { return }
        switch state.pointer {
        case PCA9685.Register.led15OffH, PCA9685.Register.preScale, PCA9685.Register.testMode: state.pointer = 0
        default: state.pointer += 1
        }
    }

    private static func write(_ state: inout State, _ address: UInt8, _ value: UInt8) {
        switch address {
        case PCA9685.Register.mode1:
            writeMode1(&state, value)
        case PCA9685.Register.mode2:
            state.registers[1] = value & ~PCA9685.Mode2.reservedMask
        case 0x02...0x05:
            state.registers[Int(address)] = value
        case PCA9685.Register.led0OnL...PCA9685.Register.led15OffH:
            // ON_H and OFF_H (odd offsets from 06h) keep bits 4:0; bits 7:5 are reserved.
            let isHigh = (address - PCA9685.Register.led0OnL) % 2 == 1
            state.registers[Int(address)] = isHigh ? value & 0x1F : value
        case PCA9685.Register.allLEDOnL...PCA9685.Register.allLEDOffH:
            let offset = Int(address - PCA9685.Register.allLEDOnL)
            for channel in 0..<PCA9685.channelCount {
                state.registers[Int(PCA9685.Register.ledOnL(channel: channel)) + offset] =
                    offset % 2 == 1 ? value & 0x1F : value
            }
        case PCA9685.Register.preScale:
            // Writes to PRE_SCALE are blocked while SLEEP is 0 (register summary, note on PRE_SCALE); the hardware forces at least 3.
            if state.registers[0] & PCA9685.Mode1.sleep != 0 {
                state.registers[Int(address)] = max(value, PCA9685.preScaleRange.lowerBound)
            }
        default:
            // TestMode: reserved, writes ignored.
            break
        }
    }

    private static func writeMode1(_ state: inout State, _ value: UInt8) {
        let old = state.registers[0]
        let wasAsleep = old & PCA9685.Mode1.sleep != 0
        let goesToSleep = value & PCA9685.Mode1.sleep != 0
        var restart = old & PCA9685.Mode1.restart
        if !wasAsleep, goesToSleep, anyOutputActive(state) {
            // Sleeping with PWM running: RESTART reports that the channels can be resumed (7.3.1.1).
            restart = PCA9685.Mode1.restart
        } else if value & PCA9685.Mode1.restart != 0, !goesToSleep {
            // Writing 1 clears RESTART and resumes the channels; writing 0 has no effect.
            restart = 0
        }
        // EXTCLK is sticky: only a power cycle or software reset clears it.
        let extclk = (old | value) & PCA9685.Mode1.extclk
        state.registers[0] = value & 0x3F | extclk | restart
    }

    private static func anyOutputActive(_ state: State) -> Bool {
        (0..<PCA9685.channelCount).contains { channel in
            let base = Int(PCA9685.Register.ledOnL(channel: channel))
            return PCA9685.ChannelRegisters(bytes: Array(state.registers[base..<base + 4])).dutyCycle > 0
        }
    }
}
