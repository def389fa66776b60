public import HAL

/// Driver for the Sensirion SPS30 particulate matter sensor over I²C, written against `I2CDevice` only.
///
/// Every command is a 16-bit pointer (datasheet 6.1): "Set Pointer" writes just the pointer, "Set Pointer & Write
/// Data" appends CRC-protected words, "Set Pointer & Read Data" writes the pointer and then reads words in a separate
/// transfer, each word followed by its CRC-8 (6.2). A CRC mismatch is an `.invalidResponse` naming the word; so is
/// a value no sensor produces (NaN, infinite or negative concentrations). The driver measures in the float output
/// format (0x03) and waits each command's maximum execution time (Table 8) before returning.
public struct SPS30: Sendable {
    /// One reading of Read Measured Values in float format (datasheet 4.3), in the units the chip reports.
    public struct Measurement: Sendable, Hashable {
        public var massPM1p0MicrogramsPerCubicMeter: Double
        public var massPM2p5MicrogramsPerCubicMeter: Double
        public var massPM4p0MicrogramsPerCubicMeter: Double
        public var massPM10MicrogramsPerCubicMeter: Double
        public var numberPM0p5PerCubicCentimeter: Double
        public var numberPM1p0PerCubicCentimeter: Double
        public var numberPM2p5PerCubicCentimeter: Double
        public var numberPM4p0PerCubicCentimeter: Double
        public var numberPM10PerCubicCentimeter: Double
        /// Typical particle size: an indication of the average particle diameter (datasheet 4.3, footnote 8).
        public var typicalParticleSizeMicrometers: Double

        public init(
            massPM1p0MicrogramsPerCubicMeter: Double, massPM2p5MicrogramsPerCubicMeter: Double,
            massPM4p0MicrogramsPerCubicMeter: Double, massPM10MicrogramsPerCubicMeter: Double,
            numberPM0p5PerCubicCentimeter: Double, numberPM1p0PerCubicCentimeter: Double,
            numberPM2p5PerCubicCentimeter: Double, numberPM4p0PerCubicCentimeter: Double,
            numberPM10PerCubicCentimeter: Double, typicalParticleSizeMicrometers: Double
        ) {
            self.massPM1p0MicrogramsPerCubicMeter = massPM1p0MicrogramsPerCubicMeter
            self.massPM2p5MicrogramsPerCubicMeter = massPM2p5MicrogramsPerCubicMeter
            self.massPM4p0MicrogramsPerCubicMeter = massPM4p0MicrogramsPerCubicMeter
            self.massPM10MicrogramsPerCubicMeter = massPM10MicrogramsPerCubicMeter
            self.numberPM0p5PerCubicCentimeter = numberPM0p5PerCubicCentimeter
            self.numberPM1p0PerCubicCentimeter = numberPM1p0PerCubicCentimeter
            self.numberPM2p5PerCubicCentimeter = numberPM2p5PerCubicCentimeter
            self.numberPM4p0PerCubicCentimeter = numberPM4p0PerCubicCentimeter
            self.numberPM10PerCubicCentimeter = numberPM10PerCubicCentimeter
            self.typicalParticleSizeMicrometers = typicalParticleSizeMicrometers
        }

        /// All zeros: what the chip reports before its first measurement.
        public static let zero = Measurement(values: Array(repeating: 0, count: 10))

        /// The ten values in wire order (datasheet 4.3): mass PM1.0, PM2.5, PM4.0, PM10; number PM0.5, PM1.0,
        /// PM2.5, PM4.0, PM10; typical particle size.
        public var values: [Double] {
            [
                massPM1p0MicrogramsPerCubicMeter, massPM2p5MicrogramsPerCubicMeter, massPM4p0MicrogramsPerCubicMeter,
                massPM10MicrogramsPerCubicMeter, numberPM0p5PerCubicCentimeter, numberPM1p0PerCubicCentimeter,
                numberPM2p5PerCubicCentimeter, numberPM4p0PerCubicCentimeter, numberPM10PerCubicCentimeter,
                typicalParticleSizeMicrometers,
            ]
        }

        /// From the ten values in wire order.
        public init(values v: [Double]) {
            precondition(v.count == 10, "the SPS30 reports ten values")
            self.init(
                massPM1p0MicrogramsPerCubicMeter: v[0], massPM2p5MicrogramsPerCubicMeter: v[1],
                massPM4p0MicrogramsPerCubicMeter: v[2], massPM10MicrogramsPerCubicMeter: v[3],
                numberPM0p5PerCubicCentimeter: v[4], numberPM1p0PerCubicCentimeter: v[5],
                numberPM2p5PerCubicCentimeter: v[6], numberPM4p0PerCubicCentimeter: v[7],
                numberPM10PerCubicCentimeter: v[8], typicalParticleSizeMicrometers: v[9])
        }
    }

