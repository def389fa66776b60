public import HAL

// Register map of the ADXL345 (Analog Devices "ADXL345 Data Sheet", Rev. E; the map is the same in Rev. D and G).
// Analog Devices data sheets number tables, not sections: the names below are the data sheet's headings
// ("Register Map", "Register Definitions", "Interrupts", "FIFO", "Self-Test") and its tables
// (Table 1 "Specifications", Table 14 and Table 15 for self-test).

extension ADXL345 {
    /// Register addresses (data sheet "Register Map"). Multi-byte reads and writes auto-increment.
    public enum Register {
        /// `0x00 DEVID`: fixed device ID, reads `deviceID` (0xE5).
        public static let devID: UInt8 = 0x00
        /// `0x1D THRESH_TAP`: tap threshold, 62.5 mg/LSB; not used by the driver.
        public static let threshTap: UInt8 = 0x1D
        /// `0x1E OFSX`: x offset, two's complement, 15.6 mg/LSB, added to the output (`offsetLSBPerG`).
        public static let ofsX: UInt8 = 0x1E
        /// `0x1F OFSY`: y offset.
        public static let ofsY: UInt8 = 0x1F
        /// `0x20 OFSZ`: z offset.
        public static let ofsZ: UInt8 = 0x20
        /// `0x2C BW_RATE`: LOW_POWER[4], Rate[3:0]; reset value 0x0A (100 Hz, normal power).
        public static let bwRate: UInt8 = 0x2C
        /// `0x2D POWER_CTL`: Link[5], AUTO_SLEEP[4], Measure[3], Sleep[2], Wakeup[1:0]; reset value 0x00 (standby).
        public static let powerCtl: UInt8 = 0x2D
        /// `0x2E INT_ENABLE`: which functions generate interrupts (`Interrupts`).
        public static let intEnable: UInt8 = 0x2E
        /// `0x2F INT_MAP`: a set bit sends that interrupt to INT2, a clear bit to INT1.
        public static let intMap: UInt8 = 0x2F
        /// `0x30 INT_SOURCE` (read only): which functions have triggered (`Interrupts`); reset value 0x02.
        public static let intSource: UInt8 = 0x30
        /// `0x31 DATA_FORMAT`: SELF_TEST[7], SPI[6], INT_INVERT[5], FULL_RES[3], Justify[2], Range[1:0].
        public static let dataFormat: UInt8 = 0x31
        /// `0x32 DATAX0`: first of the six data registers DATAX0, DATAX1, DATAY0, DATAY1, DATAZ0, DATAZ1 (0x32…0x37),
        /// little-endian two's complement. Any read of them pops one FIFO level.
        public static let dataX0: UInt8 = 0x32
        /// `0x37 DATAZ1`: the last data register.
        public static let dataZ1: UInt8 = 0x37
        /// `0x38 FIFO_CTL`: FIFO_MODE[7:6], Trigger[5], Samples[4:0].
        public static let fifoCtl: UInt8 = 0x38
        /// `0x39 FIFO_STATUS` (read only): FIFO_TRIG[7], Entries[5:0].
        public static let fifoStatus: UInt8 = 0x39
    }

    /// `DEVID` (data sheet "Register Definitions", Register 0x00: "a fixed device ID code of 0xE5").
    public static let deviceID: UInt8 = 0xE5

    /// Address with ALT ADDRESS (pin 12) low (data sheet "I²C": 0x53, i.e. 0xA6 write / 0xA7 read).
    public static let primaryAddress: I2CAddress = 0x53
    /// Address with ALT ADDRESS high (0x1D, i.e. 0x3A write / 0x3B read).
    public static let alternateAddress: I2CAddress = 0x1D

    /// Bits shared by INT_ENABLE (0x2E), INT_MAP (0x2F) and INT_SOURCE (0x30) (data sheet "Register Definitions"
    /// and "Interrupts").
    public struct Interrupts: OptionSet, Sendable, Hashable {
        public var rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        /// DATA_READY: new data is available; cleared when no new data is available.
        public static let dataReady = Interrupts(rawValue: 0x80)
        /// SINGLE_TAP.
        public static let singleTap = Interrupts(rawValue: 0x40)
        /// DOUBLE_TAP.
        public static let doubleTap = Interrupts(rawValue: 0x20)
        /// Activity.
        public static let activity = Interrupts(rawValue: 0x10)
        /// Inactivity.
        public static let inactivity = Interrupts(rawValue: 0x08)
        /// FREE_FALL.
        public static let freeFall = Interrupts(rawValue: 0x04)
        /// Watermark: the FIFO holds at least the Samples bits' number of entries (always set when Samples is 0).
        public static let watermark = Interrupts(rawValue: 0x02)
        /// Overrun: new data replaced unread data (bypass mode) or the FIFO filled (other modes).
        public static let overrun = Interrupts(rawValue: 0x01)
    }

