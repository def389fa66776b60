public import HAL

// I²C command set of the SPS30 (Sensirion "Datasheet SPS30", version 2.0 – D1 – June 2023; identical command set in
// version 1.0 – March 2020): section 6 "Operation and Communication through the I²C Interface", Table 8.
// The chip has no registers: a 16-bit "pointer address" selects a command, data travels in 2-byte words each
// followed by a CRC-8.

extension SPS30 {
    /// Command pointer addresses (datasheet 6.3, Table 8).
    public enum Command {
        /// `0x0010` Start Measurement: Set Pointer & Write Data, one word (output format, dummy 0x00); < 20 ms.
        /// Idle-Mode only (6.3.1; "Measurement-Mode can only be entered from Idle-Mode", 4.1).
        public static let startMeasurement: UInt16 = 0x0010
        /// `0x0104` Stop Measurement: Set Pointer; < 20 ms. Measurement-Mode only (6.3.2, 5.3.2 footnote 14).
        public static let stopMeasurement: UInt16 = 0x0104
        /// `0x0202` Read Data-Ready Flag: 3 bytes (0x00, flag, CRC) (6.3.3).
        public static let readDataReadyFlag: UInt16 = 0x0202
        /// `0x0300` Read Measured Values: 60 bytes in float format, 30 in integer format; clears the flag (6.3.4).
        public static let readMeasuredValues: UInt16 = 0x0300
        /// `0x1001` Sleep (firmware ≥ 2.0), Idle-Mode only (6.3.5). Not used by the driver.
        public static let sleep: UInt16 = 0x1001
        /// `0x1103` Wake-up (firmware ≥ 2.0) (6.3.6). Not used by the driver.
        public static let wakeUp: UInt16 = 0x1103
        /// `0x5607` Start Fan Cleaning: Set Pointer; < 5 ms. Measurement-Mode only (6.3.7, footnote 20).
        public static let startFanCleaning: UInt16 = 0x5607
        /// `0x8004` Read/Write Auto Cleaning Interval: two words, big-endian UInt32 seconds; write < 20 ms (6.3.8).
        public static let autoCleaningInterval: UInt16 = 0x8004
        /// `0xD002` Read Product Type: 12 bytes, "00080000" without terminator (6.3.9).
        public static let readProductType: UInt16 = 0xD002
        /// `0xD033` Read Serial Number: up to 48 bytes, null-terminated ASCII (6.3.9).
        public static let readSerialNumber: UInt16 = 0xD033
        /// `0xD100` Read Version: 3 bytes (major, minor, CRC) (6.3.10).
        public static let readVersion: UInt16 = 0xD100
        /// `0xD206` Read Device Status Register: two words, big-endian UInt32 (firmware ≥ 2.2) (6.3.11).
        public static let readDeviceStatusRegister: UInt16 = 0xD206
        /// `0xD210` Clear Device Status Register: Set Pointer; < 5 ms (6.3.12).
        public static let clearDeviceStatusRegister: UInt16 = 0xD210
        /// `0xD304` Device Reset: Set Pointer; < 100 ms; afterwards the module is in Idle-Mode (6.3.13).
        public static let deviceReset: UInt16 = 0xD304
    }

    /// The fixed I²C address (datasheet 6, "I²C address: 0x69").
    public static let address: I2CAddress = 0x69
    /// What Read Product Type always returns (datasheet 6.3.9: "recommended to use as product identifier").
    public static let productType = "00080000"

    /// Measurement Output Format byte of Start Measurement (datasheet 6.3.1, 4.3).
    public enum OutputFormat: UInt8, Sendable, Hashable {
        /// `0x03`: big-endian IEEE754 float values, 10 × 2 words (60 bytes).
        case float = 0x03
        /// `0x05`: big-endian unsigned 16-bit integers, 10 words (30 bytes); firmware ≥ 2.0.
        case uint16 = 0x05

        /// Bytes of Read Measured Values in this format, checksums included.
        public var measuredValuesLength: Int { self == .float ? 60 : 30 }
    }

    /// Command execution times, maximum (datasheet Table 8): wait this long before the next command.
    public enum ExecutionTime {
        public static let startMeasurement: Duration = .milliseconds(20)
        public static let stopMeasurement: Duration = .milliseconds(20)
        public static let startFanCleaning: Duration = .milliseconds(5)
        public static let writeAutoCleaningInterval: Duration = .milliseconds(20)
        public static let clearDeviceStatusRegister: Duration = .milliseconds(5)
        public static let deviceReset: Duration = .milliseconds(100)
    }

    /// A new measurement every second in Measurement-Mode (datasheet 4.1).
    public static let measurementInterval: Duration = .seconds(1)
    /// Fan cleaning runs the fan at maximum speed for 10 s; values are not updated meanwhile (datasheet 4.2).
    public static let fanCleaningDuration: Duration = .seconds(10)
    /// Default auto cleaning interval: 604 800 s = 168 h = 1 week (datasheet 4.2).
    public static let defaultAutoCleaningIntervalSeconds: UInt32 = 604_800

    /// Device Status Register bits (datasheet 4.4).
    public struct DeviceStatus: OptionSet, Sendable, Hashable {
        public let rawValue: UInt32
        public init(rawValue: UInt32) { self.rawValue = rawValue }

        /// Bit 21 SPEED (warning): fan speed out of range; cleared automatically once the speed is back.
        public static let fanSpeedWarning = DeviceStatus(rawValue: 1 << 21)
        /// Bit 5 LASER (error): laser switched on and its current out of range.
        public static let laserError = DeviceStatus(rawValue: 1 << 5)
        /// Bit 4 FAN (error): fan switched on but 0 RPM; not cleared automatically.
        public static let fanError = DeviceStatus(rawValue: 1 << 4)
        /// The bits the datasheet defines; the others are reserved and "should be ignored".
        public static let defined: DeviceStatus = [.fanSpeedWarning, .laserError, .fanError]
    }

    /// CRC-8 over one 2-byte word (datasheet 6.2): polynomial 0x31 (x⁸ + x⁵ + x⁴ + 1), init 0xFF, no reflection,
    /// no final XOR. Example: CRC(0xBEEF) = 0x92.
    public static func crc8(_ msb: UInt8, _ lsb: UInt8) -> UInt8 {
        var crc: UInt8 = 0xFF
        for byte in [msb, lsb] {
            crc ^= byte
            for _ in 0..<8 {
                crc = crc & 0x80 != 0 ? (crc << 1) ^ 0x31 : crc << 1
            }
        }
        return crc
    }

    /// Words as they go over the wire: each 2-byte big-endian word followed by its CRC.
    public static func encode(words: [UInt16]) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(words.count * 3)
        for word in words {
            let msb = UInt8(word >> 8)
            let lsb = UInt8(word & 0xFF)
            bytes += [msb, lsb, crc8(msb, lsb)]
        }
        return bytes
    }

    /// The two words of a big-endian UInt32 (auto cleaning interval, status register, float bit pattern).
    static func words(_ value: UInt32) -> [UInt16] {
        [UInt16(value >> 16), UInt16(value & 0xFFFF)]
    }

    /// The two pointer bytes of a command, MSB first (datasheet 6.1, Set Pointer).
    static func pointerBytes(_ command: UInt16) -> [UInt8] {
        [UInt8(command >> 8), UInt8(command & 0xFF)]
    }
}
