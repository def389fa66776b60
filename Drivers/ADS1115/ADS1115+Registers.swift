public import HAL

// Register map of the ADS1115 (Texas Instruments SBAS444D, May 2009 – revised January 2018, section 9.6 "Register
// Map"). A 2-bit address pointer selects one of four 16-bit registers, most significant byte first on the wire
// (not SMBus word order): write `pointer, MSB, LSB`; read `pointer`, repeated START, `MSB, LSB` (9.5.3 "Writing
// to and Reading From the Registers").

extension ADS1115 {
    /// Address with ADDR tied to GND (datasheet 9.5.1.1 "I2C Address Selection", Table 4).
    public static let defaultAddress: I2CAddress = 0x48
    /// Every address the ADDR pin can select: 0x48…0x4B.
    public static let addresses: ClosedRange<UInt8> = 0x48...0x4B

    /// What the ADDR pin is connected to (datasheet Table 4).
    public enum AddressPin: UInt8, Sendable, CaseIterable {
        case gnd = 0
        case vdd = 1
        case sda = 2
        case scl = 3
    }

    /// The address selected by the ADDR pin: GND 0x48, VDD 0x49, SDA 0x4A, SCL 0x4B.
    public static func address(_ pin: AddressPin) -> I2CAddress {
        I2CAddress(rawValue: 0x48 | pin.rawValue) ?? defaultAddress
    }

    /// Address pointer values, P[1:0] (datasheet 9.6.1, Table 5).
    public enum Register: UInt8, Sendable, CaseIterable {
        /// 00b Conversion register: last result, 16-bit two's complement (9.6.2).
        case conversion = 0x00
        /// 01b Config register: OS, MUX, PGA, MODE, DR, comparator (9.6.3).
        case config = 0x01
        /// 10b Lo_thresh register (9.6.4).
        case loThresh = 0x02
        /// 11b Hi_thresh register (9.6.4).
        case hiThresh = 0x03
    }

    /// Config register after power-up: idle, AIN0–AIN1, ±2.048 V, single-shot, 128 SPS, comparator disabled
    /// (datasheet 9.6.3, Table 8, reset 8583h).
    public static let configResetValue: UInt16 = 0x8583
    /// Lo_thresh after power-up (9.6.4, reset 8000h).
    public static let loThreshResetValue: UInt16 = 0x8000
    /// Hi_thresh after power-up (9.6.4, reset 7FFFh).
    public static let hiThreshResetValue: UInt16 = 0x7FFF

    /// Config register bit fields (datasheet 9.6.3, Figure 36 / Table 8).
    enum ConfigBits {
        /// OS, bit 15. Write 1: start a single conversion (in power-down). Read: 0 = converting, 1 = idle.
        static let operationalStatus: UInt16 = 1 << 15
        /// MUX[2:0], bits 14:12.
        static let muxShift: UInt16 = 12
        /// PGA[2:0], bits 11:9.
        static let pgaShift: UInt16 = 9
        /// MODE, bit 8: 0 = continuous conversion, 1 = single-shot / power-down.
        static let singleShotMode: UInt16 = 1 << 8
        /// DR[2:0], bits 7:5.
        static let dataRateShift: UInt16 = 5
        /// COMP_MODE, bit 4: 0 = traditional comparator, 1 = window comparator.
        static let windowComparator: UInt16 = 1 << 4
        /// COMP_POL, bit 3: 0 = ALERT/RDY active low, 1 = active high.
        static let activeHigh: UInt16 = 1 << 3
        /// COMP_LAT, bit 2: 0 = non-latching, 1 = latching comparator.
        static let latching: UInt16 = 1 << 2
        /// COMP_QUE[1:0], bits 1:0; 11 disables the comparator and puts ALERT/RDY in high impedance.
        static let queueMask: UInt16 = 0b11
        /// A three-bit field.
        static let fieldMask: UInt16 = 0b111
    }

