public import HAL
import Locking

/// A register-level model of the BME280 for `SimulatedI2CBus` (BST-BME280-DS002 rev. 1.6).
///
/// Modelled: the register file with its reset values (5.3, Table 18), the chip ID, the calibration NVM (0x88…0xA1,
/// 0xE1…0xE7), soft reset via 0xE0 = 0xB6 with an NVM copy (`im_update`), register auto-increment on reads, writes
/// as register/value pairs (6.2.1), ctrl_hum taking effect only at the next ctrl_meas write (5.4.3), config writes
/// ignored in normal mode (5.4.6), forced mode (one conversion, `measuring` set while it runs, then back to sleep),
/// normal mode, skipped channels reading 0x80000/0x8000, and the output resolution of 16 + (osrs − 1) bits with the
/// filter off (3.4.2, 3.4.3). Physical values set with `setEnvironment` become raw ADC values by inverting the
/// datasheet's compensation formulas. See README.md for what is not modelled.
public final class SimulatedBME280: SimulatedI2CChip {
    /// How long a conversion (and the NVM copy after reset) takes.
    public enum Timing: Sendable, Hashable {
        /// Real time: a conversion takes its typical time (datasheet 9.1), the NVM copy the start-up time (2 ms).
        case timed
        /// The busy bit (`measuring` or `im_update`) reads 1 for this many reads of the status register, then the
        /// work is done: deterministic timing for tests. `Int.max` never finishes.
        case statusReads(Int)
    }

    private enum Busy: Equatable {
        case idle
        case until(ContinuousClock.Instant)
        case statusReads(Int)
    }

    private struct State {
        var registers = [UInt8](repeating: 0, count: 256)
        var pointer: UInt8 = 0
        var raw = BME280.RawSample(adcT: BME280.skippedADC20, adcP: BME280.skippedADC20, adcH: BME280.skippedADC16)
        var timing: Timing
        var conversion: Busy = .idle
        var nvmCopy: Busy = .idle
        /// osrs_h latched at the last ctrl_meas write (5.4.3).
        var latchedHumidityOversampling: BME280.Oversampling = .skipped
        /// Normal mode after its first conversion: the data registers follow the environment.
        var converting = false
        var conversions = 0
        var softResets = 0
        var ignoredConfigWrites = 0
    }

    /// The trimming parameters in the sim's NVM.
    public let calibration: BME280.Calibration
    private let state: Lock<State>

    /// Calibration of the simulated part: dig_T1…dig_P9 are the BMP280 datasheet's worked example (BST-BMP280-DS001
    /// 3.12; the BME280 uses the same temperature and pressure formulas), dig_H1…dig_H6 are those of a sample part.
    public static let sampleCalibration = BME280.Calibration(
        digT1: 27504, digT2: 26435, digT3: -1000,
        digP1: 36477, digP2: -10685, digP3: 3024, digP4: 2855, digP5: 140, digP6: -7, digP7: 15500, digP8: -14600,
        digP9: 6000,
        digH1: 75, digH2: 362, digH3: 0, digH4: 313, digH5: 50, digH6: 30)

    /// - Parameters:
    ///   - calibration: the NVM trimming parameters.
    ///   - chipID: what register 0xD0 reads (0x60; 0x58 makes it look like a BMP280).
    ///   - timing: how long conversions and the NVM copy take.
    public init(
        calibration: BME280.Calibration = sampleCalibration, chipID: UInt8 = BME280.chipID, timing: Timing = .timed
    ) {
        self.calibration = calibration
        var state = State(timing: timing)
        state.registers[Int(BME280.Register.id)] = chipID
        let blocks = calibration.registerBlocks
        for (offset, byte) in blocks.block1.enumerated() {
            state.registers[Int(BME280.Register.calib00) + offset] = byte
        }
        for (offset, byte) in blocks.block2.enumerated() {
            state.registers[Int(BME280.Register.calib26) + offset] = byte
        }
        Self.resetRegisters(&state)
        // Until a test sets the air: 25 °C, 101 325 Pa (ISA sea level), 50 %RH.
        state.raw = Self.rawSample(
            calibration: calibration, temperatureCelsius: 25, pressurePascals: 101_325, humidityPercent: 50)
        self.state = Lock(state)
    }

    // MARK: Test hooks

    /// Sets the air the sensor sits in. Each value becomes the raw ADC reading that the datasheet's compensation
    /// turns back into it (found by bisection over the monotonic formulas, so the driver reads it back to within the
    /// formulas' resolution). The next conversion latches it.
    public func setEnvironment(temperatureCelsius: Double, pressurePascals: Double, humidityPercent: Double) {
        let raw = Self.rawSample(
            calibration: calibration, temperatureCelsius: temperatureCelsius, pressurePascals: pressurePascals,
            humidityPercent: humidityPercent)
        state.withLock { $0.raw = raw }
    }

    /// Sets the raw ADC values the next conversion produces (before the resolution of the oversampling setting).
    public func setRawADC(temperature: Int32, pressure: Int32, humidity: Int32) {
        state.withLock { $0.raw = BME280.RawSample(adcT: temperature, adcP: pressure, adcH: humidity) }
    }