    /// Firmware major.minor (datasheet 6.3.10).
    public struct FirmwareVersion: Sendable, Hashable, Comparable, CustomStringConvertible {
        public var major: UInt8
        public var minor: UInt8
        public init(major: UInt8, minor: UInt8) {
            self.major = major
            self.minor = minor
        }
        public static func < (lhs: Self, rhs: Self) -> Bool { (lhs.major, lhs.minor) < (rhs.major, rhs.minor) }
        public var description: String { "\(major).\(minor)" }
    }

    /// The chip on its bus (always 0x69).
    public let device: any I2CDevice

    /// Checks the identity: Read Product Type (0xD002) must return "00080000" (datasheet 6.3.9).
    ///
    /// Wire sequence: write [0xD0 0x02], then read 12 bytes (4 words with CRC).
    public init(device: any I2CDevice) async throws(I2CError) {
        self.device = device
        let productType = try await readProductType()
        guard productType == Self.productType else {
            throw I2CError(
                .invalidResponse, bus: device.bus, address: device.address,
                operation: "read \(Self.name(Command.readProductType))",
                detail: "product type \"\(productType)\", expected \"\(Self.productType)\"")
        }
    }

    /// Start Measurement (0x0010) in float format: write [0x00 0x10 0x03 0x00 0xAC]; Idle-Mode only.
    public func startMeasurement() async throws(I2CError) {
        let format = OutputFormat.float.rawValue
        try await command(Command.startMeasurement, words: [UInt16(format) << 8], wait: ExecutionTime.startMeasurement)
    }

    /// Stop Measurement (0x0104): back to Idle-Mode; Measurement-Mode only.
    public func stopMeasurement() async throws(I2CError) {
        try await command(Command.stopMeasurement, wait: ExecutionTime.stopMeasurement)
    }

    /// Read Data-Ready Flag (0x0202): whether a new measurement is waiting (one arrives each second).
    public func isDataReady() async throws(I2CError) -> Bool {
        let word = try await readWords(Command.readDataReadyFlag, count: 1)[0]
        // Byte 0 is "unused, always 0x00", byte 1 is 0x00 or 0x01 (datasheet 6.3.3).
        guard word <= 1 else {
            throw invalid(Command.readDataReadyFlag, "data-ready word \(Self.hex16(word)), expected 0x0000 or 0x0001")
        }
        return word == 1
    }

    /// Read Measured Values (0x0300), 60 bytes: ten big-endian floats of two CRC-checked words each. Clears the
    /// data-ready flag. Returns the latest values (all zero before the first measurement).
    public func readMeasurement() async throws(I2CError) -> Measurement {
        let words = try await readWords(Command.readMeasuredValues, count: 20)
        var values: [Double] = []
        for index in 0..<10 {
            let bits = UInt32(words[2 * index]) << 16 | UInt32(words[2 * index + 1])
            let value = Double(Float(bitPattern: bits))
            guard value.isFinite, value >= 0 else {
                throw invalid(
                    Command.readMeasuredValues,
                    "value \(index) is \(value) (bits 0x\(String(bits, radix: 16, uppercase: true)))")
            }
            values.append(value)
        }
        return Measurement(values: values)
    }

    /// Polls the data-ready flag every `pollInterval` until a measurement is ready, then reads it; gives up after
    /// `timeout` with `.busError`.
    public func nextMeasurement(
        pollInterval: Duration = .milliseconds(100), timeout: Duration = .seconds(3)
    ) async throws(I2CError) -> Measurement {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while try await !isDataReady() {
            guard clock.now < deadline else {
                throw I2CError(
                    .busError, bus: device.bus, address: device.address,
                    operation: "read \(Self.name(Command.readDataReadyFlag))",
                    detail: "no new measurement after \(timeout)")
            }
            try? await Task.sleep(for: pollInterval)
        }
        return try await readMeasurement()
    }

    /// Read Auto Cleaning Interval (0x8004) in seconds. With firmware < 2.2 a newly written value reads back only
    /// after the next start/reset (datasheet 6.3.8).
    public func readAutoCleaningIntervalSeconds() async throws(I2CError) -> UInt32 {
        let words = try await readWords(Command.autoCleaningInterval, count: 2)
        return UInt32(words[0]) << 16 | UInt32(words[1])
    }

    /// Write Auto Cleaning Interval (0x8004): big-endian UInt32 seconds as two CRC-protected words; 0 disables
    /// automatic cleaning. Stored in non-volatile memory (datasheet 4.2).
    public func setAutoCleaningInterval(seconds: UInt32) async throws(I2CError) {
        try await command(
            Command.autoCleaningInterval, words: Self.words(seconds), wait: ExecutionTime.writeAutoCleaningInterval)
    }