    /// Input multiplexer, MUX[2:0] (datasheet 9.3.1 "Multiplexer", 9.6.3): positive input minus negative input.
    public enum Input: UInt16, Sendable, CaseIterable {
        /// 000 AINP = AIN0, AINN = AIN1 (reset value).
        case ain0MinusAin1 = 0b000
        /// 001 AINP = AIN0, AINN = AIN3.
        case ain0MinusAin3 = 0b001
        /// 010 AINP = AIN1, AINN = AIN3.
        case ain1MinusAin3 = 0b010
        /// 011 AINP = AIN2, AINN = AIN3.
        case ain2MinusAin3 = 0b011
        /// 100 AINP = AIN0, AINN = GND.
        case ain0 = 0b100
        /// 101 AINP = AIN1, AINN = GND.
        case ain1 = 0b101
        /// 110 AINP = AIN2, AINN = GND.
        case ain2 = 0b110
        /// 111 AINP = AIN3, AINN = GND.
        case ain3 = 0b111

        /// The single-ended input for channel 0…3 (measured against GND).
        public static func singleEnded(_ channel: Int) -> Input {
            precondition((0...3).contains(channel), "the ADS1115 has inputs AIN0…AIN3")
            return Input(rawValue: 0b100 + UInt16(channel)) ?? .ain0
        }

        /// The positive input channel (0…3).
        public var positiveChannel: Int {
            switch self {
            case .ain0MinusAin1, .ain0MinusAin3, .ain0: 0
            case .ain1MinusAin3, .ain1: 1
            case .ain2MinusAin3, .ain2: 2
            case .ain3: 3
            }
        }

        /// The negative input channel (0…3), or nil for GND.
        public var negativeChannel: Int? {
            switch self {
            case .ain0MinusAin1: 1
            case .ain0MinusAin3, .ain1MinusAin3, .ain2MinusAin3: 3
            case .ain0, .ain1, .ain2, .ain3: nil
            }
        }
    }

    /// Programmable gain amplifier, PGA[2:0] (datasheet 9.3.3 "Full-Scale Range (FSR) and LSB Size", Table 1).
    /// The code 110 and 111 also select ±0.256 V; the driver only writes 101 for that range.
    public enum Gain: UInt16, Sendable, CaseIterable {
        /// 000 FSR = ±6.144 V (the input must still stay within VDD + 0.3 V).
        case fsr6144mV = 0b000
        /// 001 FSR = ±4.096 V.
        case fsr4096mV = 0b001
        /// 010 FSR = ±2.048 V (reset value).
        case fsr2048mV = 0b010
        /// 011 FSR = ±1.024 V.
        case fsr1024mV = 0b011
        /// 100 FSR = ±0.512 V.
        case fsr512mV = 0b100
        /// 101 FSR = ±0.256 V.
        case fsr256mV = 0b101

        /// The PGA field as read back: 110 and 111 mean ±0.256 V too.
        init(field: UInt16) {
            self = Gain(rawValue: field) ?? .fsr256mV
        }

        /// Full-scale range in volts (the positive end).
        public var fullScaleVolts: Double {
            switch self {
            case .fsr6144mV: 6.144
            case .fsr4096mV: 4.096
            case .fsr2048mV: 2.048
            case .fsr1024mV: 1.024
            case .fsr512mV: 0.512
            case .fsr256mV: 0.256
            }
        }

        /// One code in volts: FSR / 2^15 (datasheet Table 1, e.g. 62.5 µV at ±2.048 V).
        public var lsbVolts: Double { fullScaleVolts / 32768 }
    }

    /// Data rate, DR[2:0] (datasheet 9.3.6 "Output Data Rate and Conversion Time"). The conversion time is 1/DR;
    /// the internal oscillator is accurate to ±10 %.
    public enum DataRate: UInt16, Sendable, CaseIterable {
        case sps8 = 0b000
        case sps16 = 0b001
        case sps32 = 0b010
        case sps64 = 0b011
        /// 100 = 128 SPS (reset value).
        case sps128 = 0b100
        case sps250 = 0b101
        case sps475 = 0b110
        case sps860 = 0b111

        /// Samples per second.
        public var samplesPerSecond: Int {
            switch self {
            case .sps8: 8
            case .sps16: 16
            case .sps32: 32
            case .sps64: 64
            case .sps128: 128
            case .sps250: 250
            case .sps475: 475
            case .sps860: 860
            }
        }

        /// The nominal conversion time, 1/DR (rounded up to a whole microsecond).
        public var conversionTime: Duration {
            .microseconds((1_000_000 + samplesPerSecond - 1) / samplesPerSecond)
        }
    }

