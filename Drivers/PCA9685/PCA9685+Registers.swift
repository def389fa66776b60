public import HAL

// Register map of the PCA9685 (NXP product data sheet, Rev. 4, 16 April 2015: 7.3 "Register definitions",
// the register summary and the MODE1, MODE2 and LED_ON/LED_OFF register tables). Registers are 8 bits; with MODE1.AI set the control register increments
// after each byte, so one transfer can write a whole channel (4 bytes).

extension PCA9685 {
    /// Address with A5–A0 low (datasheet 7.1 "Device addresses": `1 A5 A4 A3 A2 A1 A0`).
    public static let defaultAddress: I2CAddress = 0x40
    /// The LED All Call address at power-on (ALLCALLADR reset value E0h, i.e. 0x70 as a 7-bit address).
    public static let allCallAddress: I2CAddress = 0x70
    /// Every address the A5–A0 pins can select: 0x40…0x7F.
    public static let addresses: ClosedRange<UInt8> = 0x40...0x7F
    /// Sixteen PWM channels, LED0…LED15.
    public static let channelCount = 16
    /// 12-bit counter: 4096 steps per period.
    public static let stepsPerPeriod = 4096
    /// The internal oscillator (datasheet 7.3.5: 25 MHz).
    public static let internalOscillatorHertz = 25_000_000.0
    /// The oscillator needs at most 500 µs to come up after SLEEP is cleared (datasheet 7.3.1, MODE1 SLEEP bit).
    public static let oscillatorStartup: Duration = .microseconds(500)

    /// The address selected by the A5–A0 pins (a 6-bit number).
    public static func address(pins: UInt8) -> I2CAddress {
        I2CAddress(rawValue: 0x40 | pins & 0x3F) ?? defaultAddress
    }

    /// Control register values (datasheet register summary).
    public enum Register {
        /// MODE1 (00h): RESTART, EXTCLK, AI, SLEEP, SUB1–3, ALLCALL.
        public static let mode1: UInt8 = 0x00
        /// MODE2 (01h): INVRT, OCH, OUTDRV, OUTNE.
        public static let mode2: UInt8 = 0x01
        /// SUBADR1–3 (02h–04h) and ALLCALLADR (05h).
        public static let subAddress1: UInt8 = 0x02
        public static let allCallAddress: UInt8 = 0x05
        /// LED0_ON_L (06h); channel n starts at 06h + 4n: ON_L, ON_H, OFF_L, OFF_H.
        public static let led0OnL: UInt8 = 0x06
        /// LED15_OFF_H (45h), the last channel register; auto-increment wraps from here to MODE1.
        public static let led15OffH: UInt8 = 0x45
        /// ALL_LED_ON_L (FAh) … ALL_LED_OFF_H (FDh): write all channels at once; read as zero.
        public static let allLEDOnL: UInt8 = 0xFA
        public static let allLEDOffH: UInt8 = 0xFD
        /// PRE_SCALE (FEh): writable only while MODE1.SLEEP is 1.
        public static let preScale: UInt8 = 0xFE
        /// TestMode (FFh): reserved.
        public static let testMode: UInt8 = 0xFF

        /// LEDn_ON_L for a channel.
        public static func ledOnL(channel: Int) -> UInt8 { led0OnL + UInt8(4 * channel) }
    }

    /// MODE1 bits (datasheet 7.3.1).
    public enum Mode1 {
        public static let restart: UInt8 = 1 << 7
        public static let extclk: UInt8 = 1 << 6
        /// AI: register auto-increment.
        public static let autoIncrement: UInt8 = 1 << 5
        /// SLEEP: low-power mode, oscillator off.
        public static let sleep: UInt8 = 1 << 4
        public static let sub1: UInt8 = 1 << 3
        public static let sub2: UInt8 = 1 << 2
        public static let sub3: UInt8 = 1 << 1
        public static let allCall: UInt8 = 1 << 0
        /// Power-on value: SLEEP and ALLCALL (11h).
        public static let resetValue: UInt8 = 0x11
    }

    /// MODE2 bits (datasheet 7.3.2).
    public enum Mode2 {
        /// INVRT: output logic inverted.
        public static let invert: UInt8 = 1 << 4
        /// OCH: outputs change on ACK instead of STOP.
        public static let outputChangeOnAck: UInt8 = 1 << 3
        /// OUTDRV: totem-pole outputs (0 = open-drain).
        public static let totemPole: UInt8 = 1 << 2
        /// OUTNE, bits 1:0: output state while OE is high.
        public static let outputNotEnabledMask: UInt8 = 0b11
        /// Bits 7:5 are reserved and read 0.
        public static let reservedMask: UInt8 = 0b1110_0000
        /// Power-on value: totem pole (04h).
        public static let resetValue: UInt8 = 0x04
    }

    /// The MODE2 output settings (datasheet 7.3.2).
    public struct OutputConfiguration: Sendable, Hashable {
        /// OUTNE: what the outputs do while the OE pin is high.
        public enum DisabledState: UInt8, Sendable, CaseIterable {
            /// 00: LEDn = 0.
            case low = 0b00
            /// 01: LEDn = 1 with totem-pole outputs, high-impedance with open-drain.
            case highOrHighImpedance = 0b01
            /// 1x: high-impedance.
            case highImpedance = 0b10
        }

        /// INVRT: output logic inverted (for external drivers without inversion).
        public var inverted: Bool
        /// OCH: outputs change on ACK rather than on STOP.
        public var changeOnAcknowledge: Bool
        /// OUTDRV: totem-pole (true, power-on value) or open-drain outputs.
        public var totemPole: Bool
        public var disabledState: DisabledState

