public import HAL

// Register map of the VEML7700 (Vishay datasheet, document 84286, Rev. 1.7, 28-Nov-2023, "Command Register Format"
// and the per-register tables after it) and the resolution table of the application note "Designing the VEML7700 Into an Application"
// (document 84323, "Resolution and Maximum Detection Range"). Every register is 16 bits wide and travels least
// significant byte first (SMBus word order): write `command, LSB, MSB`; read `command`, repeated START, `LSB, MSB`.

extension VEML7700 {
    /// The only address of the VEML7700 (datasheet "Slave Address and Function Description": 0x10, 7-bit).
    public static let address: I2CAddress = 0x10

    /// Command codes (datasheet "Command Register Format").
    public enum Register: UInt8, Sendable, CaseIterable {
        /// `ALS_CONF_0` (00h): gain, integration time, persistence, interrupt enable, shutdown.
        case alsConf = 0x00
        /// `ALS_WH` (01h): high threshold window, counts.
        case alsWH = 0x01
        /// `ALS_WL` (02h): low threshold window, counts.
        case alsWL = 0x02
        /// `Power saving` (03h): PSM mode and PSM_EN.
        case powerSaving = 0x03
        /// `ALS` (04h): ambient light channel output, counts.
        case als = 0x04
        /// `WHITE` (05h): white channel output, counts.
        case white = 0x05
        /// `ALS_INT` (06h): threshold interrupt flags, cleared by reading.
        case alsInt = 0x06
        /// `ID` (07h): device ID code 0x81 in the low byte, address option code in the high byte.
        case id = 0x07
    }

    /// Low byte of the ID register (datasheet "Command Register Format", command code 07h: device ID code 81h).
    public static let deviceIDCode: UInt8 = 0x81
    /// The whole ID register as the 0x10 part reports it: address option code 0xC4, device ID 0x81.
    public static let idRegisterValue: UInt16 = 0xC481

    /// ALS_CONF bit fields (datasheet, register 00h).
    enum ConfBits {
        static let gainShift: UInt16 = 11
        static let gainMask: UInt16 = 0b11 << 11
        static let integrationTimeShift: UInt16 = 6
        static let integrationTimeMask: UInt16 = 0b1111 << 6
        static let persistenceShift: UInt16 = 4
        static let persistenceMask: UInt16 = 0b11 << 4
        /// `ALS_INT_EN`, bit 1.
        static let interruptEnable: UInt16 = 1 << 1
        /// `ALS_SD`, bit 0: 1 = shut down.
        static let shutdown: UInt16 = 1 << 0
        /// Bits 15:13, 10, 3:2 are reserved and must be written 0.
        static let writable: UInt16 = gainMask | integrationTimeMask | persistenceMask | interruptEnable | shutdown
    }

    /// ALS_INT flags (datasheet, register 06h).
    enum InterruptBits {
        /// `int_th_low`, bit 15: the ALS value crossed below the low threshold.
        static let low: UInt16 = 1 << 15
        /// `int_th_high`, bit 14: the ALS value crossed above the high threshold.
        static let high: UInt16 = 1 << 14
    }

    /// `ALS_GAIN` (ALS_CONF bits 12:11).
    public enum Gain: UInt16, Sendable, CaseIterable, CustomStringConvertible {
        case one = 0b00
        case two = 0b01
        case oneEighth = 0b10
        case oneQuarter = 0b11

        /// The analogue gain factor.
        public var factor: Double {
            switch self {
            case .one: 1
            case .two: 2
            case .oneEighth: 0.125
            case .oneQuarter: 0.25
            }
        }

        /// Lowest to highest: the order auto-ranging steps through.
        public static let ascending: [Gain] = [.oneEighth, .oneQuarter, .one, .two]

        public var description: String {
            switch self {
            case .one: "gain 1"
            case .two: "gain 2"
            case .oneEighth: "gain 1/8"
            case .oneQuarter: "gain 1/4"
            }
        }
    }

    /// `ALS_IT` (ALS_CONF bits 9:6). Codes not listed here are not valid.
    public enum IntegrationTime: UInt16, Sendable, CaseIterable, CustomStringConvertible {
        case ms25 = 0b1100
        case ms50 = 0b1000
        case ms100 = 0b0000
        case ms200 = 0b0001
        case ms400 = 0b0010
        case ms800 = 0b0011

        public var milliseconds: Int {
            switch self {
            case .ms25: 25
            case .ms50: 50
            case .ms100: 100
            case .ms200: 200
            case .ms400: 400
            case .ms800: 800
            }
        }

        public var duration: Duration { .milliseconds(milliseconds) }

        /// Shortest to longest: the order auto-ranging steps through.
        public static let ascending: [IntegrationTime] = [.ms25, .ms50, .ms100, .ms200, .ms400, .ms800]

        public var description: String { "\(milliseconds) ms" }
    }