    /// `BW_RATE` bit 4 LOW_POWER: reduced power, somewhat higher noise.
    public static let bwRateLowPower: UInt8 = 0x10
    /// `POWER_CTL` bit 3 Measure: 1 = measurement mode, 0 = standby (reset value).
    public static let powerCtlMeasure: UInt8 = 0x08
    /// `DATA_FORMAT` bit 7 SELF_TEST: applies the self-test force to the sensor.
    public static let dataFormatSelfTest: UInt8 = 0x80
    /// `DATA_FORMAT` bit 6 SPI: 3-wire SPI; irrelevant on I²C, kept 0.
    public static let dataFormatSPI: UInt8 = 0x40
    /// `DATA_FORMAT` bit 5 INT_INVERT: 0 = interrupts active high (reset value), 1 = active low.
    public static let dataFormatIntInvert: UInt8 = 0x20
    /// `DATA_FORMAT` bit 3 FULL_RES: 1 = full resolution (3.9 mg/LSB at every range), 0 = 10-bit mode.
    public static let dataFormatFullRes: UInt8 = 0x08
    /// `DATA_FORMAT` bit 2 Justify: 1 = left-justified (MSB first), 0 = right-justified with sign extension.
    public static let dataFormatJustify: UInt8 = 0x04
    /// `FIFO_CTL` bit 5 Trigger: 0 links trigger mode to INT1, 1 to INT2.
    public static let fifoCtlTriggerINT2: UInt8 = 0x20
    /// `FIFO_STATUS` bit 7 FIFO_TRIG: a trigger event occurred (trigger mode).
    public static let fifoStatusTrig: UInt8 = 0x80
    /// `FIFO_STATUS` bits 5:0 Entries.
    public static let fifoStatusEntriesMask: UInt8 = 0x3F

    /// Levels in the FIFO (data sheet "FIFO": 32 levels of x/y/z).
    public static let fifoCapacity = 32
    /// Entries the chip can report: the 32 FIFO levels plus the one waiting in the output registers (data sheet
    /// FIFO_STATUS: "a maximum of 33 entries available at any given time").
    public static let maxFIFOEntries = 33

    /// Offset register scale: 15.6 mg/LSB (data sheet Register 0x1E–0x20, "0x7F = 2 g"), i.e. 64 LSB/g.
    public static let offsetLSBPerG = 64.0

    /// Measurement range, `DATA_FORMAT` bits 1:0 (data sheet Register 0x31 DATA_FORMAT; sensitivities from Table 1).
    public enum Range: UInt8, Sendable, Hashable, CaseIterable {
        /// `00`: ±2 g (reset value).
        case g2 = 0
        /// `01`: ±4 g.
        case g4 = 1
        /// `10`: ±8 g.
        case g8 = 2
        /// `11`: ±16 g.
        case g16 = 3

        /// Typical sensitivity in 10-bit mode (Table 1: 256, 128, 64, 32 LSB/g; 3.9, 7.8, 15.6, 31.2 mg/LSB).
        public var tenBitLSBPerG: Double {
            switch self {
            case .g2: 256
            case .g4: 128
            case .g8: 64
            case .g16: 32
            }
        }

        /// Output resolution in bits: 10 in 10-bit mode; in full resolution 10, 11, 12, 13 for ±2…±16 g (Table 1).
        public func resolutionBits(fullResolution: Bool) -> Int {
            fullResolution ? 10 + Int(rawValue) : 10
        }

        /// Typical sensitivity: 256 LSB/g (3.9 mg/LSB) at every range in full resolution, `tenBitLSBPerG` otherwise.
        public func lsbPerG(fullResolution: Bool) -> Double {
            fullResolution ? ADXL345.fullResolutionLSBPerG : tenBitLSBPerG
        }
    }

    /// Full-resolution sensitivity (Table 1: 256 LSB/g typical, scale factor 3.9 mg/LSB).
    public static let fullResolutionLSBPerG = 256.0

    /// Output data rate, `BW_RATE` Rate bits 3:0 (data sheet "Power Modes" and Register 0x2C;
    /// bandwidth is half the rate). 0x0A (100 Hz) is
    /// the reset value.
    public enum OutputDataRate: UInt8, Sendable, Hashable, CaseIterable {
        case hz0p10 = 0x00
        case hz0p20 = 0x01
        case hz0p39 = 0x02
        case hz0p78 = 0x03
        case hz1p56 = 0x04
        case hz3p13 = 0x05
        case hz6p25 = 0x06
        case hz12p5 = 0x07
        case hz25 = 0x08
        case hz50 = 0x09
        case hz100 = 0x0A
        case hz200 = 0x0B
        case hz400 = 0x0C
        case hz800 = 0x0D
        case hz1600 = 0x0E
        case hz3200 = 0x0F

