public import HAL

/// Driver for the Bosch BME280 humidity, pressure and temperature sensor over I²C, written against `I2CDevice` only.
///
/// Creating the driver checks the chip ID (0xD0 must read 0x60), waits for the NVM copy to finish (`im_update`),
/// reads the trimming parameters and writes the configuration. `measure()` then triggers a forced-mode conversion
/// (or, in normal mode, reads the latest one), waits for the `measuring` bit to clear, burst-reads 0xF7…0xFE and
/// applies the datasheet's integer compensation (BST-BME280-DS002 rev. 1.6, 4.2.3).
public struct BME280: Sendable {
    /// How the chip is set up: oversampling per channel, IIR filter, and how measurements are started.
    public struct Configuration: Sendable, Hashable {
        /// `osrs_t`; must not be skipped, since pressure and humidity compensation need `t_fine`.
        public var temperatureOversampling: Oversampling
        /// `osrs_p`; `.skipped` leaves pressure out of the measurement.
        public var pressureOversampling: Oversampling
        /// `osrs_h`; `.skipped` leaves humidity out of the measurement.
        public var humidityOversampling: Oversampling
        /// IIR filter on temperature and pressure.
        public var filter: Filter
        /// Inactive time between conversions in normal mode.
        public var standby: Standby
        /// `.sleep` or `.forced`: the chip sleeps and `measure()` forces one conversion each time (datasheet 3.3.2,
        /// recommended for low sampling rates). `.normal`: the chip converts continuously and `measure()` reads the
        /// latest result.
        public var mode: Mode

        /// The datasheet's "weather monitoring" setting (3.5.1): ×1 everywhere, filter off, forced mode.
        public init(
            temperatureOversampling: Oversampling = .x1, pressureOversampling: Oversampling = .x1,
            humidityOversampling: Oversampling = .x1, filter: Filter = .off, standby: Standby = .ms1000,
            mode: Mode = .forced
        ) {
            self.temperatureOversampling = temperatureOversampling
            self.pressureOversampling = pressureOversampling
            self.humidityOversampling = humidityOversampling
            self.filter = filter
            self.standby = standby
            self.mode = mode
        }

        /// `ctrl_hum` (0xF2): osrs_h[2:0].
        public var ctrlHum: UInt8 { humidityOversampling.rawValue }
        /// `ctrl_meas` (0xF4) with the given mode bits: osrs_t[7:5], osrs_p[4:2], mode[1:0].
        public func ctrlMeas(mode: Mode) -> UInt8 {
            temperatureOversampling.rawValue << 5 | pressureOversampling.rawValue << 2 | mode.rawValue
        }
        /// `config` (0xF5): t_sb[7:5], filter[4:2], spi3w_en[0] = 0.
        public var config: UInt8 { standby.rawValue << 5 | filter.rawValue << 2 }

        /// Typical time of one conversion with these settings (datasheet 9.1).
        public var typicalMeasurementTime: Duration {
            BME280.typicalMeasurementTime(
                temperature: temperatureOversampling, pressure: pressureOversampling, humidity: humidityOversampling)
        }
        /// Maximum time of one conversion with these settings (datasheet 9.1).
        public var maximumMeasurementTime: Duration {
            BME280.maximumMeasurementTime(
                temperature: temperatureOversampling, pressure: pressureOversampling, humidity: humidityOversampling)
        }
    }

    /// One compensated measurement.
    public struct Measurement: Sendable, Hashable {
        /// Temperature, resolution 0.01 °C (`BME280_compensate_T_int32`).
        public var temperatureCelsius: Double
        /// Pressure, resolution 1/256 Pa (`BME280_compensate_P_int64`); `nil` when pressure is skipped.
        public var pressurePascals: Double?
        /// Relative humidity, resolution 1/1024 %RH (`bme280_compensate_H_int32`); `nil` when humidity is skipped.
        public var humidityPercent: Double?

        public init(temperatureCelsius: Double, pressurePascals: Double?, humidityPercent: Double?) {
            self.temperatureCelsius = temperatureCelsius
            self.pressurePascals = pressurePascals
            self.humidityPercent = humidityPercent
        }

        /// Pressure in hPa (= mbar).
        public var pressureHectopascals: Double? { pressurePascals.map { $0 / 100 } }
    }

    /// Raw ADC outputs from one burst read of 0xF7…0xFE (20-bit pressure and temperature, 16-bit humidity).
    public struct RawSample: Sendable, Hashable {
        public var adcT: Int32
        public var adcP: Int32
        public var adcH: Int32

        public init(adcT: Int32, adcP: Int32, adcH: Int32) {
            self.adcT = adcT
            self.adcP = adcP
            self.adcH = adcH
        }

