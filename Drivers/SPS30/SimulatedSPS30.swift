public import HAL
import Locking

/// A command-level model of the SPS30 on I²C for `SimulatedI2CBus` (Sensirion SPS30 datasheet v2.0, section 6).
///
/// Modelled: the 16-bit command pointer and repeated reads from it (6.1); CRC-8 on every word read, and on every
/// word written — a write with a bad CRC is NACKed; Idle- and Measurement-Mode (4.1) with the datasheet's mode
/// restrictions (Start Measurement only in Idle-Mode, Stop Measurement and Start Fan Cleaning only in
/// Measurement-Mode), a refused command being NACKed; a new measurement every second that sets the data-ready flag,
/// which Read Measured Values clears; all-zero values before the first measurement; float and uint16 output
/// formats; fan cleaning (10 s, values frozen meanwhile); the auto cleaning interval, including the firmware < 2.2
/// quirk that a written value reads back only after the next start/reset (6.3.8); product type, serial number,
/// firmware version, the device status register and device reset. See README.md for what is not modelled.
public final class SimulatedSPS30: SimulatedI2CChip {
    /// How time passes for measurements and fan cleaning.
    public enum Timing: Sendable, Hashable {
        /// Real time: a measurement each second after Start Measurement, fan cleaning lasts 10 s.
        case timed
        /// The data-ready flag reads 0 for this many polls after each measurement is read (or after the start),
        /// then a new measurement is ready. Fan cleaning lasts until `finishFanCleaning()`.
        case dataReadyAfterPolls(Int)
        /// Nothing happens by itself: `makeDataReady()` and `finishFanCleaning()` move the sim on.
        case manual
    }

    private enum Mode {
        case idle
        case measuring(OutputFormat, since: ContinuousClock.Instant)
    }

    typealias OutputFormat = SPS30.OutputFormat

    private struct State {
        var mode: Mode = .idle
        var pointer: UInt16?
        var timing: Timing
        var air = SPS30.Measurement.zero
        var latest = SPS30.Measurement.zero
        var dataReady = false
        /// Measurements taken since Start Measurement (timed mode counts whole seconds).
        var measurements = 0
        var pollsWithoutData = 0
        var cleaningUntil: ContinuousClock.Instant?
        var cleaningHeld = false
        var autoCleaningIntervalSeconds = SPS30.defaultAutoCleaningIntervalSeconds
        var reportedAutoCleaningIntervalSeconds = SPS30.defaultAutoCleaningIntervalSeconds
        var deviceStatus: UInt32 = 0
        var firmware: SPS30.FirmwareVersion
        var serialNumber: String
        var productType: String
        var corruptWords: [Int] = []
        var fanCleanings = 0
        var resets = 0
        var refusedCommands: [UInt16] = []
    }

    private let state: Lock<State>

    /// - Parameters:
    ///   - timing: how measurements and fan cleaning progress.
    ///   - firmware: what Read Version reports; below 2.2 the auto cleaning interval reads back late (6.3.8).
    ///   - serialNumber: up to 31 ASCII characters.
    ///   - productType: what Read Product Type returns ("00080000" on every SPS30).
    public init(
        timing: Timing = .timed, firmware: SPS30.FirmwareVersion = SPS30.FirmwareVersion(major: 2, minor: 2),
        serialNumber: String = "3E7F3D29C4B1A5D0", productType: String = SPS30.productType
    ) {
        precondition(serialNumber.utf8.count < 32 && serialNumber.utf8.allSatisfy { $0 < 0x80 && $0 != 0 })
        state = Lock(
            State(timing: timing, firmware: firmware, serialNumber: serialNumber, productType: productType))
    }

    // MARK: Test hooks

    /// Sets the particulate values the next measurements report.
    public func setParticulates(_ measurement: SPS30.Measurement) {
        state.withLock { $0.air = measurement }
    }

    /// Takes a measurement now, as if a second had passed: sets the data-ready flag with the current particulates.
    /// Does nothing outside Measurement-Mode or while the fan is cleaning (values are not updated then, 4.2).
    public func makeDataReady() {
        state.withLock { Self.takeMeasurement(&$0) }
    }

    /// Ends a running fan cleaning now.
    public func finishFanCleaning() {
        state.withLock { state in
            state.cleaningUntil = nil
            state.cleaningHeld = false
        }
    }

    /// Whether the fan is cleaning.
    public var isFanCleaning: Bool {
        state.withLock { state in
            Self.advance(&state)
            return state.cleaningHeld || state.cleaningUntil != nil
        }
    }

