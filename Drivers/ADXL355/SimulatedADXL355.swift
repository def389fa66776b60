public import HAL
import Locking

/// A register-level model of the ADXL355 for `SimulatedI2CBus` (ADXL354/ADXL355 data sheet).
///
/// Modelled: the register file with its reset values and ID registers; reset by 0x52 to 0x2F (reset values, empty
/// FIFO, NVM_BUSY for a number of STATUS reads); address auto-increment on reads and writes, except on FIFO_DATA
/// (0x11), where every 3 bytes read pop one FIFO entry; standby (reset state: no conversions) and measurement mode;
/// each conversion latches x/y/z into the data registers (20-bit, left-justified, at the range's sensitivity, less
/// the offset registers × 16, clamped to full scale), appends three entries to the 96-entry FIFO (x with the x-axis
/// marker) and sets DATA_RDY; FIFO_ENTRIES, FIFO_FULL against FIFO_SAMPLES, FIFO_OVR on overflow, the empty
/// indicator when popping an empty FIFO; DATA_RDY cleared by reading STATUS or the data registers, FIFO_OVR by
/// reading STATUS; the self-test response added while ST1 and ST2 are both set; the temperature registers; INT1/INT2
/// from INT_MAP, the status and INT_POL. See README.md for what is not modelled.
public final class SimulatedADXL355: SimulatedI2CChip {
    /// When the simulated chip converts.
    public enum Timing: Sendable, Hashable {
        /// Only when a test hook sets the acceleration (`setAcceleration`, `pushSamples`): fully deterministic.
        case manual
        /// In measurement mode each STATUS read first completes one conversion of the current acceleration, so a
        /// driver polling DATA_RDY always finds a fresh sample. Hooks convert too.
        case statusReads
        /// Free-running at the output data rate in real time (conversions are caught up at each bus access).
        /// Hooks convert too.
        case timed
    }

    /// What a conversion does to a full FIFO.
    public enum OverrunPolicy: Sendable, Hashable {
        /// New entries push the oldest out, so the read side sees the newest 96 entries (as reported for the part:
        /// with a full FIFO, new data moves the read pointer).
        case overwriteOldest
        /// New entries are dropped and the FIFO keeps the oldest 96.
        case discardNewest
    }

    private struct State {
        var registers = [UInt8](repeating: 0, count: 0x30)
        var pointer: UInt8 = 0
        var fifo: [[UInt8]] = []
        var poppedEntry: [UInt8] = []
        var poppedByteIndex = 0
        var dataReady = false
        var overrun = false
        var nvmBusyReadsLeft = 0
        var acceleration: (x: Double, y: Double, z: Double) = (0, 0, 1)
        var selfTestResponse = ADXL355.typicalSelfTestResponseG
        var selfTestResponds = true
        var timing: Timing
        var overrunPolicy: OverrunPolicy
        var nvmBusyStatusReads: Int
        var lastConversion: ContinuousClock.Instant?
        var conversions = 0
        var resets = 0
        var lostEntries = 0
    }

    private let state: Lock<State>

    /// - Parameters:
    ///   - timing: when conversions happen.
    ///   - overrunPolicy: what a conversion does to a full FIFO.
    ///   - partID: what PARTID (0x02) reads; 0xE9 makes it look like an ADXL359.
    ///   - revisionID: what REVID (0x03) reads.
    ///   - nvmBusyStatusReads: how many STATUS reads after a reset still show NVM_BUSY.
    public init(
        timing: Timing = .statusReads, overrunPolicy: OverrunPolicy = .overwriteOldest,
        partID: UInt8 = ADXL355.partID, revisionID: UInt8 = 0x01, nvmBusyStatusReads: Int = 1
    ) {
        var state = State(timing: timing, overrunPolicy: overrunPolicy, nvmBusyStatusReads: nvmBusyStatusReads)
        Self.resetRegisters(&state)
        state.registers[Int(ADXL355.Register.partID)] = partID
        state.registers[Int(ADXL355.Register.revID)] = revisionID
        Self.setTemperatureRegisters(&state, celsius: 25)
        self.state = Lock(state)
    }

    // MARK: Test hooks

    /// Sets the acceleration the sensor feels, in g. In measurement mode this completes one conversion right away
    /// (data registers, FIFO, DATA_RDY); in standby it is only remembered for the next conversion.
    public func setAcceleration(x: Double, y: Double, z: Double) {
        state.withLock { state in
            Self.advance(&state)
            state.acceleration = (x, y, z)
            if Self.isMeasuring(state) { Self.convert(&state) }
        }
    }

