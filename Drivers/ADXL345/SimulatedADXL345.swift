public import HAL
import Locking

/// A register-level model of the ADXL345 for `SimulatedI2CBus` (ADXL345 data sheet Rev. E).
///
/// Modelled: the register file with its reset values (BW_RATE 0x0A, INT_SOURCE 0x02, the rest 0x00) and DEVID;
/// address auto-increment on reads and writes; standby (reset state, no conversions) and measurement mode
/// (POWER_CTL Measure); each conversion turns the set acceleration plus the offset registers (15.6 mg/LSB, added)
/// plus the self-test shift (while SELF_TEST is set) into counts per DATA_FORMAT (range, FULL_RES, Justify, clamped
/// to the output width). In bypass mode a conversion lands in the data registers and sets DATA_READY (Overrun when
/// unread data is replaced); in FIFO, stream and trigger mode it joins the FIFO of 32 levels plus the output
/// register (33 entries; stream/trigger drop the oldest, FIFO mode drops the new sample, both set Overrun). Any read
/// of the data registers pops one level and clears Overrun; DATA_READY and Watermark follow the FIFO content, and
/// reading INT_SOURCE clears none of them. FIFO_STATUS Entries; INT1/INT2 from INT_ENABLE, INT_MAP and INT_INVERT.
/// See README.md for what is not modelled.
public final class SimulatedADXL345: SimulatedI2CChip {
    /// When the simulated chip converts.
    public enum Timing: Sendable, Hashable {
        /// Only when a test hook sets the acceleration (`setAcceleration`, `pushSamples`): fully deterministic.
        case manual
        /// In measurement mode each INT_SOURCE read first completes one conversion of the current acceleration, so a
        /// driver polling DATA_READY always finds a fresh sample. Hooks convert too.
        case interruptSourceReads
    }

    private struct State {
        var registers = [UInt8](repeating: 0, count: 0x40)
        var pointer: UInt8 = 0
        var fifo: [[UInt8]] = []
        var output = [UInt8](repeating: 0, count: 6)
        var dataReady = false
        var overrun = false
        var acceleration: (x: Double, y: Double, z: Double) = (0, 0, 1)
        var selfTestResponse: (x: Double, y: Double, z: Double) = SimulatedADXL345.defaultSelfTestResponseG
        var selfTestResponds = true
        var timing: Timing
        var conversions = 0
    }

    /// The self-test shift the model applies by default, in g: inside Table 15's limits (x 50…540, y −540…−50,
    /// z 75…875 LSB at 256 LSB/g), chosen by this model; the data sheet gives limits, not a typical value.
    public static let defaultSelfTestResponseG: (x: Double, y: Double, z: Double) = (1.0, -1.0, 1.5)

    private let state: Lock<State>

    /// - Parameters:
    ///   - timing: when conversions happen.
    ///   - deviceID: what DEVID (0x00) reads; anything but 0xE5 is another part.
    public init(timing: Timing = .manual, deviceID: UInt8 = ADXL345.deviceID) {
        var state = State(timing: timing)
        state.registers[Int(ADXL345.Register.devID)] = deviceID
        state.registers[Int(ADXL345.Register.bwRate)] = ADXL345.OutputDataRate.hz100.rawValue
        self.state = Lock(state)
    }

    // MARK: Test hooks

    /// Sets the acceleration the sensor feels, in g. In measurement mode this completes one conversion right away;
    /// in standby it is only remembered for the next conversion.
    public func setAcceleration(x: Double, y: Double, z: Double) {
        state.withLock { state in
            state.acceleration = (x, y, z)
            if Self.isMeasuring(state) { Self.convert(&state) }
        }
    }

    /// Feeds conversions, in g, one per sample, as the chip would make them at its data rate (converted per the
    /// current DATA_FORMAT). In standby the chip converts nothing and the samples are dropped. Returns how many were
    /// converted.
    @discardableResult
    public func pushSamples(_ samples: [(x: Double, y: Double, z: Double)]) -> Int {
        state.withLock { state in
            guard Self.isMeasuring(state) else { return 0 }
            for sample in samples {
                state.acceleration = sample
                Self.convert(&state)
            }
            return samples.count
        }
    }

    /// The output change, in g, while SELF_TEST is set.
    public func setSelfTestResponse(x: Double, y: Double, z: Double) {
        state.withLock { $0.selfTestResponse = (x, y, z) }
    }

    /// Whether the self-test force moves the output at all; `false` models a part whose actuation is broken.
    public var selfTestResponds: Bool {
        get { state.withLock { $0.selfTestResponds } }
        set { state.withLock { $0.selfTestResponds = newValue } }
    }

