public import HAL

/// Driver for the ADS1115 16-bit, 4-input delta-sigma ADC, written against `I2CDevice` only.
///
/// Registers are big-endian on the wire, so the driver uses the SMBus word calls (little-endian) with the bytes
/// swapped — the same transfers on the wire, and they work on SMBus-only adapters and i2c-stub. The chip has no ID
/// register: the driver reads the Config
/// register back while waiting for a conversion and rejects a chip whose MUX/PGA/MODE/DR bits do not match what it
/// wrote (`.invalidResponse`), which catches a different chip at the address or a bus that reads all ones.
public struct ADS1115: Sendable {
    /// The chip on its bus.
    public let device: any I2CDevice
    /// Pause between Config reads while a single-shot conversion runs.
    public var pollInterval: Duration
    /// Added to 1/DR × 1.1 (the oscillator is within ±10 %) to bound the wait for a conversion.
    public var timeoutMargin: Duration

    /// - Parameters:
    ///   - device: the chip at 0x48…0x4B (`ADS1115.address(_:)`).
    ///   - pollInterval: the pause between OS-bit polls.
    ///   - timeoutMargin: slack on top of the longest conversion time before giving up.
    public init(
        device: any I2CDevice, pollInterval: Duration = .microseconds(200), timeoutMargin: Duration = .milliseconds(5)
    ) {
        self.device = device
        self.pollInterval = pollInterval
        self.timeoutMargin = timeoutMargin
    }

    // MARK: Registers

    /// Reads one 16-bit register, MSB first (datasheet 9.5.3, Figure 31).
    public func readRegister(_ register: Register) async throws(I2CError) -> UInt16 {
        try await device.readWord(register: register.rawValue).byteSwapped
    }

    /// Writes one 16-bit register, MSB first (datasheet 9.5.3, Figure 30). The Conversion register is read-only.
    public func writeRegister(_ register: Register, _ value: UInt16) async throws(I2CError) {
        precondition(register != .conversion, "the Conversion register is read-only")
        try await device.writeWord(register: register.rawValue, value: value.byteSwapped)
    }

    /// The Config register as fields.
    public func readConfig() async throws(I2CError) -> Config {
        Config(rawValue: try await readRegister(.config))
    }

    /// The Conversion register as a signed code.
    public func readConversionCode() async throws(I2CError) -> Int16 {
        Int16(bitPattern: try await readRegister(.conversion))
    }

    /// A code in volts: code × FSR / 2^15 (datasheet 9.5.4 "Data Format").
    public static func volts(code: Int16, gain: Gain) -> Double {
        Double(code) * gain.lsbVolts
    }

    // MARK: Single-shot

    /// Runs one single-shot conversion and returns the result in volts (datasheet 9.4.2.1 "Single-Shot Mode").
    ///
    /// Writes Config with OS = 1 and MODE = 1, waits the nominal conversion time, polls OS until it reads 1 (idle)
    /// for at most 1/DR × 1.1 + `timeoutMargin`, then reads the Conversion register.
    public func measureVolts(
        _ input: Input, gain: Gain = .fsr2048mV, dataRate: DataRate = .sps128, comparator: Comparator = .disabled
    ) async throws(I2CError) -> Double {
        Self.volts(
            code: try await measureCode(input, gain: gain, dataRate: dataRate, comparator: comparator), gain: gain)
    }

    /// Like `measureVolts` but returns the raw two's-complement code.
    public func measureCode(
        _ input: Input, gain: Gain = .fsr2048mV, dataRate: DataRate = .sps128, comparator: Comparator = .disabled
    ) async throws(I2CError) -> Int16 {
        let config = Config(input: input, gain: gain, continuous: false, dataRate: dataRate, comparator: comparator)
        try await writeRegister(.config, config.rawValue(os: true))
        try await waitForConversion(config)
        return try await readConversionCode()
    }

    /// The longest a conversion at `dataRate` may take: 1/DR with the oscillator 10 % slow, plus `timeoutMargin`.
    public func conversionTimeout(_ dataRate: DataRate) -> Duration {
        dataRate.conversionTime * 1.1 + timeoutMargin
    }