    /// Feeds conversions, in g, one per sample, as the chip would make them at its data rate: each lands in the
    /// data registers and the FIFO (converted at the current range). In standby the chip converts nothing and the
    /// samples are dropped. Returns how many were converted.
    @discardableResult
    public func pushSamples(_ samples: [(x: Double, y: Double, z: Double)]) -> Int {
        state.withLock { state in
            Self.advance(&state)
            guard Self.isMeasuring(state) else { return 0 }
            for sample in samples {
                state.acceleration = sample
                Self.convert(&state)
            }
            return samples.count
        }
    }

    /// Sets the die temperature; TEMP2/TEMP1 take the raw value the nominal transfer function maps back to it
    /// (1885 LSB at 25 °C, −9.05 LSB/°C, rounded, clamped to 12 bits).
    public func setTemperature(celsius: Double) {
        state.withLock { Self.setTemperatureRegisters(&$0, celsius: celsius) }
    }

    /// The output change, in g, while ST1 and ST2 are both set (default: the data sheet's typical 0.3, 0.3, 1.5 g).
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
        state.withLock { state in
            state.timing = timing
            state.lastConversion = Self.isMeasuring(state) ? .now : nil
        }
    }

    /// The content of a register without the side effects of a bus read (STATUS is not cleared, FIFO not popped;
    /// FIFO_DATA reads as the head entry's first byte).
    public func register(_ address: UInt8) -> UInt8 {
        state.withLock { state in
            Self.advance(&state)
            return Self.peek(state, address)
        }
    }

    /// Entries (one axis each) in the FIFO.
    public var fifoEntryCount: Int {
        state.withLock { state in
            Self.advance(&state)
            return state.fifo.count
        }
    }

    /// DATA_RDY as STATUS would show it now.
    public var dataReady: Bool {
        state.withLock { state in
            Self.advance(&state)
            return state.dataReady
        }
    }

    /// FIFO_FULL: the FIFO holds at least FIFO_SAMPLES entries.
    public var watermarkReached: Bool {
        state.withLock { state in
            Self.advance(&state)
            return Self.watermarkReached(state)
        }
    }

    /// Whether INT1 and INT2 are asserted: an INT_MAP bit is set whose status event is present.
    public var interruptAsserted: (int1: Bool, int2: Bool) {
        state.withLock { state in
            Self.advance(&state)
            return Self.interrupts(state)
        }
    }

    /// The electrical level of INT1 and INT2 (`true` = high): the asserted state through INT_POL (Range bit 6;
    /// 0 = active low, the reset value, so an idle pin is high). For driving a simulated GPIO input.
    public var interruptLevel: (int1: Bool, int2: Bool) {
        state.withLock { state in
            Self.advance(&state)
            let asserted = Self.interrupts(state)
            let activeHigh = state.registers[Int(ADXL355.Register.range)] & ADXL355.rangeInterruptActiveHigh != 0
            return (asserted.int1 == activeHigh, asserted.int2 == activeHigh)
        }
    }

    /// Whether the chip is in measurement mode (POWER_CTL STANDBY = 0).
    public var isMeasuring: Bool { state.withLock { Self.isMeasuring($0) } }

    /// Conversions made since creation.
    public var conversionCount: Int {
        state.withLock { state in
            Self.advance(&state)
            return state.conversions
        }
    }

    /// Resets (0x52 written to 0x2F) since creation.
    public var resetCount: Int { state.withLock { $0.resets } }

    /// FIFO entries lost to overruns since creation.
    public var lostFIFOEntryCount: Int {
        state.withLock { state in
            Self.advance(&state)
            return state.lostEntries
        }
    }

    // MARK: SimulatedI2CChip

    /// A write message: the register address, then values for it and the following registers (auto-increment;
    /// read-only and reserved registers ignore writes).
    public func received(_ bytes: [UInt8]) throws(SimulatedI2CFault) {
        state.withLock { state in
            Self.advance(&state)
            guard let first = bytes.first else { return }
            state.pointer = first
            // A new address ends any partly read FIFO entry; its remaining bytes are lost.
            state.poppedByteIndex = 0
            for value in bytes.dropFirst() {
                Self.write(&state, state.pointer, value)
                Self.step(&state)
            }
        }
    }

    /// A read message: registers from the pointer on, auto-incrementing except on FIFO_DATA.
    public func transmit(count: Int) throws(SimulatedI2CFault) -> [UInt8] {
        state.withLock { state in
            Self.advance(&state)
            var bytes: [UInt8] = []
            bytes.reserveCapacity(count)
            for _ in 0..<count {
                bytes.append(Self.read(&state, state.pointer))
                Self.step(&state)
            }
            return bytes
        }
    }

    // MARK: Model

    private static func resetRegisters(_ state: inout State) {
        let keep = (
            part: state.registers[Int(ADXL355.Register.partID)], revision: state.registers[Int(ADXL355.Register.revID)],
            temp2: state.registers[Int(ADXL355.Register.temp2)], temp1: state.registers[Int(ADXL355.Register.temp1)]
        )
        state.registers = [UInt8](repeating: 0, count: 0x30)
        state.registers[Int(ADXL355.Register.devidAD)] = ADXL355.analogDevicesID
        state.registers[Int(ADXL355.Register.devidMST)] = ADXL355.memsID
        state.registers[Int(ADXL355.Register.partID)] = keep.part
        state.registers[Int(ADXL355.Register.revID)] = keep.revision
        state.registers[Int(ADXL355.Register.temp2)] = keep.temp2
        state.registers[Int(ADXL355.Register.temp1)] = keep.temp1
        state.registers[Int(ADXL355.Register.actCount)] = 0x01
        state.registers[Int(ADXL355.Register.fifoSamples)] = ADXL355.defaultFIFOWatermark
        state.registers[Int(ADXL355.Register.range)] = ADXL355.rangeI2CHighSpeed | ADXL355.Range.g2.rawValue
        state.registers[Int(ADXL355.Register.powerCtl)] = ADXL355.powerCtlStandby
        state.fifo.removeAll()
        state.poppedByteIndex = 0
        state.dataReady = false
        state.overrun = false
        state.lastConversion = nil
    }

    private static func setTemperatureRegisters(_ state: inout State, celsius: Double) {
        let raw =
            ADXL355.temperatureInterceptLSB + (celsius - ADXL355.temperatureInterceptCelsius)
            * ADXL355.temperatureSlopeLSBPerCelsius
        let clamped = UInt16(min(max(raw.rounded(), 0), 4095))
        state.registers[Int(ADXL355.Register.temp2)] = UInt8(clamped >> 8)
        state.registers[Int(ADXL355.Register.temp1)] = UInt8(truncatingIfNeeded: clamped)
    }

    private static func isMeasuring(_ state: State) -> Bool {
        state.registers[Int(ADXL355.Register.powerCtl)] & ADXL355.powerCtlStandby == 0
    }

    private static func range(_ state: State) -> ADXL355.Range {
        // Range bits 00 are reserved; the model treats them as ±2 g.
        ADXL355.Range(rawValue: state.registers[Int(ADXL355.Register.range)] & 0x03) ?? .g2
    }

    private static func outputDataRate(_ state: State) -> ADXL355.OutputDataRate {
        // ODR_LPF codes 11…15 are reserved; the model runs them at the slowest rate.
        ADXL355.OutputDataRate(rawValue: state.registers[Int(ADXL355.Register.filter)] & 0x0F) ?? .hz3p906
    }

    private static func watermarkReached(_ state: State) -> Bool {
        let watermark = Int(state.registers[Int(ADXL355.Register.fifoSamples)] & 0x7F)
        return watermark > 0 && state.fifo.count >= watermark
    }

    private static func statusBits(_ state: State) -> UInt8 {
        var status = ADXL355.Status()
        if state.dataReady { status.insert(.dataReady) }
        if watermarkReached(state) { status.insert(.fifoFull) }
        if state.overrun { status.insert(.fifoOverrun) }
        if state.nvmBusyReadsLeft > 0 { status.insert(.nvmBusy) }
        return status.rawValue
    }

    private static func interrupts(_ state: State) -> (int1: Bool, int2: Bool) {
        // INT_MAP bits 3:0 (INT1) and 7:4 (INT2) line up with STATUS bits 3:0 (DATA_RDY, FIFO_FULL, FIFO_OVR,
        // Activity); NVM_BUSY drives no pin.
        let events = statusBits(state) & 0x0F
        let map = state.registers[Int(ADXL355.Register.intMap)]
        return (map & 0x0F & events != 0, map >> 4 & events != 0)
    }

    /// One conversion of the current acceleration: data registers, FIFO, DATA_RDY.
    private static func convert(_ state: inout State) {
        let lsbPerG = range(state).sensitivityLSBPerG
        let selfTest = state.registers[Int(ADXL355.Register.selfTest)] & 0x03 == 0x03 && state.selfTestResponds
        let excitation: (x: Double, y: Double, z: Double) = selfTest ? state.selfTestResponse : (0, 0, 0)
        let axes = [
            state.acceleration.x + excitation.x, state.acceleration.y + excitation.y,
            state.acceleration.z + excitation.z,
        ]
        for (axis, g) in axes.enumerated() {
            let offsetAddress = Int(ADXL355.Register.offsetXH) + axis * 2
            let offset = Int16(
                bitPattern: UInt16(state.registers[offsetAddress]) << 8
                    | UInt16(state.registers[offsetAddress + 1]))
            // Clamp before converting: an absurd test value must saturate like the ADC, not trap.
            let lsb = Int32(min(max((g * lsbPerG).rounded(), -2_000_000), 2_000_000)) - Int32(offset) * 16
            let bytes = ADXL355.encode20(lsb)
            for (index, byte) in bytes.enumerated() {
                state.registers[Int(ADXL355.Register.xdata3) + axis * 3 + index] = byte
            }
            pushEntry(&state, axis == 0 ? [bytes[0], bytes[1], bytes[2] | ADXL355.FIFOEntry.xAxisMarker] : bytes)
        }
        state.dataReady = true
        state.conversions += 1
    }

    private static func pushEntry(_ state: inout State, _ entry: [UInt8]) {
        guard state.fifo.count >= ADXL355.fifoCapacity else {
            state.fifo.append(entry)
            return
        }
        state.overrun = true
        state.lostEntries += 1
        switch state.overrunPolicy {
        case .overwriteOldest:
            state.fifo.removeFirst()
            state.fifo.append(entry)
        case .discardNewest:
            break
        }
    }

    /// Catches up on free-running conversions (`.timed`).
    private static func advance(_ state: inout State) {
        guard state.timing == .timed, isMeasuring(state) else { return }
        let now = ContinuousClock.now
        guard let last = state.lastConversion else {
            state.lastConversion = now
            return
        }
        let period = outputDataRate(state).period
        let due = Int((now - last) / period)
        guard due > 0 else { return }
        // More than a FIFO's worth of conversions leaves the same state as a FIFO's worth plus one overrun.
        for _ in 0..<min(due, ADXL355.fifoCapacity / 3 + 1) { convert(&state) }
        state.lastConversion = last + period * due
    }

    private static func step(_ state: inout State) {
        // FIFO_DATA does not auto-increment: a burst read stays on 0x11 and keeps popping entries.
        if state.pointer != ADXL355.Register.fifoData { state.pointer &+= 1 }
    }

    private static func peek(_ state: State, _ address: UInt8) -> UInt8 {
        switch address {
        case ADXL355.Register.status: statusBits(state)
        case ADXL355.Register.fifoEntries: UInt8(state.fifo.count)
        case ADXL355.Register.fifoData: state.fifo.first?[0] ?? 0
        case ADXL355.Register.reset: 0
        case 0x30...: 0
        default: state.registers[Int(address)]
        }
    }

    private static func read(_ state: inout State, _ address: UInt8) -> UInt8 {
        switch address {
        case ADXL355.Register.status:
            if state.timing == .statusReads, isMeasuring(state) { convert(&state) }
            let status = statusBits(state)
            state.dataReady = false
            state.overrun = false
            if state.nvmBusyReadsLeft > 0 { state.nvmBusyReadsLeft -= 1 }
            return status
        case ADXL355.Register.xdata3...ADXL355.Register.zdata1:
            state.dataReady = false
            return state.registers[Int(address)]
        case ADXL355.Register.fifoData:
            if state.poppedByteIndex == 0 {
                // Each entry is popped by its first byte; an empty FIFO answers with the empty indicator.
                state.poppedEntry =
                    state.fifo.isEmpty ? [0, 0, ADXL355.FIFOEntry.emptyIndicator] : state.fifo.removeFirst()
            }
            let byte = state.poppedEntry[state.poppedByteIndex]
            state.poppedByteIndex = (state.poppedByteIndex + 1) % ADXL355.FIFOEntry.length
            return byte
        default:
            return peek(state, address)
        }
    }

    private static func write(_ state: inout State, _ address: UInt8, _ value: UInt8) {
        switch address {
        case ADXL355.Register.offsetXH...ADXL355.Register.intMap, ADXL355.Register.sync:
            let mask: UInt8 =
                switch address {
                case ADXL355.Register.actEn: 0x07
                case ADXL355.Register.filter: 0x7F
                case ADXL355.Register.fifoSamples: 0x7F
                case ADXL355.Register.sync: 0x07
                default: 0xFF
                }
            state.registers[Int(address)] = value & mask
        case ADXL355.Register.range:
            state.registers[Int(address)] = value & 0xC3
        case ADXL355.Register.powerCtl:
            let wasMeasuring = isMeasuring(state)
            state.registers[Int(address)] = value & 0x07
            if !wasMeasuring, isMeasuring(state) { state.lastConversion = .now }
        case ADXL355.Register.selfTest:
            state.registers[Int(address)] = value & 0x03
        case ADXL355.Register.reset:
            guard value == ADXL355.resetCode else { return }
            state.resets += 1
            resetRegisters(&state)
            state.nvmBusyReadsLeft = state.nvmBusyStatusReads
        default:
            // ID, status, data and FIFO registers are read-only; 0x12…0x1D and 0x30… are reserved.
            break
        }
    }
}
