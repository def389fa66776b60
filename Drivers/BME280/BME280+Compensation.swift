// Trimming parameters and the integer compensation formulas of the BME280 (BST-BME280-DS002 rev. 1.6, section 4.2.2
// "Trimming parameter readout" and section 4.2.3 "Compensation formulas", code revision 1.1).

extension BME280 {
    /// The factory trimming parameters dig_T1…dig_H6 (datasheet 4.2.2, Table 16).
    ///
    /// Temperature and pressure words are little-endian at 0x88…0x9F; dig_H1 at 0xA1; dig_H2…dig_H6 at 0xE1…0xE7,
    /// where dig_H4 and dig_H5 are 12-bit signed values sharing register 0xE5: dig_H4 = 0xE4[7:0]·16 + 0xE5[3:0],
    /// dig_H5 = 0xE6[7:0]·16 + 0xE5[7:4].
    public struct Calibration: Sendable, Hashable {
        public var digT1: UInt16
        public var digT2: Int16
        public var digT3: Int16
        public var digP1: UInt16
        public var digP2: Int16
        public var digP3: Int16
        public var digP4: Int16
        public var digP5: Int16
        public var digP6: Int16
        public var digP7: Int16
        public var digP8: Int16
        public var digP9: Int16
        public var digH1: UInt8
        public var digH2: Int16
        public var digH3: UInt8
        /// 12-bit signed (−2048…2047).
        public var digH4: Int16
        /// 12-bit signed (−2048…2047).
        public var digH5: Int16
        public var digH6: Int8

        public init(
            digT1: UInt16, digT2: Int16, digT3: Int16,
            digP1: UInt16, digP2: Int16, digP3: Int16, digP4: Int16, digP5: Int16, digP6: Int16, digP7: Int16,
            digP8: Int16, digP9: Int16,
            digH1: UInt8, digH2: Int16, digH3: UInt8, digH4: Int16, digH5: Int16, digH6: Int8
        ) {
            precondition((-2048...2047).contains(digH4) && (-2048...2047).contains(digH5), "dig_H4/H5 are 12-bit")
            self.digT1 = digT1
            self.digT2 = digT2
            self.digT3 = digT3
            self.digP1 = digP1
            self.digP2 = digP2
            self.digP3 = digP3
            self.digP4 = digP4
            self.digP5 = digP5
            self.digP6 = digP6
            self.digP7 = digP7
            self.digP8 = digP8
            self.digP9 = digP9
            self.digH1 = digH1
            self.digH2 = digH2
            self.digH3 = digH3
            self.digH4 = digH4
            self.digH5 = digH5
            self.digH6 = digH6
        }

        /// Decodes the two calibration blocks: 26 bytes from 0x88 (calib00…calib25) and 7 bytes from 0xE1
        /// (calib26…calib32).
        public init(block1 a: [UInt8], block2 b: [UInt8]) {
            precondition(a.count == BME280.calibrationBlock1Length && b.count == BME280.calibrationBlock2Length)
            func u16(_ i: Int) -> UInt16 { UInt16(a[i]) | UInt16(a[i + 1]) << 8 }
            func s16(_ i: Int) -> Int16 { Int16(bitPattern: u16(i)) }
            self.init(
                digT1: u16(0), digT2: s16(2), digT3: s16(4),
                digP1: u16(6), digP2: s16(8), digP3: s16(10), digP4: s16(12), digP5: s16(14), digP6: s16(16),
                digP7: s16(18), digP8: s16(20), digP9: s16(22),
                digH1: a[25],
                digH2: Int16(bitPattern: UInt16(b[0]) | UInt16(b[1]) << 8),
                digH3: b[2],
                // The MSB register carries the sign: sign-extend it, then append the 4-bit nibble.
                digH4: Int16(Int8(bitPattern: b[3])) * 16 | Int16(b[4] & 0x0F),
                digH5: Int16(Int8(bitPattern: b[5])) * 16 | Int16(b[4] >> 4),
                digH6: Int8(bitPattern: b[6]))
        }