    /// Changes when later conversions happen.
    public func setTiming(_ timing: Timing) {
        state.withLock { $0.timing = timing }
    }

    /// Overwrites the data registers (bypass mode) with raw bytes, as a glitch on the chip's side would.
    public func overrideDataRegisters(_ bytes: [UInt8]) {
        precondition(bytes.count == 6, "DATAX0…DATAZ1 are six bytes")
        state.withLock { state in
            state.output = bytes
            state.dataReady = true
        }
    }

    /// The content of a register without the side effects of a bus read (no FIFO pop, no conversion).
    public func register(_ address: UInt8) -> UInt8 {
        state.withLock { Self.peek($0, address) }
    }

    /// Entries FIFO_STATUS would report now (0…33).
    public var fifoEntryCount: Int { state.withLock { $0.fifo.count } }

    /// INT_SOURCE as a read would show it now.
    public var interruptSource: ADXL345.Interrupts {
        state.withLock { ADXL345.Interrupts(rawValue: Self.interruptSource($0)) }
    }

    /// Whether INT1 and INT2 are asserted: an enabled function (INT_ENABLE) whose INT_SOURCE bit is set, routed by
    /// INT_MAP (bit clear: INT1, bit set: INT2).
    public var interruptAsserted: (int1: Bool, int2: Bool) {
        state.withLock { Self.interrupts($0) }
    }

    /// The electrical level of INT1 and INT2 (`true` = high): active high unless INT_INVERT (DATA_FORMAT bit 5) is
    /// set. For driving a simulated GPIO input.
    public var interruptLevel: (int1: Bool, int2: Bool) {
        state.withLock { state in
            let asserted = Self.interrupts(state)
            let activeLow = state.registers[Int(ADXL345.Register.dataFormat)] & ADXL345.dataFormatIntInvert != 0
            return (asserted.int1 != activeLow, asserted.int2 != activeLow)
        }
    }

    /// Whether the chip is in measurement mode (POWER_CTL Measure = 1).
    public var isMeasuring: Bool { state.withLock { Self.isMeasuring($0) } }

    /// Conversions made since creation.
    public var conversionCount: Int { state.withLock { $0.conversions } }

    // MARK: SimulatedI2CChip

    /// A write message: the register address, then values for it and the following registers (auto-increment;
    /// read-only and reserved registers ignore writes).
    public func received(_ bytes: [UInt8]) throws(SimulatedI2CFault) {
        state.withLock { state in
            guard let first = bytes.first else { return }
            state.pointer = first
            for value in bytes.dropFirst() {
                Self.write(&state, state.pointer, value)
                state.pointer &+= 1
            }
        }
    }

    /// A read message: registers from the pointer on, auto-incrementing. A read that touches DATAX0…DATAZ1 pops one
    /// FIFO level (or consumes the bypass-mode sample) when it ends.
    public func transmit(count: Int) throws(SimulatedI2CFault) -> [UInt8] {
        state.withLock { state in
            var bytes: [UInt8] = []
            bytes.reserveCapacity(count)
            var touchedData = false
            for _ in 0..<count {
                let address = state.pointer
                if address == ADXL345.Register.intSource, state.timing == .interruptSourceReads,
                    Self.isMeasuring(state)
                {
                    Self.convert(&state)
                }
                if (ADXL345.Register.dataX0...ADXL345.Register.dataZ1).contains(address) { touchedData = true }
                bytes.append(Self.peek(state, address))
                state.pointer &+= 1
            }
            if touchedData { Self.popData(&state) }
            return bytes
        }
    }

    // MARK: Model

    private static func isMeasuring(_ state: State) -> Bool {
        state.registers[Int(ADXL345.Register.powerCtl)] & ADXL345.powerCtlMeasure != 0
    }

    private static func fifoMode(_ state: State) -> ADXL345.FIFOMode {
        ADXL345.FIFOMode(rawValue: state.registers[Int(ADXL345.Register.fifoCtl)] >> 6) ?? .bypass
    }

    private static func interruptSource(_ state: State) -> UInt8 {
        var source = ADXL345.Interrupts()
        let samples = Int(state.registers[Int(ADXL345.Register.fifoCtl)] & 0x1F)
        if fifoMode(state) == .bypass {
            if state.dataReady { source.insert(.dataReady) }
            // "A value of 0 in the samples bits immediately sets the watermark status bit", whatever the mode.
            if samples == 0 { source.insert(.watermark) }
        } else {
            if !state.fifo.isEmpty { source.insert(.dataReady) }
            if state.fifo.count >= samples { source.insert(.watermark) }
        }
        if state.overrun { source.insert(.overrun) }
        return source.rawValue
    }

