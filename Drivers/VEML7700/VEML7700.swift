public import HAL

/// Driver for the Vishay VEML7700 ambient light sensor, written against `I2CDevice` only.
///
/// All registers are 16-bit SMBus words, least significant byte first (`readWord`/`writeWord`). The chip has no
/// data-ready flag: after a configuration change the driver waits for the integration to finish (`settleTime`)
/// before it reads. `illuminance()` auto-ranges the way the application note "Designing the VEML7700 Into an
/// Application" (Vishay 84323) describes, and applies its non-linearity correction for high illuminance.
public struct VEML7700: Sendable {
    /// One ALS reading with the setting it was taken at.
    public struct Reading: Sendable, Hashable {
        /// Illuminance in lux (corrected where `corrected` is true).
        public var lux: Double
        /// The raw ALS count.
        public var counts: UInt16
        public var gain: Gain
        public var integrationTime: IntegrationTime
        /// Whether the application note's non-linearity correction was applied.
        public var corrected: Bool
    }

    /// The chip on its bus (always at 0x10).
    public let device: any I2CDevice
    /// How the driver waits for an integration to finish; tests pass a hook that advances the simulated chip.
    public var sleep: @Sendable (Duration) async -> Void

    /// - Parameters:
    ///   - device: the chip at `VEML7700.address`.
    ///   - sleep: waits for the given time; the default suspends the task. Cancellation cuts the wait short, and the
    ///     read that follows may then see the previous integration's data.
    public init(
        device: any I2CDevice,
        sleep: @escaping @Sendable (Duration) async -> Void = { duration in try? await Task.sleep(for: duration) }
    ) {
        self.device = device
        self.sleep = sleep
    }

    /// How long to wait after a configuration change before the ALS register holds a result of the new setting:
    /// twice the integration time (the application note asks for at least one; parts in the field need more, since
    /// the running integration of the old setting finishes first), plus the 2.5 ms power-on delay.
    public static func settleTime(for integrationTime: IntegrationTime) -> Duration {
        integrationTime.duration * 2 + powerOnDelay
    }

    /// Reads the ID register and checks the device ID code in its low byte (datasheet, command code 07h: 0x81).
    public func checkIdentity() async throws(I2CError) {
        let id = try await device.readWord(register: Register.id.rawValue)
        let code = UInt8(truncatingIfNeeded: id)
        guard code == Self.deviceIDCode else {
            throw I2CError(
                .invalidResponse, bus: device.bus, address: device.address,
                operation: "read \(hex(Register.id.rawValue))",
                detail: "chip ID \(hex(code)), expected \(hex(Self.deviceIDCode))")
        }
    }

    /// Checks the identity, then writes `configuration` (power-on when `shutdown` is false) and waits for the first
    /// integration.
    public func start(_ configuration: Configuration = Configuration()) async throws(I2CError) {
        try await checkIdentity()
        try await configure(configuration)
    }

    /// Writes ALS_CONF, reads it back to verify, and (unless shutting down) waits `settleTime` so the next read of the
    /// ALS register belongs to the new setting.
    public func configure(_ configuration: Configuration) async throws(I2CError) {
        let raw = configuration.rawValue
        try await device.writeWord(register: Register.alsConf.rawValue, value: raw)
        let readBack = try await device.readWord(register: Register.alsConf.rawValue)
        guard readBack == raw else {
            throw I2CError(
                .invalidResponse, bus: device.bus, address: device.address,
                operation: "read \(hex(Register.alsConf.rawValue))",
                detail: "ALS_CONF reads 0x\(hex16(readBack)) after writing 0x\(hex16(raw))")
        }
        if !configuration.shutdown {
            await sleep(Self.settleTime(for: configuration.integrationTime))
        }
    }

    /// The current ALS_CONF setting.
    public func configuration() async throws(I2CError) -> Configuration {
        let raw = try await device.readWord(register: Register.alsConf.rawValue)
        guard let configuration = Configuration(rawValue: raw) else {
            throw I2CError(
                .invalidResponse, bus: device.bus, address: device.address,
                operation: "read \(hex(Register.alsConf.rawValue))",
                detail: "ALS_CONF 0x\(hex16(raw)) has an invalid integration time code")
        }
        return configuration
    }

    /// Puts the chip into shutdown (ALS_SD = 1), keeping the other settings.
    public func shutDown() async throws(I2CError) {
        var configuration = try await configuration()
        configuration.shutdown = true
        try await configure(configuration)
    }

