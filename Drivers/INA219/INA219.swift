public import HAL

/// Driver for the TI INA219 current shunt and power monitor, written against `I2CDevice` only.
///
/// The INA219's 16-bit registers are big-endian on the wire, so the driver uses the SMBus word calls (little-endian)
/// with the bytes swapped — the same transfers on the wire, and they work on SMBus-only adapters. It has no ID register: `start()` resets the chip and checks the
/// configuration register's reset value (0x399F) instead. Every reading checks the OVF flag and that the calibration
/// register still holds what was programmed (a chip that lost power comes back with 0 and would read 0 A).
public struct INA219: Sendable {
    /// One complete reading.
    public struct Measurement: Sendable, Hashable {
        /// Bus voltage (IN− to GND), volts.
        public var busVolts: Double
        /// Shunt voltage (IN+ to IN−), volts.
        public var shuntVolts: Double
        /// Current from the current register, amperes.
        public var currentAmps: Double
        /// Power from the power register, watts.
        public var powerWatts: Double
    }

    /// The chip on its bus (0x40…0x4F).
    public let device: any I2CDevice
    /// The configuration written by `start()`.
    public let configuration: Configuration
    /// The calibration written by `start()`.
    public let calibration: Calibration

    /// - Parameters:
    ///   - device: the chip (`INA219.address(a1:a0:)`).
    ///   - shuntOhms: the shunt resistor.
    ///   - maxExpectedAmps: the largest current to measure; sets Current_LSB = max / 2^15 (datasheet Equation 2).
    ///   - configuration: ranges, ADC settings and mode.
    /// - Throws: `.invalidArgument` when the calibration does not fit the register.
    public init(
        device: any I2CDevice, shuntOhms: Double, maxExpectedAmps: Double,
        configuration: Configuration = Configuration()
    ) throws(I2CError) {
        guard let calibration = Calibration(shuntOhms: shuntOhms, maxExpectedAmps: maxExpectedAmps) else {
            throw I2CError(
                .invalidArgument, bus: device.bus, address: device.address, operation: "calibrate",
                detail: "shunt \(shuntOhms) Ω and \(maxExpectedAmps) A give no calibration value in 2…65534")
        }
        self.init(device: device, calibration: calibration, configuration: configuration)
    }

    /// With an explicit calibration (for example a round Current_LSB, as in the datasheet's example).
    public init(device: any I2CDevice, calibration: Calibration, configuration: Configuration = Configuration()) {
        self.device = device
        self.calibration = calibration
        self.configuration = configuration
    }

    /// Resets the chip (RST), checks the configuration register's reset value as its identity, writes the
    /// configuration and the calibration, and reads the calibration back.
    public func start() async throws(I2CError) {
        try await write(.configuration, ConfigurationBits.reset)
        let afterReset = try await read(.configuration)
        guard afterReset == Self.configurationResetValue else {
            throw invalidResponse(
                .configuration, "configuration 0x\(hex16(afterReset)) after reset, expected 0x399F: not an INA219?")
        }
        try await write(.configuration, configuration.rawValue)
        try await write(.calibration, calibration.register)
        try await checkCalibration()
    }

    /// The bus voltage (register 02h bits 15:3 × 4 mV).
    public func busVolts() async throws(I2CError) -> Double {
        Self.busVolts(try await read(.busVoltage))
    }

    /// The shunt voltage (register 01h × 10 µV). A value at the PGA's full scale is clipped, not measured, and throws
    /// `.invalidResponse`.
    public func shuntVolts() async throws(I2CError) -> Double {
        try shuntVolts(try await read(.shuntVoltage))
    }

    /// Bus voltage, shunt voltage, current and power from one conversion cycle. Throws `.invalidResponse` when the
    /// chip flags a math overflow (OVF: current or power out of range for the calibration), when the shunt voltage is
    /// clipped, or when the calibration register no longer holds the programmed value.
    public func measurement() async throws(I2CError) -> Measurement {
        let bus = try await read(.busVoltage)
        guard bus & BusVoltageBits.mathOverflow == 0 else {
            throw invalidResponse(
                .busVoltage,
                "math overflow (OVF) in bus voltage 0x\(hex16(bus)): current or power out of range for "
                    + "calibration 0x\(hex16(calibration.register))")
        }
        let shunt = try await read(.shuntVoltage)
        let current = try await read(.current)
        // Reading the power register also clears CNVR (8.6.3.2).
        let power = try await read(.power)
        try await checkCalibration()
        return Measurement(
            busVolts: Self.busVolts(bus), shuntVolts: try shuntVolts(shunt),
            currentAmps: Double(Int16(bitPattern: current)) * calibration.currentLSBAmps,
            powerWatts: Double(power) * calibration.powerLSBWatts)
    }

    /// The current, amperes (see `measurement()`).
    public func currentAmps() async throws(I2CError) -> Double { try await measurement().currentAmps }

    /// The power, watts (see `measurement()`).
    public func powerWatts() async throws(I2CError) -> Double { try await measurement().powerWatts }

    /// Whether a conversion has completed since the power register was last read (CNVR, 8.6.3.2); for triggered
    /// modes.
    public func conversionReady() async throws(I2CError) -> Bool {
        try await read(.busVoltage) & BusVoltageBits.conversionReady != 0
    }

    /// Reads one register: pointer write, repeated START, two bytes most significant first. That is an SMBus "read
    /// word" with the bytes swapped (the kernel's `i2c_smbus_read_word_swapped`), so SMBus-only adapters and
    /// i2c-stub serve it too; on the wire it is the same transfer as a register read.
    public func read(_ register: Register) async throws(I2CError) -> UInt16 {
        try await device.readWord(register: register.rawValue).byteSwapped
    }

    /// Writes one register: pointer, then the value most significant byte first (SMBus "write word", swapped).
    public func write(_ register: Register, _ value: UInt16) async throws(I2CError) {
        try await device.writeWord(register: register.rawValue, value: value.byteSwapped)
    }

    private func checkCalibration() async throws(I2CError) {
        let stored = try await read(.calibration)
        guard stored == calibration.register else {
            throw invalidResponse(
                .calibration,
                "calibration 0x\(hex16(stored)), expected 0x\(hex16(calibration.register)) (chip reset or power loss?)")
        }
    }

    static func busVolts(_ raw: UInt16) -> Double {
        Double(raw >> BusVoltageBits.shift) * busVoltageLSBVolts
    }

    private func shuntVolts(_ raw: UInt16) throws(I2CError) -> Double {
        let counts = Int(Int16(bitPattern: raw))
        let fullScale = configuration.shuntVoltageRange.fullScaleCounts
        guard abs(counts) < fullScale else {
            throw invalidResponse(
                .shuntVoltage,
                "shunt voltage 0x\(hex16(raw)) at or beyond the ±\(fullScale / 100) mV range: clipped, use a wider PGA "
                    + "range")
        }
        return Double(counts) * Self.shuntVoltageLSBVolts
    }

    private func invalidResponse(_ register: Register, _ detail: String) -> I2CError {
        I2CError(
            .invalidResponse, bus: device.bus, address: device.address, operation: "read \(hex(register.rawValue))",
            detail: detail)
    }
}

/// `1A2B`-style four-digit hex for 16-bit register values in messages.
func hex16(_ value: UInt16) -> String {
    String(hex(UInt8(value >> 8)).dropFirst(2) + hex(UInt8(truncatingIfNeeded: value)).dropFirst(2))
}