    /// Comparator and ALERT/RDY pin settings: COMP_MODE, COMP_POL, COMP_LAT, COMP_QUE (datasheet 9.3.7, 9.3.8).
    public struct Comparator: Sendable, Hashable {
        /// COMP_QUE[1:0]: assert after one, two or four conversions beyond the thresholds, or disabled.
        public enum Queue: UInt16, Sendable, CaseIterable {
            case afterOne = 0b00
            case afterTwo = 0b01
            case afterFour = 0b10
            case disabled = 0b11
        }

        /// COMP_MODE: window comparator instead of traditional (hysteresis) comparator.
        public var window: Bool
        /// COMP_POL: ALERT/RDY is active high instead of active low.
        public var activeHigh: Bool
        /// COMP_LAT: the alert latches until the conversion register is read.
        public var latching: Bool
        /// COMP_QUE.
        public var queue: Queue

        public init(window: Bool = false, activeHigh: Bool = false, latching: Bool = false, queue: Queue) {
            self.window = window
            self.activeHigh = activeHigh
            self.latching = latching
            self.queue = queue
        }

        /// The reset state: comparator off, ALERT/RDY high impedance.
        public static let disabled = Comparator(queue: .disabled)

        /// ALERT/RDY as a conversion-ready pin (datasheet 9.3.8): any COMP_QUE other than 11, and the threshold
        /// registers set by `ADS1115.enableConversionReadyPin()`.
        public static func conversionReady(activeHigh: Bool = false) -> Comparator {
            Comparator(activeHigh: activeHigh, queue: .afterOne)
        }

        var bits: UInt16 {
            (window ? ConfigBits.windowComparator : 0) | (activeHigh ? ConfigBits.activeHigh : 0)
                | (latching ? ConfigBits.latching : 0) | queue.rawValue
        }

        init(bits: UInt16) {
            self.init(
                window: bits & ConfigBits.windowComparator != 0, activeHigh: bits & ConfigBits.activeHigh != 0,
                latching: bits & ConfigBits.latching != 0,
                queue: Queue(rawValue: bits & ConfigBits.queueMask) ?? .disabled)
        }
    }

    /// The Config register as fields (datasheet 9.6.3). `startConversion` is OS on write; on read it is the
    /// "idle" status.
    public struct Config: Sendable, Hashable {
        public var input: Input
        public var gain: Gain
        /// MODE = 0: continuous conversion.
        public var continuous: Bool
        public var dataRate: DataRate
        public var comparator: Comparator

        public init(
            input: Input = .ain0MinusAin1, gain: Gain = .fsr2048mV, continuous: Bool = false,
            dataRate: DataRate = .sps128, comparator: Comparator = .disabled
        ) {
            self.input = input
            self.gain = gain
            self.continuous = continuous
            self.dataRate = dataRate
            self.comparator = comparator
        }

        /// The register value; `os` sets bit 15.
        public func rawValue(os: Bool) -> UInt16 {
            (os ? ConfigBits.operationalStatus : 0) | input.rawValue << ConfigBits.muxShift
                | gain.rawValue << ConfigBits.pgaShift | (continuous ? 0 : ConfigBits.singleShotMode)
                | dataRate.rawValue << ConfigBits.dataRateShift | comparator.bits
        }

        /// Decodes a register value (bit 15 ignored).
        public init(rawValue: UInt16) {
            let field = { (shift: UInt16) in (rawValue >> shift) & ConfigBits.fieldMask }
            self.init(
                input: Input(rawValue: field(ConfigBits.muxShift)) ?? .ain0MinusAin1,
                gain: Gain(field: field(ConfigBits.pgaShift)),
                continuous: rawValue & ConfigBits.singleShotMode == 0,
                dataRate: DataRate(rawValue: field(ConfigBits.dataRateShift)) ?? .sps128,
                comparator: Comparator(bits: rawValue))
        }
    }

    /// Threshold values that turn ALERT/RDY into a conversion-ready pin: Hi_thresh MSB = 1, Lo_thresh MSB = 0
    /// (datasheet 9.6.4).
    public static let conversionReadyHiThresh: UInt16 = 0x8000
    /// See `conversionReadyHiThresh`.
    public static let conversionReadyLoThresh: UInt16 = 0x0000
}
