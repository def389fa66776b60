public import HAL

// Register map of the BME280 (Bosch Sensortec BST-BME280-DS002, revision 1.6, September 2018): section 5.3 "Memory
// map", section 5.4 "Register description" and section 4.2.2 "Trimming parameter readout".

extension BME280 {
    /// Register addresses (datasheet 5.3, Table 18 "Memory map"; 4.2.2, Table 16 for the calibration words).
    public enum Register {
        /// `0x88…0xA1 calib00…calib25`: dig_T1…dig_P9 (little-endian words), 0xA0 reserved, 0xA1 dig_H1.
        public static let calib00: UInt8 = 0x88
        /// `0xA1 calib25`: dig_H1 (unsigned char).
        public static let digH1: UInt8 = 0xA1
        /// `0xD0 id`: chip identification number, `chipID` (datasheet 5.4.1).
        public static let id: UInt8 = 0xD0
        /// `0xE0 reset`: writing `softResetCommand` resets the chip; other values are ignored; reads 0x00 (5.4.2).
        public static let reset: UInt8 = 0xE0
        /// `0xE1…0xF0 calib26…calib41`: dig_H2…dig_H6 live in 0xE1…0xE7.
        public static let calib26: UInt8 = 0xE1
        /// `0xF2 ctrl_hum`: osrs_h[2:0]; takes effect only after the next write to ctrl_meas (5.4.3).
        public static let ctrlHum: UInt8 = 0xF2
        /// `0xF3 status`: measuring[3], im_update[0] (5.4.4).
        public static let status: UInt8 = 0xF3
        /// `0xF4 ctrl_meas`: osrs_t[7:5], osrs_p[4:2], mode[1:0] (5.4.5).
        public static let ctrlMeas: UInt8 = 0xF4
        /// `0xF5 config`: t_sb[7:5], filter[4:2], spi3w_en[0]; writes in normal mode may be ignored (5.4.6).
        public static let config: UInt8 = 0xF5
        /// `0xF7 press_msb`: start of the 8-byte burst press_msb…hum_lsb (0xF7…0xFE), read in one go so the
        /// shadowed data registers belong to one measurement (datasheet 4, "Data readout").
        public static let pressMSB: UInt8 = 0xF7
        /// `0xFA temp_msb`.
        public static let tempMSB: UInt8 = 0xFA
        /// `0xFD hum_msb`.
        public static let humMSB: UInt8 = 0xFD
    }

    /// `0x60`, the value of register `id` (0xD0) on every BME280 (datasheet 5.4.1). A BMP280 reads 0x58.
    public static let chipID: UInt8 = 0x60
    /// The value that triggers a power-on-reset when written to `reset` (0xE0) (datasheet 5.4.2).
    public static let softResetCommand: UInt8 = 0xB6
    /// Length of the calibration block 0x88…0xA1.
    static let calibrationBlock1Length = 26
    /// Length of the calibration block 0xE1…0xE7.
    static let calibrationBlock2Length = 7
    /// Length of the data burst 0xF7…0xFE.
    static let dataBurstLength = 8

    /// `status` bit 3 `measuring`: 1 while a conversion runs, 0 once the results are in the data registers (5.4.4).
    public static let statusMeasuring: UInt8 = 0x08
    /// `status` bit 0 `im_update`: 1 while the NVM is copied to the image registers (after reset, before each
    /// conversion) (5.4.4).
    public static let statusImUpdate: UInt8 = 0x01

    /// Value of the 20-bit temperature and pressure outputs when the measurement was skipped or none has run yet
    /// (reset value of press/temp registers, datasheet 5.3 Table 18: 0x80 0x00 0x00 → 0x80000).
    public static let skippedADC20: Int32 = 0x80000
    /// Value of the 16-bit humidity output when skipped or not yet measured (reset value 0x80 0x00 → 0x8000).
    public static let skippedADC16: Int32 = 0x8000

    /// Start-up time after power-on or soft reset, maximum (datasheet 1, Table 1, t_startup = 2 ms).
    public static let startupTime: Duration = .milliseconds(2)

    /// The two addresses selected by SDO (datasheet 6.2, "I²C Interface": 111011x).
    public static let primaryAddress: I2CAddress = 0x76
    /// With SDO connected to V_DDIO.
    public static let secondaryAddress: I2CAddress = 0x77