        public init(
            inverted: Bool = false, changeOnAcknowledge: Bool = false, totemPole: Bool = true,
            disabledState: DisabledState = .low
        ) {
            self.inverted = inverted
            self.changeOnAcknowledge = changeOnAcknowledge
            self.totemPole = totemPole
            self.disabledState = disabledState
        }

        /// The MODE2 register value.
        public var rawValue: UInt8 {
            (inverted ? Mode2.invert : 0) | (changeOnAcknowledge ? Mode2.outputChangeOnAck : 0)
                | (totemPole ? Mode2.totemPole : 0) | disabledState.rawValue
        }
    }

    /// Bit 4 of LEDn_ON_H (full on) and of LEDn_OFF_H (full off) (datasheet 7.3.3).
    public static let fullBit: UInt8 = 1 << 4
    /// The PRE_SCALE range: the chip forces at least 3 (1526 Hz); 255 gives 24 Hz (datasheet 7.3.5).
    public static let preScaleRange: ClosedRange<UInt8> = 3...255
    /// PRE_SCALE after power-on: 1Eh, 200 Hz.
    public static let preScaleResetValue: UInt8 = 0x1E

    /// Datasheet 7.3.5, Equation 1: `prescale value = round(osc_clock / (4096 × update_rate)) − 1`, or nil outside
    /// 3…255.
    public static func preScale(forHertz hertz: Double, oscillatorHertz: Double = internalOscillatorHertz) -> UInt8? {
        guard hertz > 0, hertz.isFinite else { return nil }
        let value = (oscillatorHertz / (Double(stepsPerPeriod) * hertz)).rounded() - 1
        guard value >= Double(preScaleRange.lowerBound), value <= Double(preScaleRange.upperBound) else { return nil }
        return UInt8(value)
    }

    /// The output frequency a PRE_SCALE value gives: `osc_clock / (4096 × (prescale + 1))`.
    public static func frequencyHertz(preScale: UInt8, oscillatorHertz: Double = internalOscillatorHertz) -> Double {
        oscillatorHertz / (Double(stepsPerPeriod) * (Double(preScale) + 1))
    }

    /// The four channel registers as the output stage reads them.
    public struct ChannelRegisters: Sendable, Hashable {
        /// LEDn_ON_H:LEDn_ON_L, including the full-on bit (bit 12 of this value).
        public var on: UInt16
        /// LEDn_OFF_H:LEDn_OFF_L, including the full-off bit (bit 12 of this value).
        public var off: UInt16

        public init(on: UInt16, off: UInt16) {
            self.on = on
            self.off = off
        }

        /// From the four bytes ON_L, ON_H, OFF_L, OFF_H.
        public init(bytes: [UInt8]) {
            precondition(bytes.count == 4, "a channel has four registers")
            self.init(on: UInt16(bytes[1]) << 8 | UInt16(bytes[0]), off: UInt16(bytes[3]) << 8 | UInt16(bytes[2]))
        }

        /// ON_L, ON_H, OFF_L, OFF_H, as written with auto-increment.
        public var bytes: [UInt8] {
            [UInt8(truncatingIfNeeded: on), UInt8(on >> 8), UInt8(truncatingIfNeeded: off), UInt8(off >> 8)]
        }

        static let fullFlag: UInt16 = 1 << 12
        static let countMask: UInt16 = 0x0FFF

        /// Fully off (LEDn_OFF_H bit 4), the power-on state.
        public static let fullOff = ChannelRegisters(on: 0, off: fullFlag)
        /// Fully on (LEDn_ON_H bit 4).
        public static let fullOn = ChannelRegisters(on: fullFlag, off: 0)

        /// The fraction of the period the output is on (before INVRT), as the output stage produces it
        /// (datasheet 7.3.3): full off wins over full on; otherwise the output turns on at count ON and off at count
        /// OFF, wrapping at 4096; equal counts give no on time.
        public var dutyCycle: Double {
            if off & Self.fullFlag != 0 { return 0 }
            if on & Self.fullFlag != 0 { return 1 }
            let onCount = Int(on & Self.countMask)
            let offCount = Int(off & Self.countMask)
            let high = (offCount - onCount + PCA9685.stepsPerPeriod) % PCA9685.stepsPerPeriod
            return Double(high) / Double(PCA9685.stepsPerPeriod)
        }

        /// The registers for a duty cycle and a delay (both fractions of the period), as in datasheet 7.3.3: the
        /// output turns on after `round(delay × 4096)` counts (minus one, since the counter starts at 0) and stays on
        /// for `round(duty × 4096)` counts. 0 and 1 use the full-off and full-on bits.
        public init(dutyCycle: Double, delay: Double = 0) {
            precondition((0...1).contains(dutyCycle) && (0..<1).contains(delay), "duty 0…1, delay 0..<1")
            if dutyCycle == 0 {
                self = .fullOff
                return
            }
            if dutyCycle == 1 {
                self = .fullOn
                return
            }
            let steps = PCA9685.stepsPerPeriod
            let onTime = min(max(Int((dutyCycle * Double(steps)).rounded()), 1), steps - 1)
            let delaySteps = Int((delay * Double(steps)).rounded()) % steps
            let onCount = delaySteps == 0 ? 0 : delaySteps - 1
            self.init(on: UInt16(onCount), off: UInt16((onCount + onTime) % steps))
        }
    }
}
