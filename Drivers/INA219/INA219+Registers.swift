public import HAL

// Register map of the INA219 (Texas Instruments SBOS448G, August 2008 – revised December 2015, section 8.6
// "Register Maps"). Registers are 16 bits, most significant byte first on the wire (not SMBus word order):
// write `pointer, MSB, LSB`; read `pointer`, repeated START, `MSB, LSB`.

extension INA219 {
    /// Address with A1 = A0 = GND (datasheet 8.5.5.1, address pin table).
    public static let defaultAddress: I2CAddress = 0x40
    /// Every address the A1/A0 pins can select: 0x40…0x4F.
    public static let addresses: ClosedRange<UInt8> = 0x40...0x4F

    /// What an address pin is tied to (datasheet 8.5.5.1 "Serial Bus Address").
    public enum AddressPin: UInt8, Sendable, CaseIterable {
        case gnd = 0
        case vs = 1
        case sda = 2
        case scl = 3
    }

    /// The address selected by A1 and A0 (datasheet 8.5.5.1): `1000 A1 A0` with each pin worth 0…3.
    public static func address(a1: AddressPin, a0: AddressPin) -> I2CAddress {
        I2CAddress(rawValue: 0x40 | a1.rawValue << 2 | a0.rawValue) ?? defaultAddress
    }

    /// Register pointers (datasheet 8.6.1, "Summary of Register Set").
    public enum Register: UInt8, Sendable, CaseIterable {
        /// 00h Configuration: reset, bus range, PGA, ADC settings, mode (8.6.2.1).
        case configuration = 0x00
        /// 01h Shunt voltage, 10 µV LSB, two's complement sign-extended to the PGA range (8.6.3.1).
        case shuntVoltage = 0x01
        /// 02h Bus voltage: bits 15:3, 4 mV LSB; bit 1 CNVR; bit 0 OVF (8.6.3.2).
        case busVoltage = 0x02
        /// 03h Power = Current × BusVoltage / 5000, Power_LSB = 20 × Current_LSB (8.6.3.3).
        case power = 0x03
        /// 04h Current = ShuntVoltage × Calibration / 4096, in Current_LSB (8.6.3.4).
        case current = 0x04
        /// 05h Calibration; bit 0 is void and reads 0 (8.6.4.1).
        case calibration = 0x05
    }

    /// Configuration register after power-on or reset: 32 V range, PGA /8 (±320 mV), 12-bit bus and shunt ADC,
    /// shunt and bus continuous (datasheet 8.6.2.1, reset = 399Fh).
    public static let configurationResetValue: UInt16 = 0x399F

    /// Configuration register bits (datasheet 8.6.2.1, Figure 19).
    enum ConfigurationBits {
        /// RST, bit 15: resets all registers; self-clearing.
        static let reset: UInt16 = 1 << 15
        static let busRangeShift: UInt16 = 13
        static let pgaShift: UInt16 = 11
        static let busADCShift: UInt16 = 7
        static let shuntADCShift: UInt16 = 3
        static let modeMask: UInt16 = 0b111
    }

    /// Bus voltage register bits (datasheet 8.6.3.2).
    enum BusVoltageBits {
        /// CNVR, bit 1: a conversion has completed since the power register was last read.
        static let conversionReady: UInt16 = 1 << 1
        /// OVF, bit 0: the current or power calculation overflowed.
        static let mathOverflow: UInt16 = 1 << 0
        static let shift: UInt16 = 3
    }

    /// Shunt voltage register LSB: 10 µV at every PGA setting.
    public static let shuntVoltageLSBVolts = 10e-6
    /// Bus voltage register LSB: 4 mV.
    public static let busVoltageLSBVolts = 4e-3
    /// The fixed value in the calibration equation, `Cal = trunc(0.04096 / (Current_LSB × R_SHUNT))` (Equation 1).
    public static let calibrationScale = 0.04096

    /// BRNG, bit 13: bus voltage full-scale range.
    public enum BusVoltageRange: UInt16, Sendable, CaseIterable {
        case volts16 = 0
        case volts32 = 1