        /// The data rate in Hz: 3200 / 2^(15 − code).
        public var hertz: Double { 3200 / Double(1 << (15 - Int(rawValue))) }
        /// Time between two conversions.
        public var period: Duration { .nanoseconds(Int64((1_000_000_000 / hertz).rounded())) }
        /// The data sheet ("Self-Test") allows self-test only at 100…800 Hz or 3200 Hz.
        public var allowsSelfTest: Bool { (0x0A...0x0D).contains(rawValue) || self == .hz3200 }
    }

    /// FIFO mode, `FIFO_CTL` bits 7:6 (data sheet Register 0x38 FIFO_CTL and "FIFO").
    public enum FIFOMode: UInt8, Sendable, Hashable, CaseIterable {
        /// `00`: FIFO bypassed (reset value); the data registers hold the latest conversion.
        case bypass = 0
        /// `01`: collects up to 32 values, then stops.
        case fifo = 1
        /// `10`: holds the latest 32 values, discarding the oldest.
        case stream = 2
        /// `11`: holds the latest 32 until a trigger event, then keeps the Samples bits' number before it.
        case trigger = 3
    }

    /// Supply voltage for the self-test limits: the electrostatic force grows with VS², so the data sheet scales
    /// its 2.5 V limits (Table 14).
    public enum SelfTestSupply: Sendable, Hashable, CaseIterable {
        case v2p0
        case v2p5
        case v3p3
        case v3p6

        /// Table 14 scale factors (x and y, z): 0.64/0.8 at 2.0 V, 1/1 at 2.5 V, 1.77/1.47 at 3.3 V, 2.11/1.69 at 3.6 V.
        public var scaleFactors: (xy: Double, z: Double) {
            switch self {
            case .v2p0: (0.64, 0.8)
            case .v2p5: (1.0, 1.0)
            case .v3p3: (1.77, 1.47)
            case .v3p6: (2.11, 1.69)
            }
        }
    }

    /// Self-test output change in LSB at 256 LSB/g (±2 g 10-bit or full resolution), VS = 2.5 V (data sheet Table 15):
    /// x 50…540, y −540…−50, z 75…875.
    public static let selfTestLimitsLSB: (x: ClosedRange<Double>, y: ClosedRange<Double>, z: ClosedRange<Double>) = (
        50...540, -540...(-50), 75...875
    )

    /// The Table 15 limits scaled by Table 14 for `supply`, in LSB at 256 LSB/g.
    public static func selfTestLimitsLSB(supply: SelfTestSupply) -> (
        x: ClosedRange<Double>, y: ClosedRange<Double>, z: ClosedRange<Double>
    ) {
        let scale = supply.scaleFactors
        let base = selfTestLimitsLSB
        return (
            base.x.lowerBound * scale.xy...base.x.upperBound * scale.xy,
            base.y.lowerBound * scale.xy...base.y.upperBound * scale.xy,
            base.z.lowerBound * scale.z...base.z.upperBound * scale.z
        )
    }

    /// Encodes a count as DATAx0, DATAx1: right-justified (sign-extended) or left-justified (MSB at bit 15, low bits
    /// zero) for a `bits`-wide output, clamped to its range (data sheet Register 0x31 Justify bit, Figure 49/50).
    public static func encode(_ count: Int, bits: Int, leftJustified: Bool) -> [UInt8] {
        let limit = 1 << (bits - 1)
        let clamped = min(max(count, -limit), limit - 1)
        let word = UInt16(bitPattern: Int16(leftJustified ? clamped << (16 - bits) : clamped))
        return [UInt8(truncatingIfNeeded: word), UInt8(word >> 8)]
    }

    /// Decodes DATAx0, DATAx1 for a `bits`-wide output; `nil` when the word cannot come from that format (upper bits
    /// that are not a sign extension, or set low bits when left-justified).
    public static func decode(_ low: UInt8, _ high: UInt8, bits: Int, leftJustified: Bool) -> Int? {
        let word = Int(Int16(bitPattern: UInt16(high) << 8 | UInt16(low)))
        let shift = 16 - bits
        if leftJustified {
            guard word & ((1 << shift) - 1) == 0 else { return nil }
            return word >> shift
        }
        let limit = 1 << (bits - 1)
        guard word >= -limit, word < limit else { return nil }
        return word
    }
}