        /// Decodes press_msb…hum_lsb: `msb << 12 | lsb << 4 | xlsb >> 4` for P and T, `msb << 8 | lsb` for H.
        public init(burst b: [UInt8]) {
            precondition(b.count == BME280.dataBurstLength)
            adcP = Int32(b[0]) << 12 | Int32(b[1]) << 4 | Int32(b[2] >> 4)
            adcT = Int32(b[3]) << 12 | Int32(b[4]) << 4 | Int32(b[5] >> 4)
            adcH = Int32(b[6]) << 8 | Int32(b[7])
        }
    }

    /// Operating range the compensated values must fall in (datasheet 1, Table 1/2: −40…85 °C, 300…1100 hPa);
    /// anything outside is a broken chip or a corrupted transfer, not weather.
    public static let temperatureRangeCelsius: ClosedRange<Double> = -40...85
    /// See `temperatureRangeCelsius`.
    public static let pressureRangePascals: ClosedRange<Double> = 30_000...110_000

    /// The chip on its bus (0x76 or 0x77).
    public let device: any I2CDevice
    /// The trimming parameters read at creation.
    public let calibration: Calibration
    /// The settings last written by `configure(_:)` (or at creation).
    public private(set) var configuration: Configuration
    /// Pause between reads of the status register while waiting for a conversion or the NVM copy.
    public var pollInterval: Duration
    /// How long `measure()` waits for `measuring` to clear, and creation/reset for `im_update`, before giving up.
    public var timeout: Duration

    /// Reads the chip ID (0xD0, datasheet 5.4.1) and checks it is 0x60; touches nothing else, so a commissioning
    /// check can call it on a chip a daemon uses.
    public static func checkIdentity(_ device: any I2CDevice) async throws(I2CError) {
        let found = try await device.writeRead([Register.id], readCount: 1)[0]
        guard found == chipID else {
            throw I2CError(
                .invalidResponse, bus: device.bus, address: device.address, operation: "read \(hex(Register.id))",
                detail: "chip ID \(hex(found)), expected \(hex(chipID))"
                    + (found == 0x58 ? " (a BMP280, which has no humidity sensor)" : ""))
        }
    }

    /// Checks the chip ID, waits for the NVM copy, reads the calibration and writes `configuration`.
    ///
    /// Wire sequence: read 0xD0 (1 byte) → read 0xF3 until `im_update` is 0 → read 0x88 (26 bytes) → read 0xE1
    /// (7 bytes) → the writes of `configure(_:)`.
    public init(
        device: any I2CDevice, configuration: Configuration = Configuration(),
        pollInterval: Duration = .milliseconds(1), timeout: Duration = .milliseconds(500)
    ) async throws(I2CError) {
        try await Self.checkIdentity(device)
        try await Self.waitForStatusClear(
            Self.statusImUpdate, device: device, pollInterval: pollInterval, timeout: timeout, what: "NVM copy")
        let block1 = try await device.writeRead([Register.calib00], readCount: Self.calibrationBlock1Length)
        let block2 = try await device.writeRead([Register.calib26], readCount: Self.calibrationBlock2Length)
        // Erased or unreadable NVM (all 0x00 / all 0xFF) or a zero dig_T1/dig_P1 cannot give a sane reading.
        let calibration = Calibration(block1: block1, block2: block2)
        if Set(block1).count == 1 || calibration.digT1 == 0 || calibration.digP1 == 0 {
            throw I2CError(
                .invalidResponse, bus: device.bus, address: device.address,
                operation: "read \(hex(Register.calib00)) \(Self.calibrationBlock1Length) bytes",
                detail: "calibration is not plausible (dig_T1 \(calibration.digT1), dig_P1 \(calibration.digP1))")
        }
        self.device = device
        self.calibration = calibration
        self.configuration = configuration
        self.pollInterval = pollInterval
        self.timeout = timeout
        try await configure(configuration)
    }

    /// Writes the configuration (datasheet 5.4): first ctrl_meas with mode sleep (config writes may be ignored in
    /// normal mode), then ctrl_hum (effective only after the ctrl_meas write that follows), then config, then
    /// ctrl_meas with the oversampling and, for `.normal`, the normal-mode bits. One register per write message.
    public mutating func configure(_ configuration: Configuration) async throws(I2CError) {
        guard configuration.temperatureOversampling != .skipped else {
            throw I2CError(
                .invalidArgument, bus: device.bus, address: device.address, operation: "configure",
                detail: "temperature oversampling must not be skipped: pressure and humidity need t_fine")
        }
        try await device.write([Register.ctrlMeas, configuration.ctrlMeas(mode: .sleep)])
        try await device.write([Register.ctrlHum, configuration.ctrlHum])
        try await device.write([Register.config, configuration.config])
        let mode: Mode = configuration.mode == .normal ? .normal : .sleep
        try await device.write([Register.ctrlMeas, configuration.ctrlMeas(mode: mode)])
        self.configuration = configuration
    }