    /// Oversampling setting of one channel: `osrs_h`, `osrs_p`, `osrs_t` (datasheet 5.4.3, 5.4.5; Tables 20, 23, 24).
    public enum Oversampling: UInt8, Sendable, Hashable, CaseIterable {
        /// `000`: measurement skipped, output set to 0x80000 (0x8000 for humidity).
        case skipped = 0
        case x1 = 1
        case x2 = 2
        case x4 = 3
        case x8 = 4
        /// `101`; `110` and `111` also mean ×16.
        case x16 = 5

        /// The oversampling factor: 0 for skipped, else 1…16.
        public var factor: Int {
            self == .skipped ? 0 : 1 << (Int(rawValue) - 1)
        }

        /// Decodes a 3-bit field; 0b110 and 0b111 mean ×16 (datasheet Table 20).
        public init(field: UInt8) {
            self = Oversampling(rawValue: min(field & 0x07, 5)) ?? .x16
        }
    }

    /// `mode[1:0]` of ctrl_meas (datasheet 3.3, 5.4.5 Table 25).
    public enum Mode: UInt8, Sendable, Hashable {
        /// `00`: no measurements, lowest power; all registers accessible.
        case sleep = 0b00
        /// `01` (and `10`): one measurement, then back to sleep.
        case forced = 0b01
        /// `11`: measure continuously, with `standby` between cycles.
        case normal = 0b11

        /// Decodes the two mode bits; `10` is forced mode as well.
        public init(field: UInt8) {
            switch field & 0b11 {
            case 0b00: self = .sleep
            case 0b11: self = .normal
            default: self = .forced
            }
        }
    }

    /// IIR filter coefficient, `filter[2:0]` of config (datasheet 3.4.4, 5.4.6 Table 28).
    public enum Filter: UInt8, Sendable, Hashable, CaseIterable {
        case off = 0
        case coefficient2 = 1
        case coefficient4 = 2
        case coefficient8 = 3
        /// `100`; higher codes also mean 16.
        case coefficient16 = 4
    }

    /// Inactive time between measurements in normal mode, `t_sb[2:0]` of config (datasheet 5.4.6 Table 27).
    public enum Standby: UInt8, Sendable, Hashable, CaseIterable {
        case ms0p5 = 0
        case ms62p5 = 1
        case ms125 = 2
        case ms250 = 3
        case ms500 = 4
        case ms1000 = 5
        case ms10 = 6
        case ms20 = 7

        /// The standby time.
        public var duration: Duration {
            switch self {
            case .ms0p5: .microseconds(500)
            case .ms62p5: .microseconds(62_500)
            case .ms125: .milliseconds(125)
            case .ms250: .milliseconds(250)
            case .ms500: .milliseconds(500)
            case .ms1000: .milliseconds(1000)
            case .ms10: .milliseconds(10)
            case .ms20: .milliseconds(20)
            }
        }
    }

    /// Typical active measurement time for the given oversampling (datasheet 9.1, Appendix B):
    /// `1 + 2·osrs_t + (2·osrs_p + 0.5) + (2·osrs_h + 0.5)` ms, where a skipped channel contributes nothing.
    /// Example from the datasheet: ×1 temperature, ×4 pressure, humidity skipped → 11.5 ms.
    public static func typicalMeasurementTime(
        temperature: Oversampling, pressure: Oversampling, humidity: Oversampling
    ) -> Duration {
        var microseconds = 1000 + 2000 * temperature.factor
        if pressure != .skipped { microseconds += 2000 * pressure.factor + 500 }
        if humidity != .skipped { microseconds += 2000 * humidity.factor + 500 }
        return .microseconds(microseconds)
    }

    /// Maximum active measurement time (datasheet 9.1, Appendix B):
    /// `1.25 + 2.3·osrs_t + (2.3·osrs_p + 0.575) + (2.3·osrs_h + 0.575)` ms.
    public static func maximumMeasurementTime(
        temperature: Oversampling, pressure: Oversampling, humidity: Oversampling
    ) -> Duration {
        var microseconds = 1250 + 2300 * temperature.factor
        if pressure != .skipped { microseconds += 2300 * pressure.factor + 575 }
        if humidity != .skipped { microseconds += 2300 * humidity.factor + 575 }
        return .microseconds(microseconds)
    }
}