    /// The raw ALS count (register 04h).
    public func alsCounts() async throws(I2CError) -> UInt16 {
        try await device.readWord(register: Register.als.rawValue)
    }

    /// The raw WHITE count (register 05h).
    public func whiteCounts() async throws(I2CError) -> UInt16 {
        try await device.readWord(register: Register.white.rawValue)
    }

    /// One reading at the current setting, without changing it. A saturated count (0xFFFF) is not a measurement and
    /// throws `.invalidResponse`, as does a read while the chip is shut down.
    public func illuminanceAtCurrentSetting() async throws(I2CError) -> Reading {
        let configuration = try await configuration()
        guard !configuration.shutdown else {
            throw I2CError(
                .invalidResponse, bus: device.bus, address: device.address,
                operation: "read \(hex(Register.als.rawValue))", detail: "chip is shut down (ALS_SD = 1)")
        }
        let result = try await reading(at: configuration)
        try checkSaturation(result)
        return result
    }

    /// Measures the illuminance with the application note's auto-ranging (Vishay 84323, flow chart "Get Lux"):
    /// start at gain 1/8 and 100 ms; while the count is ≤ 100 raise the gain (1/4, 1, 2) and then the integration time
    /// (200, 400, 800 ms); otherwise apply the non-linearity correction and, while the count is > 10000, shorten the
    /// integration time (50, 25 ms). Leaves the chip running at the setting the result came from; persistence and
    /// interrupt enable are kept (the thresholds, being counts, then belong to that setting).
    public func illuminance() async throws(I2CError) -> Reading {
        var configuration = try await configuration()
        configuration.gain = .oneEighth
        configuration.integrationTime = .ms100
        configuration.shutdown = false
        try await configure(configuration)
        var result = try await reading(at: configuration)
        if result.counts <= Self.autoRangeLowCounts {
            while result.counts <= Self.autoRangeLowCounts {
                if let higher = Self.next(after: configuration.gain, in: Gain.ascending) {
                    configuration.gain = higher
                } else if let longer = Self.next(after: configuration.integrationTime, in: IntegrationTime.ascending) {
                    configuration.integrationTime = longer
                } else {
                    break
                }
                try await configure(configuration)
                result = try await reading(at: configuration)
            }
        } else {
            while result.counts > Self.autoRangeHighCounts,
                let shorter = Self.next(after: configuration.integrationTime, in: IntegrationTime.ascending.reversed())
            {
                configuration.integrationTime = shorter
                try await configure(configuration)
                result = try await reading(at: configuration)
            }
        }
        try checkSaturation(result)
        return result
    }

    /// A saturated count (0xFFFF) is a bound, not a measurement.
    private func checkSaturation(_ reading: Reading) throws(I2CError) {
        let configuration = Configuration(gain: reading.gain, integrationTime: reading.integrationTime)
        guard reading.counts != UInt16.max else {
            throw I2CError(
                .invalidResponse, bus: device.bus, address: device.address,
                operation: "read \(hex(Register.als.rawValue))",
                detail:
                    "ALS saturated (0xFFFF) at \(configuration.gain), \(configuration.integrationTime): above "
                    + "\(Int(Self.maximumLux(gain: configuration.gain, integrationTime: configuration.integrationTime))) lx"
            )
        }
    }

    private func reading(at configuration: Configuration) async throws(I2CError) -> Reading {
        let counts = try await alsCounts()
        let linear =
            Double(counts)
            * Self.resolutionLuxPerCount(gain: configuration.gain, integrationTime: configuration.integrationTime)
        let corrected = Self.needsCorrection(gain: configuration.gain)
        return Reading(
            lux: corrected ? Self.correctedLux(linear) : linear, counts: counts, gain: configuration.gain,
            integrationTime: configuration.integrationTime, corrected: corrected)
    }

    private static func next<T: Equatable>(after value: T, in order: some Collection<T>) -> T? {
        guard let index = order.firstIndex(of: value) else { return nil }
        let following = order.index(after: index)
        return following == order.endIndex ? nil : order[following]
    }
}

/// `1A2B`-style four-digit hex for 16-bit register values in messages.
func hex16(_ value: UInt16) -> String {
    String(hex(UInt8(value >> 8)).dropFirst(2) + hex(UInt8(truncatingIfNeeded: value)).dropFirst(2))
}