    /// `ALS_PERS` (ALS_CONF bits 5:4): how many consecutive out-of-window readings raise the interrupt.
    public enum Persistence: UInt16, Sendable, CaseIterable {
        case one = 0b00
        case two = 0b01
        case four = 0b10
        case eight = 0b11
    }

    /// The ALS_CONF register as a value.
    public struct Configuration: Sendable, Hashable {
        public var gain: Gain
        public var integrationTime: IntegrationTime
        public var persistence: Persistence
        public var interruptEnabled: Bool
        /// `ALS_SD`: true while the chip is shut down (no measurements, 0.5 µA).
        public var shutdown: Bool

        public init(
            gain: Gain = .oneEighth, integrationTime: IntegrationTime = .ms100, persistence: Persistence = .one,
            interruptEnabled: Bool = false, shutdown: Bool = false
        ) {
            self.gain = gain
            self.integrationTime = integrationTime
            self.persistence = persistence
            self.interruptEnabled = interruptEnabled
            self.shutdown = shutdown
        }

        /// Parses a register value; nil when the integration time code is not one of the six valid ones.
        public init?(rawValue: UInt16) {
            guard
                let gain = Gain(rawValue: (rawValue & ConfBits.gainMask) >> ConfBits.gainShift),
                let time = IntegrationTime(
                    rawValue: (rawValue & ConfBits.integrationTimeMask) >> ConfBits.integrationTimeShift),
                let persistence = Persistence(
                    rawValue: (rawValue & ConfBits.persistenceMask) >> ConfBits.persistenceShift)
            else { return nil }
            self.init(
                gain: gain, integrationTime: time, persistence: persistence,
                interruptEnabled: rawValue & ConfBits.interruptEnable != 0,
                shutdown: rawValue & ConfBits.shutdown != 0)
        }

        /// The ALS_CONF register value (reserved bits 0).
        public var rawValue: UInt16 {
            gain.rawValue << ConfBits.gainShift | integrationTime.rawValue << ConfBits.integrationTimeShift
                | persistence.rawValue << ConfBits.persistenceShift
                | (interruptEnabled ? ConfBits.interruptEnable : 0) | (shutdown ? ConfBits.shutdown : 0)
        }
    }

    /// ALS_CONF after power-on: gain 1, 100 ms, persistence 1, interrupt off, shut down (datasheet defaults for register 00h).
    public static let alsConfResetValue: UInt16 = 0x0001

    /// Lux per count at gain 2 and 800 ms, the finest resolution (datasheet Rev. 1.7 and application note table;
    /// earlier revisions gave 0.0036 lx/count).
    public static let finestResolutionLuxPerCount = 0.0042

    /// Lux per count of the ALS channel for a gain and integration time (application note, "Resolution and Maximum
    /// Detection Range"): 0.0042 lx at gain 2 and 800 ms, doubling each time the gain or the integration time halves,
    /// e.g. 0.0672 lx at gain 1 and 100 ms and 2.1504 lx at gain 1/8 and 25 ms.
    public static func resolutionLuxPerCount(gain: Gain, integrationTime: IntegrationTime) -> Double {
        finestResolutionLuxPerCount * (2 / gain.factor) * (800 / Double(integrationTime.milliseconds))
    }

    /// The largest illuminance a setting can show before the 16-bit count saturates (same table).
    public static func maximumLux(gain: Gain, integrationTime: IntegrationTime) -> Double {
        resolutionLuxPerCount(gain: gain, integrationTime: integrationTime) * 65535
    }

    /// The application note's non-linearity correction for high illuminance:
    /// `lux = 6.0135e-13·x⁴ − 9.3924e-9·x³ + 8.1488e-5·x² + 1.0023·x`, where `x` is counts × resolution.
    public static func correctedLux(_ linearLux: Double) -> Double {
        (((6.0135e-13 * linearLux - 9.3924e-9) * linearLux + 8.1488e-5) * linearLux + 1.0023) * linearLux
    }

    /// Whether the non-linearity correction applies to a reading taken at `gain`. The application note applies it in
    /// the high-illuminance branch of its auto-ranging flow, which runs at gain 1/8 (and 1/4); at gains 1 and 2 the
    /// chip is only used below ~100 lx, where it is linear.
    public static func needsCorrection(gain: Gain) -> Bool {
        gain == .oneEighth || gain == .oneQuarter
    }

    /// Auto-ranging raises gain, then integration time, while the count is at or below this (application note flow
    /// chart: "ALS ≤ 100 counts").
    public static let autoRangeLowCounts: UInt16 = 100
    /// Auto-ranging lowers the integration time while the count is above this (flow chart: "ALS > 10000 counts").
    public static let autoRangeHighCounts: UInt16 = 10_000
    /// After switching ALS_SD to 0 the chip needs 2.5 ms before the first integration starts (application note,
    /// "Power-on").
    public static let powerOnDelay: Duration = .microseconds(2500)
}