    /// Whether the sim is in Measurement-Mode.
    public var isMeasuring: Bool {
        state.withLock { if case .measuring = $0.mode { true } else { false } }
    }

    /// The output format chosen by the last Start Measurement, `nil` in Idle-Mode.
    public var outputFormat: SPS30.OutputFormat? {
        state.withLock { if case .measuring(let format, _) = $0.mode { format } else { nil } }
    }

    /// The interval in effect (what the fan follows), as opposed to what a read reports.
    public var autoCleaningIntervalSeconds: UInt32 { state.withLock { $0.autoCleaningIntervalSeconds } }

    /// Fan cleanings started by command since creation.
    public var fanCleaningCount: Int { state.withLock { $0.fanCleanings } }

    /// Device resets since creation.
    public var resetCount: Int { state.withLock { $0.resets } }

    /// Pointers of commands NACKed because of the mode or a bad CRC, in order.
    public var refusedCommands: [UInt16] { state.withLock { $0.refusedCommands } }

    /// The Device Status Register (4.4); set bits to simulate fan or laser failures.
    public var deviceStatus: UInt32 {
        get { state.withLock { $0.deviceStatus } }
        set { state.withLock { $0.deviceStatus = newValue } }
    }

    /// Corrupts the CRC of word `word` (0-based) in the next read, as a disturbed bus line would.
    public func corruptNextReadCRC(word: Int = 0) {
        state.withLock { $0.corruptWords.append(word) }
    }

    // MARK: SimulatedI2CChip

    /// A write message: the 16-bit pointer, then optional CRC-protected words. Unknown pointers, malformed or
    /// mis-checksummed data and commands not allowed in the current mode are NACKed.
    public func received(_ bytes: [UInt8]) throws(SimulatedI2CFault) {
        try state.withLock { state throws(SimulatedI2CFault) in
            Self.advance(&state)
            guard bytes.count >= 2 else { throw .nack }
            let command = UInt16(bytes[0]) << 8 | UInt16(bytes[1])
            guard let words = Self.decode(Array(bytes.dropFirst(2))) else {
                state.refusedCommands.append(command)
                throw .nack
            }
            do throws(SimulatedI2CFault) {
                try Self.execute(&state, command, words)
            } catch {
                state.refusedCommands.append(command)
                throw error
            }
        }
    }

    /// A read message: the response of the command the pointer selects, each word followed by its CRC. Reading
    /// more bytes than the response has gives 0xFF (SDA released). A pointer with nothing to read is NACKed.
    public func transmit(count: Int) throws(SimulatedI2CFault) -> [UInt8] {
        try state.withLock { state throws(SimulatedI2CFault) -> [UInt8] in
            Self.advance(&state)
            guard let pointer = state.pointer, var bytes = try Self.response(&state, pointer) else { throw .nack }
            for word in state.corruptWords where word * 3 + 2 < bytes.count {
                bytes[word * 3 + 2] ^= 0x5A
            }
            state.corruptWords.removeAll()
            bytes = Array(bytes.prefix(count))
            bytes += [UInt8](repeating: 0xFF, count: count - bytes.count)
            return bytes
        }
    }

    // MARK: Model

    private static func decode(_ data: [UInt8]) -> [UInt16]? {
        guard data.count % 3 == 0 else { return nil }
        var words: [UInt16] = []
        for index in stride(from: 0, to: data.count, by: 3) {
            guard SPS30.crc8(data[index], data[index + 1]) == data[index + 2] else { return nil }
            words.append(UInt16(data[index]) << 8 | UInt16(data[index + 1]))
        }
        return words
    }

