public import HAL

// Register map of the ADXL355 (Analog Devices "ADXL354/ADXL355" data sheet, Rev. A onwards; the register map is the
// same in every revision). Analog Devices data sheets number tables, not sections: the names below are the data
// sheet's section headings ("Register Map", "Register Definitions", "FIFO", "Self Test", "Temperature Sensor") and
// its "Specifications" table for the ADXL355.

extension ADXL355 {
    /// Register addresses (data sheet "Register Map"). Multi-byte reads and writes auto-increment the address, except
    /// on `fifoData`, where every byte read stays on 0x11 and pops the FIFO.
    public enum Register {
        /// `0x00 DEVID_AD`: Analog Devices ID, reads `analogDevicesID` (0xAD).
        public static let devidAD: UInt8 = 0x00
        /// `0x01 DEVID_MST`: Analog Devices MEMS ID, reads `memsID` (0x1D).
        public static let devidMST: UInt8 = 0x01
        /// `0x02 PARTID`: device ID, reads `partID` (0xED, octal 355).
        public static let partID: UInt8 = 0x02
        /// `0x03 REVID`: mask revision; not checked (it differs between production lots).
        public static let revID: UInt8 = 0x03
        /// `0x04 Status`: NVM_BUSY[4], Activity[3], FIFO_OVR[2], FIFO_FULL[1], DATA_RDY[0] (`Status`).
        public static let status: UInt8 = 0x04
        /// `0x05 FIFO_ENTRIES`: number of valid entries (one axis each) in the FIFO, bits 6:0, 0…96.
        public static let fifoEntries: UInt8 = 0x05
        /// `0x06 TEMP2`: temperature bits 11:8 in bits 3:0 (bits 7:4 reserved).
        public static let temp2: UInt8 = 0x06
        /// `0x07 TEMP1`: temperature bits 7:0.
        public static let temp1: UInt8 = 0x07
        /// `0x08 XDATA3`: x-axis bits 19:12. XDATA2 (0x09) holds bits 11:4, XDATA1 (0x0A) bits 3:0 in its bits 7:4.
        public static let xdata3: UInt8 = 0x08
        /// `0x0B YDATA3`: y-axis bits 19:12 (YDATA2 0x0C, YDATA1 0x0D as for x).
        public static let ydata3: UInt8 = 0x0B
        /// `0x0E ZDATA3`: z-axis bits 19:12 (ZDATA2 0x0F, ZDATA1 0x10 as for x).
        public static let zdata3: UInt8 = 0x0E
        /// `0x10 ZDATA1`: the last data register.
        public static let zdata1: UInt8 = 0x10
        /// `0x11 FIFO_DATA`: each 3-byte read pops one FIFO entry (one axis); see `FIFOEntry`.
        public static let fifoData: UInt8 = 0x11
        /// `0x1E OFFSET_X_H`: x offset bits 15:8; `0x1F OFFSET_X_L` bits 7:0. Two's complement, same significance as
        /// XDATA bits 19:4 (one offset LSB is 16 data LSB).
        public static let offsetXH: UInt8 = 0x1E
        /// `0x20 OFFSET_Y_H` (`0x21 OFFSET_Y_L`).
        public static let offsetYH: UInt8 = 0x20
        /// `0x22 OFFSET_Z_H` (`0x23 OFFSET_Z_L`).
        public static let offsetZH: UInt8 = 0x22
        /// `0x24 ACT_EN`: activity detection per axis, ACT_Z[2], ACT_Y[1], ACT_X[0].
        public static let actEn: UInt8 = 0x24
        /// `0x25 ACT_THRESH_H` (`0x26 ACT_THRESH_L`): activity threshold, significance of data bits 18:3.
        public static let actThreshH: UInt8 = 0x25
        /// `0x27 ACT_COUNT`: consecutive events above threshold needed to flag activity; reset value 0x01.
        public static let actCount: UInt8 = 0x27
        /// `0x28 Filter`: HPF_CORNER[6:4], ODR_LPF[3:0].
        public static let filter: UInt8 = 0x28
        /// `0x29 FIFO_SAMPLES`: watermark in entries, 1…96 (bits 6:0); reset value 0x60.
        public static let fifoSamples: UInt8 = 0x29
        /// `0x2A INT_MAP`: which status bits drive INT1/INT2 (`InterruptMap`).
        public static let intMap: UInt8 = 0x2A
        /// `0x2B Sync`: EXT_CLK[2], EXT_SYNC[1:0]; not used by the driver (internal clock, no external sync).
        public static let sync: UInt8 = 0x2B
        /// `0x2C Range`: I2C_HS[7], INT_POL[6], Range[1:0]; reset value 0x81 (high-speed I²C, INT active low, ±2 g).
        public static let range: UInt8 = 0x2C
        /// `0x2D POWER_CTL`: DRDY_OFF[2], TEMP_OFF[1], STANDBY[0]; reset value 0x01 (standby).
        public static let powerCtl: UInt8 = 0x2D
        /// `0x2E SELF_TEST`: ST2[1], ST1[0].
        public static let selfTest: UInt8 = 0x2E
        /// `0x2F Reset`: writing `resetCode` (0x52) resets the chip like a power cycle.
        public static let reset: UInt8 = 0x2F
    }