    /// Changes how long later conversions and NVM copies take.
    public func setTiming(_ timing: Timing) {
        state.withLock { $0.timing = timing }
    }

    /// The current content of a register as the bus would read it.
    public func register(_ address: UInt8) -> UInt8 {
        state.withLock { state in
            Self.advance(&state)
            return Self.read(&state, address)
        }
    }

    /// Whether a conversion is running (`measuring` would read 1).
    public var isMeasuring: Bool { state.withLock { $0.conversion != .idle } }

    /// Conversions completed since creation.
    public var conversionCount: Int { state.withLock { $0.conversions } }

    /// Soft resets (0xB6 written to 0xE0) since creation.
    public var softResetCount: Int { state.withLock { $0.softResets } }

    /// Writes to config (0xF5) ignored because the chip was in normal mode (5.4.6).
    public var ignoredConfigWriteCount: Int { state.withLock { $0.ignoredConfigWrites } }

    // MARK: SimulatedI2CChip

    /// A write message: a register address, optionally followed by value/address pairs (datasheet 6.2.1: no
    /// auto-increment on writes). The last address written is where a following read starts.
    public func received(_ bytes: [UInt8]) throws(SimulatedI2CFault) {
        state.withLock { state in
            Self.advance(&state)
            guard let first = bytes.first else { return }
            state.pointer = first
            var index = 0
            while index + 1 < bytes.count {
                Self.write(&state, bytes[index], bytes[index + 1])
                index += 2
                if index < bytes.count { state.pointer = bytes[index] }
            }
        }
    }

    /// A read message: registers from the pointer on, auto-incrementing.
    public func transmit(count: Int) throws(SimulatedI2CFault) -> [UInt8] {
        state.withLock { state in
            var bytes: [UInt8] = []
            bytes.reserveCapacity(count)
            for _ in 0..<count {
                Self.advance(&state)
                bytes.append(Self.read(&state, state.pointer))
                if state.pointer == BME280.Register.status { Self.consumeStatusRead(&state) }
                state.pointer &+= 1
            }
            return bytes
        }
    }

    // MARK: Model

    private static func resetRegisters(_ state: inout State) {
        for address in [
            BME280.Register.ctrlHum, BME280.Register.status, BME280.Register.ctrlMeas, BME280.Register.config,
        ] {
            state.registers[Int(address)] = 0x00
        }
        // Data registers reset to 0x80 00 00 (press, temp) and 0x80 00 (hum) (Table 18).
        let resetData: [UInt8] = [0x80, 0x00, 0x00, 0x80, 0x00, 0x00, 0x80, 0x00]
        for (offset, byte) in resetData.enumerated() { state.registers[Int(BME280.Register.pressMSB) + offset] = byte }
        state.conversion = .idle
        state.converting = false
        state.latchedHumidityOversampling = .skipped
    }

    private static func read(_ state: inout State, _ address: UInt8) -> UInt8 {
        switch address {
        case BME280.Register.status:
            var status: UInt8 = 0
            if state.conversion != .idle { status |= BME280.statusMeasuring }
            if state.nvmCopy != .idle { status |= BME280.statusImUpdate }
            return status
        case BME280.Register.reset:
            return 0x00
        case BME280.Register.pressMSB...0xFE:
            // Normal mode keeps converting: the data registers follow the environment (standby not modelled).
            if state.converting { latch(&state) }
            return state.registers[Int(address)]
        default:
            return state.registers[Int(address)]
        }
    }

    private static func write(_ state: inout State, _ address: UInt8, _ value: UInt8) {
        switch address {
        case BME280.Register.reset:
            guard value == BME280.softResetCommand else { return }
            state.softResets += 1
            resetRegisters(&state)
            state.nvmCopy = start(state.timing, duration: BME280.startupTime)
        case BME280.Register.ctrlHum:
            state.registers[Int(address)] = value & 0x07
        case BME280.Register.config:
            guard BME280.Mode(field: state.registers[Int(BME280.Register.ctrlMeas)]) != .normal else {
                state.ignoredConfigWrites += 1
                return
            }
            state.registers[Int(address)] = value & 0xFD
        case BME280.Register.ctrlMeas:
            state.registers[Int(address)] = value
            state.latchedHumidityOversampling = BME280.Oversampling(
                field: state.registers[Int(BME280.Register.ctrlHum)])
            state.converting = false
            switch BME280.Mode(field: value) {
            case .sleep:
                state.conversion = .idle
            case .forced, .normal:
                let duration = BME280.typicalMeasurementTime(
                    temperature: BME280.Oversampling(field: value >> 5),
                    pressure: BME280.Oversampling(field: value >> 2),
                    humidity: state.latchedHumidityOversampling)
                state.conversion = start(state.timing, duration: duration)
                if state.conversion == .idle { finishConversion(&state) }
            }
        default:
            // id, calibration, status and data registers are read-only.
            break
        }
    }

    private static func start(_ timing: Timing, duration: Duration) -> Busy {
        switch timing {
        case .timed: .until(.now + duration)
        case .statusReads(let reads): reads > 0 ? .statusReads(reads) : .idle
        }
    }

