public import ConfigSupport
public import VibrationLogic
import Yams

/// The `device` section of vibrationd's configuration: where the accelerometer sits (`hardware`, local only) and the
/// analysis, alarm and capture settings (`VibrationSettings`).
///
/// ```yaml
/// device:
///   hardware: {i2c_bus: i2c-1, address: 0x1D, interrupt: accelDataReady, range_g: 2, watermark_samples: 16}
///   odr_hz: 1000
///   structure_class: line2
/// ```
public struct VibrationConfiguration: Sendable, Hashable {
    public struct Hardware: Sendable, Hashable {
        public var i2cBus = "i2c-1"
        public var address: UInt8 = 0x1D
        /// The board line INT1 is wired to (FIFO watermark and overrun, active high).
        public var interrupt = "accelDataReady"
        public var rangeG = 2
        /// FIFO watermark in samples (1…32): an interrupt every `watermark_samples / odr_hz` seconds.
        public var watermarkSamples = 16
        public init() {}
    }

    public var hardware = Hardware()
    public var settings = VibrationSettings()

    public init() {}

    /// The key this module reads beside `VibrationSettings`: `hardware` (local only).
    public static var localSection: ConfigSection<VibrationConfiguration> {
        ConfigSection(
            doc:
                "The `device` section of vibrationd's configuration. `hardware` is local only; the rest may also come "
                + "through remote configuration.",
            keys: [.section("hardware", \.hardware, Hardware.section)])
    }

}

extension VibrationConfiguration.Hardware {
    static var section: ConfigSection<Self> {
        ConfigSection(
            doc: "Where the ADXL355 sits. Local only.",
            keys: [
                .string("i2c_bus", \.i2cBus, doc: "Board I²C bus name."),
                .i2cAddress("address", \.address, doc: "ADXL355 address (0x1D with ASEL low, 0x53 high)."),
                .string(
                    "interrupt", \.interrupt,
                    doc: "Board GPIO line INT1 is wired to (FIFO watermark and overrun, active high)."),
                .integer(
                    "range_g", \.rangeG, 2...8, "g", as: .identity, allowed: [2, 4, 8], what: "2, 4 or 8 (g)",
                    doc: "Measurement range, ±g."),
                .integer(
                    "watermark_samples", \.watermarkSamples, 1...32,
                    doc: "FIFO watermark: an interrupt every watermark_samples / odr_hz seconds."),
            ])
    }
}