        /// The register contents this calibration is stored as: 26 bytes for 0x88…0xA1 (0xA0 reserved, 0x00)
        /// and 7 bytes for 0xE1…0xE7. The inverse of `init(block1:block2:)`.
        public var registerBlocks: (block1: [UInt8], block2: [UInt8]) {
            func le(_ value: UInt16) -> [UInt8] { [UInt8(value & 0xFF), UInt8(value >> 8)] }
            func le(_ value: Int16) -> [UInt8] { le(UInt16(bitPattern: value)) }
            var a: [UInt8] = le(digT1) + le(digT2) + le(digT3) + le(digP1)
            for word in [digP2, digP3, digP4, digP5, digP6, digP7, digP8, digP9] { a += le(word) }
            a += [0x00, digH1]
            let h4 = UInt16(bitPattern: digH4) & 0x0FFF
            let h5 = UInt16(bitPattern: digH5) & 0x0FFF
            let b: [UInt8] =
                le(digH2) + [
                    digH3, UInt8(h4 >> 4), UInt8(h4 & 0x0F) | UInt8(h5 & 0x0F) << 4, UInt8(h5 >> 4),
                    UInt8(bitPattern: digH6),
                ]
            return (a, b)
        }

        /// `t_fine` from a raw temperature: the fine temperature carried into the pressure and humidity formulas.
        /// `BME280_compensate_T_int32`, datasheet 4.2.3 (32-bit arithmetic, wrapping like the C reference).
        public func fineTemperature(adcT: Int32) -> Int32 {
            let t1 = Int32(digT1)
            let t2 = Int32(digT2)
            let t3 = Int32(digT3)
            let var1 = (((adcT >> 3) &- (t1 << 1)) &* t2) >> 11
            let delta = (adcT >> 4) &- t1
            let var2 = (((delta &* delta) >> 12) &* t3) >> 14
            return var1 &+ var2
        }

        /// Temperature in 0.01 °C ("5123" equals 51.23 °C): `T = (t_fine * 5 + 128) >> 8` (datasheet 4.2.3).
        public func temperatureCentidegrees(fineTemperature tFine: Int32) -> Int32 {
            (tFine &* 5 &+ 128) >> 8
        }

        /// Pressure in Pa as Q24.8 ("24674867" equals 96386.2 Pa): `BME280_compensate_P_int64`, datasheet 4.2.3.
        /// `nil` where the reference returns 0 to avoid a division by zero (dig_P1 = 0: broken calibration).
        public func pressure256thsPascal(adcP: Int32, fineTemperature tFine: Int32) -> UInt32? {
            var var1 = Int64(tFine) - 128_000
            var var2 = var1 &* var1 &* Int64(digP6)
            var2 = var2 &+ ((var1 &* Int64(digP5)) << 17)
            var2 = var2 &+ (Int64(digP4) << 35)
            var1 = ((var1 &* var1 &* Int64(digP3)) >> 8) &+ ((var1 &* Int64(digP2)) << 12)
            var1 = (((Int64(1) << 47) &+ var1) &* Int64(digP1)) >> 33
            guard var1 != 0 else { return nil }
            var p = 1_048_576 - Int64(adcP)
            // C's `/` truncates toward zero, as Swift's does.
            p = (((p << 31) &- var2) &* 3125) / var1
            var1 = (Int64(digP9) &* (p >> 13) &* (p >> 13)) >> 25
            var2 = (Int64(digP8) &* p) >> 19
            p = ((p &+ var1 &+ var2) >> 8) &+ (Int64(digP7) << 4)
            return UInt32(truncatingIfNeeded: p)
        }

        /// Relative humidity in %RH as Q22.10 ("47445" equals 46.333 %RH): `bme280_compensate_H_int32`, datasheet
        /// 4.2.3, clamped by the reference to 0…100 %RH.
        public func humidity1024thsPercent(adcH: Int32, fineTemperature tFine: Int32) -> UInt32 {
            let h1 = Int32(digH1)
            let h2 = Int32(digH2)
            let h3 = Int32(digH3)
            let h4 = Int32(digH4)
            let h5 = Int32(digH5)
            let h6 = Int32(digH6)
            var v = tFine &- 76_800
            let left = ((adcH << 14) &- (h4 << 20) &- (h5 &* v) &+ 16_384) >> 15
            let right =
                ((((((v &* h6) >> 10) &* (((v &* h3) >> 11) &+ 32_768)) >> 10) &+ 2_097_152) &* h2 &+ 8_192) >> 14
            v = left &* right
            v = v &- (((((v >> 15) &* (v >> 15)) >> 7) &* h1) >> 4)
            v = min(max(v, 0), 419_430_400)
            return UInt32(v >> 12)
        }
    }
}