    /// `DEVID_AD` on every Analog Devices part.
    public static let analogDevicesID: UInt8 = 0xAD
    /// `DEVID_MST`, the Analog Devices MEMS ID.
    public static let memsID: UInt8 = 0x1D
    /// `PARTID` of the ADXL355 (the ADXL357 reads the same; the ADXL359 reads 0xE9).
    public static let partID: UInt8 = 0xED
    /// The code that resets the chip when written to `Reset` (0x2F).
    public static let resetCode: UInt8 = 0x52

    /// `STATUS` (0x04) bits (data sheet "Register Definitions", Status register).
    public struct Status: OptionSet, Sendable, Hashable {
        public var rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        /// A complete x, y, z measurement is in the data registers.
        public static let dataReady = Status(rawValue: 0x01)
        /// FIFO_FULL: the FIFO holds at least FIFO_SAMPLES entries (the watermark is reached).
        public static let fifoFull = Status(rawValue: 0x02)
        /// FIFO_OVR: the FIFO has overrun and data was lost.
        public static let fifoOverrun = Status(rawValue: 0x04)
        /// Activity: the activity detection threshold was exceeded ACT_COUNT times.
        public static let activity = Status(rawValue: 0x08)
        /// NVM_BUSY: the NVM controller is busy (after reset); the shadow registers are not valid yet.
        public static let nvmBusy = Status(rawValue: 0x10)
    }

    /// `INT_MAP` (0x2A) bits: which status events drive INT1 (bits 3:0) and INT2 (bits 7:4).
    public struct InterruptMap: OptionSet, Sendable, Hashable {
        public var rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        /// RDY_EN1: DATA_RDY on INT1.
        public static let dataReadyINT1 = InterruptMap(rawValue: 0x01)
        /// FULL_EN1: FIFO_FULL on INT1.
        public static let fifoFullINT1 = InterruptMap(rawValue: 0x02)
        /// OVR_EN1: FIFO_OVR on INT1.
        public static let fifoOverrunINT1 = InterruptMap(rawValue: 0x04)
        /// ACT_EN1: Activity on INT1.
        public static let activityINT1 = InterruptMap(rawValue: 0x08)
        /// RDY_EN2: DATA_RDY on INT2.
        public static let dataReadyINT2 = InterruptMap(rawValue: 0x10)
        /// FULL_EN2: FIFO_FULL on INT2.
        public static let fifoFullINT2 = InterruptMap(rawValue: 0x20)
        /// OVR_EN2: FIFO_OVR on INT2.
        public static let fifoOverrunINT2 = InterruptMap(rawValue: 0x40)
        /// ACT_EN2: Activity on INT2.
        public static let activityINT2 = InterruptMap(rawValue: 0x80)
    }