    /// Start Fan Cleaning (0x5607): fan at full speed for 10 s, values not updated meanwhile; Measurement-Mode only.
    public func startFanCleaning() async throws(I2CError) {
        try await command(Command.startFanCleaning, wait: ExecutionTime.startFanCleaning)
    }

    /// Read Product Type (0xD002): 8 ASCII characters.
    public func readProductType() async throws(I2CError) -> String {
        try await readString(Command.readProductType, words: 4)
    }

    /// Read Serial Number (0xD033): up to 32 ASCII characters, null-terminated, 48 bytes on the wire.
    public func readSerialNumber() async throws(I2CError) -> String {
        try await readString(Command.readSerialNumber, words: 16)
    }

    /// Read Version (0xD100): firmware major and minor.
    public func readFirmwareVersion() async throws(I2CError) -> FirmwareVersion {
        let word = try await readWords(Command.readVersion, count: 1)[0]
        return FirmwareVersion(major: UInt8(word >> 8), minor: UInt8(word & 0xFF))
    }

    /// Read Device Status Register (0xD206, firmware ≥ 2.2). Reserved bits are kept as read.
    public func readDeviceStatus() async throws(I2CError) -> DeviceStatus {
        let words = try await readWords(Command.readDeviceStatusRegister, count: 2)
        return DeviceStatus(rawValue: UInt32(words[0]) << 16 | UInt32(words[1]))
    }

    /// Clear Device Status Register (0xD210).
    public func clearDeviceStatus() async throws(I2CError) {
        try await command(Command.clearDeviceStatusRegister, wait: ExecutionTime.clearDeviceStatusRegister)
    }

    /// Device Reset (0xD304): the module restarts in Idle-Mode as after power-up; waits the 100 ms it takes.
    public func reset() async throws(I2CError) {
        try await command(Command.deviceReset, wait: ExecutionTime.deviceReset)
    }

    // MARK: Transfers

    /// Set Pointer (& Write Data): pointer, then each word with its CRC, in one write; then the execution time.
    func command(_ command: UInt16, words: [UInt16] = [], wait: Duration) async throws(I2CError) {
        do throws(I2CError) {
            try await device.write(Self.pointerBytes(command) + Self.encode(words: words))
        } catch  where error.code == .nack {
            // The only way an I²C target can refuse a command, e.g. one not allowed in the current mode.
            throw I2CError(
                .nack, bus: device.bus, address: device.address, operation: "command \(Self.name(command))",
                detail: "not acknowledged: sensor absent, asleep, or command not allowed in the current mode")
        }
        try? await Task.sleep(for: wait)
    }

    /// Set Pointer & Read Data: write the pointer, read `count` words (3 bytes each), check every CRC.
    func readWords(_ command: UInt16, count: Int) async throws(I2CError) -> [UInt16] {
        try await device.write(Self.pointerBytes(command))
        let bytes = try await device.read(count: count * 3)
        var words: [UInt16] = []
        words.reserveCapacity(count)
        for index in 0..<count {
            let msb = bytes[3 * index]
            let lsb = bytes[3 * index + 1]
            let expected = Self.crc8(msb, lsb)
            guard bytes[3 * index + 2] == expected else {
                throw invalid(
                    command,
                    "CRC mismatch in word \(index) (\(hex(msb)) \(hex(lsb))): received \(hex(bytes[3 * index + 2])),"
                        + " expected \(hex(expected))")
            }
            words.append(UInt16(msb) << 8 | UInt16(lsb))
        }
        return words
    }

    /// An ASCII string of up to `words` × 2 characters, ending at the first NUL.
    func readString(_ command: UInt16, words count: Int) async throws(I2CError) -> String {
        let words = try await readWords(command, count: count)
        var characters: [UInt8] = []
        for word in words {
            for byte in [UInt8(word >> 8), UInt8(word & 0xFF)] {
                if byte == 0 { return String(decoding: characters, as: UTF8.self) }
                guard byte < 0x80 else { throw invalid(command, "non-ASCII byte \(hex(byte)) in string") }
                characters.append(byte)
            }
        }
        return String(decoding: characters, as: UTF8.self)
    }

    private func invalid(_ command: UInt16, _ detail: String) -> I2CError {
        I2CError(
            .invalidResponse, bus: device.bus, address: device.address, operation: "read \(Self.name(command))",
            detail: detail)
    }

    /// `0x0300`-style hex for a command or word.
    static func hex16(_ value: UInt16) -> String {
        hex(UInt8(value >> 8)) + hex(UInt8(value & 0xFF)).dropFirst(2)
    }

    /// The command's pointer address for messages.
    static func name(_ command: UInt16) -> String { hex16(command) }
}