    /// Lets real time pass: ends the NVM copy and the conversion whose typical time is over.
    private static func advance(_ state: inout State) {
        if case .until(let end) = state.nvmCopy, ContinuousClock.now >= end { state.nvmCopy = .idle }
        if case .until(let end) = state.conversion, ContinuousClock.now >= end {
            state.conversion = .idle
            finishConversion(&state)
        }
    }

    /// A status read has seen the busy bits: with `.statusReads` timing, it uses one up; the last one ends the work,
    /// so the next read sees the bit clear.
    private static func consumeStatusRead(_ state: inout State) {
        if case .statusReads(let left) = state.nvmCopy { state.nvmCopy = left > 1 ? .statusReads(left - 1) : .idle }
        if case .statusReads(let left) = state.conversion {
            if left > 1 {
                state.conversion = .statusReads(left - 1)
            } else {
                state.conversion = .idle
                finishConversion(&state)
            }
        }
    }

    private static func finishConversion(_ state: inout State) {
        state.conversions += 1
        latch(&state)
        let ctrlMeas = state.registers[Int(BME280.Register.ctrlMeas)]
        if BME280.Mode(field: ctrlMeas) == .normal {
            state.converting = true
        } else {
            // Forced mode: after the conversion the chip returns to sleep (datasheet 3.3.3).
            state.registers[Int(BME280.Register.ctrlMeas)] = ctrlMeas & ~0b11
        }
    }

    /// Copies the environment into the data registers at the current oversampling's resolution.
    private static func latch(_ state: inout State) {
        let ctrlMeas = state.registers[Int(BME280.Register.ctrlMeas)]
        let filterOn = (state.registers[Int(BME280.Register.config)] >> 2) & 0x07 != 0
        let t = output20(state.raw.adcT, BME280.Oversampling(field: ctrlMeas >> 5), filterOn: filterOn)
        let p = output20(state.raw.adcP, BME280.Oversampling(field: ctrlMeas >> 2), filterOn: filterOn)
        let h = state.latchedHumidityOversampling == .skipped ? BME280.skippedADC16 : state.raw.adcH & 0xFFFF
        let bytes: [UInt8] = [
            UInt8(p >> 12), UInt8((p >> 4) & 0xFF), UInt8((p & 0x0F) << 4),
            UInt8(t >> 12), UInt8((t >> 4) & 0xFF), UInt8((t & 0x0F) << 4),
            UInt8(h >> 8), UInt8(h & 0xFF),
        ]
        for (offset, byte) in bytes.enumerated() { state.registers[Int(BME280.Register.pressMSB) + offset] = byte }
    }

    /// A 20-bit output: 0x80000 when skipped; with the filter off, 16 + (osrs − 1) significant bits (3.4.2, 3.4.3).
    private static func output20(_ raw: Int32, _ oversampling: BME280.Oversampling, filterOn: Bool) -> Int32 {
        guard oversampling != .skipped else { return BME280.skippedADC20 }
        let value = min(max(raw, 0), 0xFFFFF)
        guard !filterOn else { return value }
        let droppedBits = Int32(5 - oversampling.rawValue)
        guard droppedBits > 0 else { return value }
        let half: Int32 = 1 << (droppedBits - 1)
        let mask = ~((Int32(1) << droppedBits) - 1)
        return min((value + half) & mask, 0xFFFFF & mask)
    }

    // MARK: Inverting the compensation

    /// The raw sample whose compensation gives these values: temperature first (it fixes `t_fine`), then pressure
    /// and humidity at that `t_fine`.
    static func rawSample(
        calibration c: BME280.Calibration, temperatureCelsius: Double, pressurePascals: Double, humidityPercent: Double
    ) -> BME280.RawSample {
        // T = t_fine / 5120 (°C); matching t_fine rather than the 0.01 °C output keeps the full resolution.
        let adcT = invert(0...0xFFFFF, target: temperatureCelsius * 5120) {
            Double(c.fineTemperature(adcT: $0))
        }
        let tFine = c.fineTemperature(adcT: adcT)
        // Pressure falls as adc_P rises: bisect on the negated value.
        let adcP = invert(0...0xFFFFF, target: -pressurePascals * 256) {
            -Double(c.pressure256thsPascal(adcP: $0, fineTemperature: tFine) ?? 0)
        }
        let adcH = invert(0...0xFFFF, target: humidityPercent * 1024) {
            Double(c.humidity1024thsPercent(adcH: $0, fineTemperature: tFine))
        }
        return BME280.RawSample(adcT: adcT, adcP: adcP, adcH: adcH)
    }

    /// The input in `range` whose output is nearest `target`, for a non-decreasing `f`.
    private static func invert(_ range: ClosedRange<Int32>, target: Double, _ f: (Int32) -> Double) -> Int32 {
        var low = range.lowerBound
        var high = range.upperBound
        while low < high {
            let mid = low + (high - low) / 2
            if f(mid) < target { low = mid + 1 } else { high = mid }
        }
        if low > range.lowerBound, abs(f(low - 1) - target) <= abs(f(low) - target) { return low - 1 }
        return low
    }
}