    private static func interrupts(_ state: State) -> (int1: Bool, int2: Bool) {
        let active = interruptSource(state) & state.registers[Int(ADXL345.Register.intEnable)]
        let map = state.registers[Int(ADXL345.Register.intMap)]
        return (active & ~map != 0, active & map != 0)
    }

    private static func peek(_ state: State, _ address: UInt8) -> UInt8 {
        switch address {
        case ADXL345.Register.intSource:
            return interruptSource(state)
        case ADXL345.Register.dataX0...ADXL345.Register.dataZ1:
            // In the FIFO modes the output registers hold the oldest level; once empty, the last one read.
            let word = fifoMode(state) == .bypass ? state.output : state.fifo.first ?? state.output
            return word[Int(address - ADXL345.Register.dataX0)]
        case ADXL345.Register.fifoStatus:
            return fifoMode(state) == .bypass ? 0 : UInt8(state.fifo.count)
        case 0x3A...:
            return 0
        default:
            return state.registers[Int(address)]
        }
    }

    /// The end of a read of the data registers: one FIFO level is gone, and with it Overrun ("cleared when the
    /// contents of FIFO are read"); in bypass mode the sample is no longer new.
    private static func popData(_ state: inout State) {
        if fifoMode(state) == .bypass {
            state.dataReady = false
        } else if !state.fifo.isEmpty {
            state.output = state.fifo.removeFirst()
        }
        state.overrun = false
    }

    private static func write(_ state: inout State, _ address: UInt8, _ value: UInt8) {
        switch address {
        case ADXL345.Register.threshTap...0x2A, ADXL345.Register.intEnable, ADXL345.Register.intMap:
            state.registers[Int(address)] = value
        case ADXL345.Register.bwRate:
            state.registers[Int(address)] = value & 0x1F
        case ADXL345.Register.powerCtl:
            state.registers[Int(address)] = value & 0x3F
        case ADXL345.Register.dataFormat:
            // Bit 4 is reserved (0).
            state.registers[Int(address)] = value & 0xEF
        case ADXL345.Register.fifoCtl:
            state.registers[Int(address)] = value
            // Bypass mode empties the FIFO (data sheet "FIFO": in bypass mode the FIFO is not operational and
            // remains empty).
            if fifoMode(state) == .bypass {
                state.fifo.removeAll()
                state.overrun = false
            }
        default:
            // DEVID, ACT_TAP_STATUS (0x2B), INT_SOURCE, the data registers and FIFO_STATUS are read-only;
            // 0x01…0x1C are reserved.
            break
        }
    }

    /// One conversion of the current acceleration into the data registers or the FIFO.
    private static func convert(_ state: inout State) {
        let format = state.registers[Int(ADXL345.Register.dataFormat)]
        let range = ADXL345.Range(rawValue: format & 0x03) ?? .g2
        let fullResolution = format & ADXL345.dataFormatFullRes != 0
        let leftJustified = format & ADXL345.dataFormatJustify != 0
        let bits = range.resolutionBits(fullResolution: fullResolution)
        let lsbPerG = range.lsbPerG(fullResolution: fullResolution)
        let selfTest = format & ADXL345.dataFormatSelfTest != 0 && state.selfTestResponds
        let shift: (x: Double, y: Double, z: Double) = selfTest ? state.selfTestResponse : (0, 0, 0)
        let axes = [
            state.acceleration.x + shift.x, state.acceleration.y + shift.y, state.acceleration.z + shift.z,
        ]
        var word: [UInt8] = []
        for (axis, g) in axes.enumerated() {
            let offset = Double(Int8(bitPattern: state.registers[Int(ADXL345.Register.ofsX) + axis]))
            let total = g + offset / ADXL345.offsetLSBPerG
            // Clamp before converting: an absurd test value must saturate like the ADC, not trap.
            let count = Int(min(max((total * lsbPerG).rounded(), -100_000), 100_000))
            word += ADXL345.encode(count, bits: bits, leftJustified: leftJustified)
        }
        state.conversions += 1
        switch fifoMode(state) {
        case .bypass:
            if state.dataReady { state.overrun = true }
            state.output = word
            state.dataReady = true
        case .fifo:
            guard state.fifo.count < ADXL345.maxFIFOEntries else {
                state.overrun = true
                return
            }
            state.fifo.append(word)
        case .stream, .trigger:
            if state.fifo.count >= ADXL345.maxFIFOEntries {
                state.fifo.removeFirst()
                state.overrun = true
            }
            state.fifo.append(word)
        }
    }
}