    /// `Range` (0x2C) bit 7 I2C_HS: 1 selects high-speed I²C timing (reset value).
    public static let rangeI2CHighSpeed: UInt8 = 0x80
    /// `Range` bit 6 INT_POL: 0 = INT1/INT2 active low (reset value), 1 = active high.
    public static let rangeInterruptActiveHigh: UInt8 = 0x40
    /// `POWER_CTL` bit 0 STANDBY: 1 = standby (reset value), 0 = measurement mode.
    public static let powerCtlStandby: UInt8 = 0x01
    /// `POWER_CTL` bit 1 TEMP_OFF: 1 disables the temperature processing.
    public static let powerCtlTempOff: UInt8 = 0x02
    /// `POWER_CTL` bit 2 DRDY_OFF: 1 forces the DRDY pin low.
    public static let powerCtlDRDYOff: UInt8 = 0x04
    /// `SELF_TEST` bit 0 ST1: self-test mode on (connects the actuation).
    public static let selfTestST1: UInt8 = 0x01
    /// `SELF_TEST` bit 1 ST2: self-test force on; with ST1 set the output moves by the self-test response.
    public static let selfTestST2: UInt8 = 0x02

    /// Measurement range, `Range` bits 1:0 (data sheet "Register Definitions", Range register; sensitivities from
    /// the "Specifications" table: 256 000 / 128 000 / 64 000 LSB/g, i.e. 3.9 / 7.8 / 15.6 µg/LSB).
    public enum Range: UInt8, Sendable, Hashable, CaseIterable {
        /// `01`: ±2.048 g full scale.
        case g2 = 1
        /// `10`: ±4.096 g full scale.
        case g4 = 2
        /// `11`: ±8.192 g full scale.
        case g8 = 3

        /// Typical sensitivity in LSB/g of the 20-bit output.
        public var sensitivityLSBPerG: Double {
            switch self {
            case .g2: 256_000
            case .g4: 128_000
            case .g8: 64_000
            }
        }

        /// Typical scale factor in µg/LSB (3.90625, 7.8125, 15.625: the data sheet rounds to 3.9, 7.8, 15.6).
        public var scaleFactorMicroGPerLSB: Double { 1_000_000 / sensitivityLSBPerG }
    }

    /// Output data rate and low-pass corner, `Filter` bits 3:0 ODR_LPF (data sheet "Register Definitions", Filter
    /// register). The low-pass corner is a quarter of the data rate.
    public enum OutputDataRate: UInt8, Sendable, Hashable, CaseIterable {
        case hz4000 = 0
        case hz2000 = 1
        case hz1000 = 2
        case hz500 = 3
        case hz250 = 4
        case hz125 = 5
        case hz62p5 = 6
        case hz31p25 = 7
        case hz15p625 = 8
        case hz7p813 = 9
        case hz3p906 = 10

        /// The data rate in Hz (4000 / 2^n).
        public var hertz: Double { 4000 / Double(1 << Int(rawValue)) }
        /// The low-pass filter corner in Hz (ODR / 4).
        public var lowPassCornerHertz: Double { hertz / 4 }
        /// Time between two conversions.
        public var period: Duration { .nanoseconds(Int64((1_000_000_000 / hertz).rounded())) }
    }

    /// High-pass corner, `Filter` bits 6:4 HPF_CORNER; settings 1…6 are fixed fractions of the output data rate.
    public enum HighPassCorner: UInt8, Sendable, Hashable, CaseIterable {
        /// `000`: high-pass filter off (reset value).
        case off = 0
        /// `001`: 24.7 × 10⁻⁴ × ODR (9.88 Hz at 4000 Hz).
        case corner1 = 1
        /// 6.2084 × 10⁻⁴ × ODR.
        case corner2 = 2
        /// 1.5545 × 10⁻⁴ × ODR.
        case corner3 = 3
        /// 0.3862 × 10⁻⁴ × ODR.
        case corner4 = 4
        /// 0.0954 × 10⁻⁴ × ODR.
        case corner5 = 5
        /// 0.0238 × 10⁻⁴ × ODR.
        case corner6 = 6