        /// Full scale in volts.
        public var volts: Double { self == .volts16 ? 16 : 32 }
    }

    /// PG, bits 12:11: PGA gain and shunt voltage full-scale range (datasheet 8.6.2.1, PG bit settings).
    public enum ShuntVoltageRange: UInt16, Sendable, CaseIterable {
        /// Gain 1, ±40 mV.
        case millivolts40 = 0b00
        /// Gain /2, ±80 mV.
        case millivolts80 = 0b01
        /// Gain /4, ±160 mV.
        case millivolts160 = 0b10
        /// Gain /8, ±320 mV (reset value).
        case millivolts320 = 0b11

        /// Full scale in shunt-register counts (10 µV): 4000, 8000, 16000, 32000.
        public var fullScaleCounts: Int { 4000 << Int(rawValue) }
        /// Full scale in volts.
        public var volts: Double { Double(fullScaleCounts) * INA219.shuntVoltageLSBVolts }
    }

    /// BADC bits 10:7 and SADC bits 6:3: resolution or number of averaged samples (datasheet 8.6.2.1, ADC settings).
    public enum ADCSetting: UInt16, Sendable, CaseIterable {
        case bits9 = 0b0000
        case bits10 = 0b0001
        case bits11 = 0b0010
        /// 12 bits, one sample (reset value).
        case bits12 = 0b0011
        case samples2 = 0b1001
        case samples4 = 0b1010
        case samples8 = 0b1011
        case samples16 = 0b1100
        case samples32 = 0b1101
        case samples64 = 0b1110
        case samples128 = 0b1111

        /// Parses a 4-bit field: `0b01xx` means the same as `0b00xx`, and `0b1000` is 12 bits (ADC settings table).
        public init(field: UInt16) {
            let field = field & 0b1111
            if field & 0b1000 == 0 {
                self = ADCSetting(rawValue: field & 0b0011) ?? .bits12
            } else {
                self = ADCSetting(rawValue: field) ?? .bits12
            }
        }

        /// Conversion time (datasheet ADC settings table, typical values): 84 µs at 9 bits up to 68.10 ms for 128 samples.
        public var conversionTime: Duration {
            switch self {
            case .bits9: .microseconds(84)
            case .bits10: .microseconds(148)
            case .bits11: .microseconds(276)
            case .bits12: .microseconds(532)
            case .samples2: .microseconds(1060)
            case .samples4: .microseconds(2130)
            case .samples8: .microseconds(4260)
            case .samples16: .microseconds(8510)
            case .samples32: .microseconds(17_020)
            case .samples64: .microseconds(34_050)
            case .samples128: .microseconds(68_100)
            }
        }
    }

    /// MODE, bits 2:0 (datasheet 8.6.2.1, mode settings).
    public enum Mode: UInt16, Sendable, CaseIterable {
        case powerDown = 0b000
        case shuntTriggered = 0b001
        case busTriggered = 0b010
        case shuntAndBusTriggered = 0b011
        case adcOff = 0b100
        case shuntContinuous = 0b101
        case busContinuous = 0b110
        /// Reset value.
        case shuntAndBusContinuous = 0b111

        var convertsShunt: Bool {
            [.shuntTriggered, .shuntAndBusTriggered, .shuntContinuous, .shuntAndBusContinuous].contains(self)
        }
        var convertsBus: Bool {
            [.busTriggered, .shuntAndBusTriggered, .busContinuous, .shuntAndBusContinuous].contains(self)
        }
        var isTriggered: Bool { [.shuntTriggered, .busTriggered, .shuntAndBusTriggered].contains(self) }
        var isContinuous: Bool { [.shuntContinuous, .busContinuous, .shuntAndBusContinuous].contains(self) }
    }

    /// The configuration register as a value.
    public struct Configuration: Sendable, Hashable {
        public var busVoltageRange: BusVoltageRange
        public var shuntVoltageRange: ShuntVoltageRange
        public var busADC: ADCSetting
        public var shuntADC: ADCSetting
        public var mode: Mode