    /// Soft reset (write 0xB6 to 0xE0, datasheet 5.4.2), wait the start-up time and the NVM copy, then write the
    /// current configuration again, since the reset cleared it.
    public func reset() async throws(I2CError) {
        try await device.write([Register.reset, Self.softResetCommand])
        try? await Task.sleep(for: Self.startupTime)
        try await Self.waitForStatusClear(
            Self.statusImUpdate, device: device, pollInterval: pollInterval, timeout: timeout, what: "NVM copy")
        var copy = self
        try await copy.configure(configuration)
    }

    /// Takes one measurement: in forced/sleep configuration writes ctrl_meas with mode forced, sleeps the typical
    /// conversion time, then polls `measuring` (0xF3 bit 3) until it clears; in normal mode reads the latest
    /// conversion. Then burst-reads 0xF7…0xFE and compensates.
    public func measure() async throws(I2CError) -> Measurement {
        if configuration.mode != .normal {
            try await device.write([Register.ctrlMeas, configuration.ctrlMeas(mode: .forced)])
            // Polling right after the trigger can see `measuring` still 0; the typical time is the earliest finish.
            try? await Task.sleep(for: configuration.typicalMeasurementTime)
            try await Self.waitForStatusClear(
                Self.statusMeasuring, device: device, pollInterval: pollInterval, timeout: timeout,
                what: "conversion")
        }
        return try compensate(try await readRaw())
    }

    /// Burst-reads the data registers 0xF7…0xFE in one transfer (datasheet 4: shadowing keeps them consistent).
    public func readRaw() async throws(I2CError) -> RawSample {
        RawSample(burst: try await device.writeRead([Register.pressMSB], readCount: Self.dataBurstLength))
    }

    /// Applies the compensation formulas to a raw sample, refusing values the chip cannot have produced for this
    /// configuration: an output still at its reset/skip value (0x80000, 0x8000) or a result outside the operating
    /// range.
    public func compensate(_ raw: RawSample) throws(I2CError) -> Measurement {
        func invalid(_ detail: String) -> I2CError {
            I2CError(
                .invalidResponse, bus: device.bus, address: device.address,
                operation: "read \(hex(Register.pressMSB)) \(Self.dataBurstLength) bytes", detail: detail)
        }
        guard raw.adcT != Self.skippedADC20 else {
            throw invalid("temperature is 0x80000: no conversion since reset, or skipped")
        }
        let tFine = calibration.fineTemperature(adcT: raw.adcT)
        let temperature = Double(calibration.temperatureCentidegrees(fineTemperature: tFine)) / 100
        guard Self.temperatureRangeCelsius.contains(temperature) else {
            throw invalid("temperature \(temperature) °C outside −40…85 °C (adc_T \(raw.adcT))")
        }
        var pressure: Double?
        if configuration.pressureOversampling != .skipped {
            guard raw.adcP != Self.skippedADC20 else { throw invalid("pressure is 0x80000 although enabled") }
            guard let q = calibration.pressure256thsPascal(adcP: raw.adcP, fineTemperature: tFine) else {
                throw invalid("pressure compensation divides by zero (dig_P1 \(calibration.digP1))")
            }
            let pascals = Double(q) / 256
            guard Self.pressureRangePascals.contains(pascals) else {
                throw invalid("pressure \(pascals) Pa outside 300…1100 hPa (adc_P \(raw.adcP))")
            }
            pressure = pascals
        }
        var humidity: Double?
        if configuration.humidityOversampling != .skipped {
            guard raw.adcH != Self.skippedADC16 else { throw invalid("humidity is 0x8000 although enabled") }
            humidity = Double(calibration.humidity1024thsPercent(adcH: raw.adcH, fineTemperature: tFine)) / 1024
        }
        return Measurement(temperatureCelsius: temperature, pressurePascals: pressure, humidityPercent: humidity)
    }

    /// Polls the status register until `bit` reads 0, for at most `timeout`.
    static func waitForStatusClear(
        _ bit: UInt8, device: any I2CDevice, pollInterval: Duration, timeout: Duration, what: String
    ) async throws(I2CError) {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while true {
            let status = try await device.writeRead([Register.status], readCount: 1)[0]
            if status & bit == 0 { return }
            guard clock.now < deadline else {
                throw I2CError(
                    .busError, bus: device.bus, address: device.address, operation: "read \(hex(Register.status))",
                    detail: "\(what) not finished after \(timeout) (status \(hex(status)))")
            }
            // Sleep failing means the task was cancelled; the deadline still ends the loop.
            try? await Task.sleep(for: pollInterval)
        }
    }
}