        /// The corner as a fraction of the data rate; 0 when off.
        public var fractionOfODR: Double {
            switch self {
            case .off: 0
            case .corner1: 24.7e-4
            case .corner2: 6.2084e-4
            case .corner3: 1.5545e-4
            case .corner4: 0.3862e-4
            case .corner5: 0.0954e-4
            case .corner6: 0.0238e-4
            }
        }
    }

    /// FIFO depth in entries: 96 entries of one axis each, 32 x/y/z samples (data sheet "FIFO").
    public static let fifoCapacity = 96
    /// Reset value of FIFO_SAMPLES: the watermark is the full FIFO.
    public static let defaultFIFOWatermark: UInt8 = 0x60

    /// One 3-byte FIFO_DATA entry (data sheet "FIFO" and FIFO_DATA register): the axis value left-justified like
    /// the data registers, with two flags in bits 1:0 of the last byte.
    public enum FIFOEntry {
        /// Bit 0: the entry is an x-axis value, the start of a sample.
        public static let xAxisMarker: UInt8 = 0x01
        /// Bit 1: the FIFO was empty; the entry carries no data.
        public static let emptyIndicator: UInt8 = 0x02
        /// Bytes per entry.
        public static let length = 3
    }

    /// Temperature sensor (data sheet "Specifications", Temperature Sensor, and "Temperature Sensor"): 12-bit
    /// unsigned output, nominal intercept 1885 LSB at 25 °C, slope −9.05 LSB/°C.
    public static let temperatureInterceptLSB = 1885.0
    /// The temperature of the intercept.
    public static let temperatureInterceptCelsius = 25.0
    /// LSB per °C; the output falls as the temperature rises.
    public static let temperatureSlopeLSBPerCelsius = -9.05
    /// Operating range (data sheet "Specifications"): a reading outside it is a broken transfer, not the weather.
    public static let temperatureRangeCelsius: ClosedRange<Double> = -40...125

    /// Self-test response limits, output change with ST1 and ST2 set against ST1 alone (data sheet "Specifications",
    /// Self Test Response: x 0.1/0.3/0.6 g, y 0.1/0.3/0.6 g, z 0.5/1.5/3.0 g minimum/typical/maximum).
    public static let selfTestLimitsG: (x: ClosedRange<Double>, y: ClosedRange<Double>, z: ClosedRange<Double>) = (
        0.1...0.6, 0.1...0.6, 0.5...3.0
    )
    /// Typical self-test response in g (x, y, z).
    public static let typicalSelfTestResponseG: (x: Double, y: Double, z: Double) = (0.3, 0.3, 1.5)

    /// Address with ASEL (MISO/ASEL pin) low (data sheet "I²C Protocol").
    public static let primaryAddress: I2CAddress = 0x1D
    /// Address with ASEL high.
    public static let secondaryAddress: I2CAddress = 0x53

    /// Decodes one left-justified 20-bit two's-complement value from DATA3, DATA2, DATA1 (bits 19:12, 11:4 and
    /// 3:0 in bits 7:4); bits 3:0 of DATA1 (FIFO flags, reserved) are ignored.
    public static func decode20(_ data3: UInt8, _ data2: UInt8, _ data1: UInt8) -> Int32 {
        let unsigned = Int32(data3) << 12 | Int32(data2) << 4 | Int32(data1 >> 4)
        // Shift the sign bit (19) up to bit 31 and back: arithmetic shift sign-extends.
        return (unsigned << 12) >> 12
    }

    /// Encodes a 20-bit two's-complement value (clamped to −524 288…524 287) as DATA3, DATA2, DATA1.
    public static func encode20(_ value: Int32) -> [UInt8] {
        let clamped = UInt32(bitPattern: min(max(value, -(1 << 19)), (1 << 19) - 1)) & 0xF_FFFF
        return [UInt8(clamped >> 12), UInt8(truncatingIfNeeded: clamped >> 4), UInt8(truncatingIfNeeded: clamped << 4)]
    }
}