        /// Defaults are the power-on values (0x399F).
        public init(
            busVoltageRange: BusVoltageRange = .volts32, shuntVoltageRange: ShuntVoltageRange = .millivolts320,
            busADC: ADCSetting = .bits12, shuntADC: ADCSetting = .bits12, mode: Mode = .shuntAndBusContinuous
        ) {
            self.busVoltageRange = busVoltageRange
            self.shuntVoltageRange = shuntVoltageRange
            self.busADC = busADC
            self.shuntADC = shuntADC
            self.mode = mode
        }

        /// Parses a register value (the RST bit is ignored).
        public init(rawValue: UInt16) {
            self.init(
                busVoltageRange: BusVoltageRange(rawValue: rawValue >> ConfigurationBits.busRangeShift & 1) ?? .volts32,
                shuntVoltageRange: ShuntVoltageRange(rawValue: rawValue >> ConfigurationBits.pgaShift & 0b11)
                    ?? .millivolts320,
                busADC: ADCSetting(field: rawValue >> ConfigurationBits.busADCShift),
                shuntADC: ADCSetting(field: rawValue >> ConfigurationBits.shuntADCShift),
                mode: Mode(rawValue: rawValue & ConfigurationBits.modeMask) ?? .shuntAndBusContinuous)
        }

        /// The register value (RST = 0; bit 14 is unused and 0).
        public var rawValue: UInt16 {
            busVoltageRange.rawValue << ConfigurationBits.busRangeShift
                | shuntVoltageRange.rawValue << ConfigurationBits.pgaShift
                | busADC.rawValue << ConfigurationBits.busADCShift | shuntADC.rawValue
                << ConfigurationBits.shuntADCShift
                | mode.rawValue
        }

        /// Time for one conversion cycle in this mode: shunt plus bus conversion as enabled.
        public var conversionTime: Duration {
            (mode.convertsShunt ? shuntADC.conversionTime : .zero) + (mode.convertsBus ? busADC.conversionTime : .zero)
        }
    }

    /// The calibration register and the scale it gives the current and power registers (datasheet 8.5.1,
    /// Equations 1–3).
    public struct Calibration: Sendable, Hashable {
        /// Shunt resistance in ohms.
        public var shuntOhms: Double
        /// The calibration register value (bit 0 clear, as the chip stores it).
        public var register: UInt16
        /// Amperes per count of the current register for `register` as programmed:
        /// `0.04096 / (Cal × R_SHUNT)`, which is the chosen Current_LSB when the division in Equation 1 is exact.
        public var currentLSBAmps: Double { INA219.calibrationScale / (Double(register) * shuntOhms) }
        /// Watts per count of the power register: 20 × Current_LSB (Equation 3).
        public var powerLSBWatts: Double { 20 * currentLSBAmps }

        /// From a chosen Current_LSB: `Cal = trunc(0.04096 / (Current_LSB × R_SHUNT))` (Equation 1). Nil when the
        /// result does not fit the register (0 or above 0xFFFE) or an argument is not positive.
        public init?(shuntOhms: Double, currentLSBAmps: Double) {
            guard shuntOhms > 0, currentLSBAmps > 0, shuntOhms.isFinite, currentLSBAmps.isFinite else { return nil }
            // The relative nudge keeps an exact quotient (e.g. 20480.0) from truncating to one less through
            // floating-point rounding.
            let exact = INA219.calibrationScale / (currentLSBAmps * shuntOhms) * (1 + 1e-12)
            guard exact >= 2, exact < 65536 else { return nil }
            self.shuntOhms = shuntOhms
            // Bit 0 is void (8.6.4.1): the chip keeps the even value.
            self.register = UInt16(exact.rounded(.towardZero)) & 0xFFFE
        }

        /// From the largest current expected: Current_LSB = Maximum Expected Current / 2^15 (Equation 2), then
        /// Equation 1.
        public init?(shuntOhms: Double, maxExpectedAmps: Double) {
            guard maxExpectedAmps > 0 else { return nil }
            self.init(shuntOhms: shuntOhms, currentLSBAmps: maxExpectedAmps / 32768)
        }
    }
}