    private static func execute(_ state: inout State, _ command: UInt16, _ words: [UInt16]) throws(SimulatedI2CFault) {
        let measuring: Bool = if case .measuring = state.mode { true } else { false }
        switch (command, words.count) {
        case (SPS30.Command.startMeasurement, 1):
            guard !measuring, let format = OutputFormat(rawValue: UInt8(words[0] >> 8)), words[0] & 0xFF == 0 else {
                throw .nack
            }
            state.mode = .measuring(format, since: .now)
            state.measurements = 0
            state.pollsWithoutData = 0
            state.dataReady = false
            state.reportedAutoCleaningIntervalSeconds = state.autoCleaningIntervalSeconds
        case (SPS30.Command.stopMeasurement, 0):
            guard measuring else { throw .nack }
            state.mode = .idle
            state.cleaningUntil = nil
            state.cleaningHeld = false
        case (SPS30.Command.startFanCleaning, 0):
            guard measuring else { throw .nack }
            state.fanCleanings += 1
            switch state.timing {
            case .timed: state.cleaningUntil = .now + SPS30.fanCleaningDuration
            case .manual, .dataReadyAfterPolls: state.cleaningHeld = true
            }
        case (SPS30.Command.autoCleaningInterval, 2):
            state.autoCleaningIntervalSeconds = UInt32(words[0]) << 16 | UInt32(words[1])
            if state.firmware >= SPS30.FirmwareVersion(major: 2, minor: 2) {
                state.reportedAutoCleaningIntervalSeconds = state.autoCleaningIntervalSeconds
            }
        case (SPS30.Command.clearDeviceStatusRegister, 0):
            state.deviceStatus = 0
        case (SPS30.Command.deviceReset, 0):
            state.resets += 1
            state.mode = .idle
            state.dataReady = false
            state.latest = .zero
            state.cleaningUntil = nil
            state.cleaningHeld = false
            state.deviceStatus = 0
            state.reportedAutoCleaningIntervalSeconds = state.autoCleaningIntervalSeconds
            state.pointer = nil
            return
        case (SPS30.Command.readDataReadyFlag, 0), (SPS30.Command.readMeasuredValues, 0),
            (SPS30.Command.autoCleaningInterval, 0), (SPS30.Command.readProductType, 0),
            (SPS30.Command.readSerialNumber, 0), (SPS30.Command.readVersion, 0),
            (SPS30.Command.readDeviceStatusRegister, 0):
            break
        default:
            // Unknown pointers, wrong parameter lengths, and Sleep/Wake-up, which the sim does not model.
            throw .nack
        }
        state.pointer = command
    }

    /// The bytes a read of `pointer` sends, or nil when the pointer has nothing to read.
    private static func response(_ state: inout State, _ pointer: UInt16) throws(SimulatedI2CFault) -> [UInt8]? {
        switch pointer {
        case SPS30.Command.readDataReadyFlag:
            if !state.dataReady, case .dataReadyAfterPolls(let polls) = state.timing {
                if state.pollsWithoutData >= polls {
                    takeMeasurement(&state)
                } else {
                    state.pollsWithoutData += 1
                }
            }
            return SPS30.encode(words: [state.dataReady ? 1 : 0])
        case SPS30.Command.readMeasuredValues:
            state.dataReady = false
            state.pollsWithoutData = 0
            let format: OutputFormat = if case .measuring(let format, _) = state.mode { format } else { .float }
            switch format {
            case .float:
                return SPS30.encode(words: state.latest.values.flatMap { SPS30.words(Float($0).bitPattern) })
            case .uint16:
                var values = state.latest.values
                // Integer format reports the typical particle size in nm (4.3).
                values[9] *= 1000
                return SPS30.encode(words: values.map { UInt16(min(max($0.rounded(), 0), 65535)) })
            }
        case SPS30.Command.autoCleaningInterval:
            return SPS30.encode(words: SPS30.words(state.reportedAutoCleaningIntervalSeconds))
        case SPS30.Command.readProductType:
            return string(state.productType, words: 4, terminated: false)
        case SPS30.Command.readSerialNumber:
            return string(state.serialNumber, words: 16, terminated: true)
        case SPS30.Command.readVersion:
            return SPS30.encode(words: [UInt16(state.firmware.major) << 8 | UInt16(state.firmware.minor)])
        case SPS30.Command.readDeviceStatusRegister:
            return SPS30.encode(words: SPS30.words(state.deviceStatus))
        default:
            return nil
        }
    }

    /// ASCII padded with NULs to `words` words; the product type has no terminator (6.3.9).
    private static func string(_ text: String, words: Int, terminated: Bool) -> [UInt8] {
        var bytes = Array(text.utf8.prefix(words * 2 - (terminated ? 1 : 0)))
        bytes += [UInt8](repeating: 0, count: words * 2 - bytes.count)
        let pairs = stride(from: 0, to: bytes.count, by: 2).map { UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]) }
        return SPS30.encode(words: pairs)
    }

    /// Real time: ends a finished fan cleaning and takes the measurements whose second has come.
    private static func advance(_ state: inout State) {
        guard state.timing == .timed else { return }
        let now = ContinuousClock.now
        if let end = state.cleaningUntil, now >= end { state.cleaningUntil = nil }
        guard case .measuring(_, let since) = state.mode else { return }
        let due = Int((now - since) / SPS30.measurementInterval)
        if due > state.measurements {
            state.measurements = due
            takeMeasurement(&state)
        }
    }

    private static func takeMeasurement(_ state: inout State) {
        guard case .measuring = state.mode, !state.cleaningHeld, state.cleaningUntil == nil else { return }
        state.latest = state.air
        state.dataReady = true
        state.pollsWithoutData = 0
    }
}