    private func waitForConversion(_ written: Config) async throws(I2CError) {
        let clock = ContinuousClock()
        let deadline = clock.now + conversionTimeout(written.dataRate)
        // Most of the conversion time passes before the first poll; no point asking the bus earlier.
        try? await Task.sleep(for: written.dataRate.conversionTime * 0.9)
        while true {
            let raw = try await readRegister(.config)
            guard Config(rawValue: raw) == written else {
                throw I2CError(
                    .invalidResponse, bus: device.bus, address: device.address, operation: "read config",
                    detail: "Config reads \(hex16(raw)) after writing \(hex16(written.rawValue(os: true)))")
            }
            if raw & ConfigBits.operationalStatus != 0 { return }
            guard clock.now < deadline else {
                throw I2CError(
                    .invalidResponse, bus: device.bus, address: device.address, operation: "read config",
                    detail: "conversion not finished after \(conversionTimeout(written.dataRate)) (OS = 0)")
            }
            // Sleep failing means the task was cancelled; the deadline still ends the loop.
            try? await Task.sleep(for: pollInterval)
        }
    }

    // MARK: Continuous

    /// Starts continuous conversion (datasheet 9.4.2.2): MODE = 0; the Conversion register then holds the latest
    /// result, refreshed every 1/DR. Read it with `readContinuousVolts(gain:)`.
    public func startContinuous(
        _ input: Input, gain: Gain = .fsr2048mV, dataRate: DataRate = .sps128, comparator: Comparator = .disabled
    ) async throws(I2CError) {
        let config = Config(input: input, gain: gain, continuous: true, dataRate: dataRate, comparator: comparator)
        try await writeRegister(.config, config.rawValue(os: true))
        let readBack = try await readRegister(.config)
        guard Config(rawValue: readBack) == config else {
            throw I2CError(
                .invalidResponse, bus: device.bus, address: device.address, operation: "read config",
                detail: "Config reads \(hex16(readBack)) after writing \(hex16(config.rawValue(os: true)))")
        }
    }

    /// The latest continuous-mode result in volts; `gain` must be the one `startContinuous` used.
    public func readContinuousVolts(gain: Gain) async throws(I2CError) -> Double {
        Self.volts(code: try await readConversionCode(), gain: gain)
    }

    /// Ends continuous conversion: MODE = 1 (power-down) with the other settings kept and OS = 0, so no new
    /// conversion starts.
    public func stopContinuous() async throws(I2CError) {
        var config = try await readConfig()
        config.continuous = false
        try await writeRegister(.config, config.rawValue(os: false))
    }

    // MARK: ALERT/RDY

    /// Makes ALERT/RDY a conversion-ready pin (datasheet 9.3.8): Hi_thresh MSB = 1, Lo_thresh MSB = 0. Pass
    /// `Comparator.conversionReady()` to the conversion calls so COMP_QUE is not 11.
    public func enableConversionReadyPin() async throws(I2CError) {
        try await writeRegister(.hiThresh, Self.conversionReadyHiThresh)
        try await writeRegister(.loThresh, Self.conversionReadyLoThresh)
    }

    /// Sets comparator thresholds in volts for `gain` (datasheet 9.3.7); high must be above low.
    public func setThresholds(lowVolts: Double, highVolts: Double, gain: Gain) async throws(I2CError) {
        guard lowVolts < highVolts else {
            throw I2CError(
                .invalidArgument, bus: device.bus, address: device.address, operation: "write thresholds",
                detail: "low \(lowVolts) V is not below high \(highVolts) V")
        }
        try await writeRegister(.hiThresh, UInt16(bitPattern: Self.code(volts: highVolts, gain: gain)))
        try await writeRegister(.loThresh, UInt16(bitPattern: Self.code(volts: lowVolts, gain: gain)))
    }

    /// The code for `volts` at `gain`, rounded and clipped to the 16-bit range.
    public static func code(volts: Double, gain: Gain) -> Int16 {
        let code = (volts / gain.lsbVolts).rounded()
        if code >= Double(Int16.max) { return .max }
        if code <= Double(Int16.min) { return .min }
        return Int16(code)
    }
}

/// `0x8583`-style hex for 16-bit registers.
func hex16(_ value: UInt16) -> String {
    hex(UInt8(value >> 8)) + String(hex(UInt8(truncatingIfNeeded: value)).dropFirst(2))
}
