public import HAL

/// Driver for the NXP PCA9685 16-channel, 12-bit PWM controller, written against `I2CDevice` only.
///
/// `start()` sets totem-pole outputs and register auto-increment and wakes the oscillator (optionally after setting
/// the frequency); each channel is then written in one 4-byte transfer (LEDn_ON_L…LEDn_OFF_H). The chip has no ID
/// register; the driver checks that MODE2's reserved bits read 0 and that what it writes to MODE1/MODE2 reads back.
public struct PCA9685: Sendable {
    /// The chip on its bus (0x40…0x7F).
    public let device: any I2CDevice
    /// The oscillator frequency: 25 MHz internal, or the EXTCLK clock.
    public var oscillatorHertz: Double
    /// How the driver waits for the oscillator (500 µs); tests may pass a no-op.
    public var sleep: @Sendable (Duration) async -> Void

    /// - Parameters:
    ///   - device: the chip (`PCA9685.address(pins:)`).
    ///   - oscillatorHertz: 25 MHz unless an external clock drives EXTCLK.
    ///   - sleep: waits for the given time; the default suspends the task.
    public init(
        device: any I2CDevice, oscillatorHertz: Double = internalOscillatorHertz,
        sleep: @escaping @Sendable (Duration) async -> Void = { duration in try? await Task.sleep(for: duration) }
    ) {
        self.device = device
        self.oscillatorHertz = oscillatorHertz
        self.sleep = sleep
    }

    /// Checks MODE2's reserved bits, sets MODE2 (by default totem pole, not inverted, outputs change on STOP), sets the
    /// PWM frequency if given, and wakes the chip with auto-increment on (MODE1 = AI | ALLCALL); then reads MODE1 and
    /// MODE2 back.
    public func start(frequencyHertz: Double? = nil, outputs: OutputConfiguration = OutputConfiguration())
        async throws(I2CError)
    {
        let mode2 = outputs.rawValue
        let currentMode2 = try await device.readByte(register: Register.mode2)
        guard currentMode2 & Mode2.reservedMask == 0 else {
            throw invalidResponse(
                Register.mode2, "MODE2 reads \(hex(currentMode2)), reserved bits 7:5 must be 0: not a PCA9685?")
        }
        try await device.writeByte(register: Register.mode2, value: mode2)
        if let frequencyHertz {
            try await setFrequency(hertz: frequencyHertz)
        } else {
            let mode1 = try await device.readByte(register: Register.mode1)
            try await wake(from: mode1)
        }
        let mode1 = try await device.readByte(register: Register.mode1)
        guard mode1 & (Mode1.autoIncrement | Mode1.sleep) == Mode1.autoIncrement else {
            throw invalidResponse(
                Register.mode1, "MODE1 reads \(hex(mode1)) after wake-up, expected AI set and SLEEP clear")
        }
        let readMode2 = try await device.readByte(register: Register.mode2)
        guard readMode2 == mode2 else {
            throw invalidResponse(Register.mode2, "MODE2 reads \(hex(readMode2)) after writing \(hex(mode2))")
        }
    }

    /// Sets the PWM frequency (datasheet 7.3.5): PRE_SCALE can only be written in sleep, so: sleep, write PRE_SCALE,
    /// wake, wait 500 µs for the oscillator, and restart the PWM channels if RESTART is set (7.3.1.1).
    /// Throws `.invalidArgument` outside 24…1526 Hz (PRE_SCALE 3…255 at 25 MHz).
    public func setFrequency(hertz: Double) async throws(I2CError) {
        guard let preScale = Self.preScale(forHertz: hertz, oscillatorHertz: oscillatorHertz) else {
            throw I2CError(
                .invalidArgument, bus: device.bus, address: device.address, operation: "set frequency",
                detail:
                    "\(hertz) Hz needs a prescale outside 3…255 "
                    + "(\(Self.frequencyHertz(preScale: 255, oscillatorHertz: oscillatorHertz))…"
                    + "\(Self.frequencyHertz(preScale: 3, oscillatorHertz: oscillatorHertz)) Hz)")
        }
        let mode1 = try await device.readByte(register: Register.mode1)
        // Writing 0 to RESTART has no effect; keep it 0 so that this write does not restart anything.
        try await device.writeByte(register: Register.mode1, value: mode1 & ~Mode1.restart | Mode1.sleep)
        try await device.writeByte(register: Register.preScale, value: preScale)
        let readBack = try await device.readByte(register: Register.preScale)
        guard readBack == preScale else {
            throw invalidResponse(Register.preScale, "PRE_SCALE reads \(hex(readBack)) after writing \(hex(preScale))")
        }
        try await wake(from: mode1)
    }

    /// What differs from the set-up `start(frequencyHertz:outputs:)` leaves, or nil when nothing does: MODE1 with AI
    /// set and SLEEP clear, MODE2 as configured, PRE_SCALE for the frequency. A brown-out resets the chip to its
    /// power-on defaults (MODE1 0x11: asleep, outputs off; datasheet 7.3.1), which the daemon must notice and undo.
    public func setUpDifference(frequencyHertz: Double, outputs: OutputConfiguration = OutputConfiguration())
        async throws(I2CError) -> String?
    {
        var found: [String] = []
        let mode1 = try await device.readByte(register: Register.mode1)
        if mode1 & (Mode1.autoIncrement | Mode1.sleep) != Mode1.autoIncrement {
            found.append("MODE1 \(hex(mode1)) (expected AI set, SLEEP clear)")
        }
        let mode2 = try await device.readByte(register: Register.mode2)
        if mode2 != outputs.rawValue { found.append("MODE2 \(hex(mode2)) (expected \(hex(outputs.rawValue)))") }
        if let expected = Self.preScale(forHertz: frequencyHertz, oscillatorHertz: oscillatorHertz) {
            let preScale = try await device.readByte(register: Register.preScale)
            if preScale != expected { found.append("PRE_SCALE \(hex(preScale)) (expected \(hex(expected)))") }
        }
        return found.isEmpty ? nil : found.joined(separator: ", ")
    }

    /// The PWM frequency from PRE_SCALE.
    public func frequencyHertz() async throws(I2CError) -> Double {
        Self.frequencyHertz(
            preScale: try await device.readByte(register: Register.preScale), oscillatorHertz: oscillatorHertz)
    }

    /// Sets one channel's duty cycle (0…1) and optional turn-on delay (fraction of the period, datasheet 7.3.3);
    /// 0 and 1 use the full-off and full-on bits. One 4-byte auto-increment write.
    public func setDutyCycle(channel: Int, _ dutyCycle: Double, delay: Double = 0) async throws(I2CError) {
        try checkChannel(channel, operation: "set duty cycle")
        try checkDuty(dutyCycle, delay, operation: "set duty cycle LED\(channel)")
        try await setRegisters(channel: channel, ChannelRegisters(dutyCycle: dutyCycle, delay: delay))
    }

    /// Writes one channel's four registers as they are.
    public func setRegisters(channel: Int, _ registers: ChannelRegisters) async throws(I2CError) {
        try checkChannel(channel, operation: "write channel")
        try await device.write([Register.ledOnL(channel: channel)] + registers.bytes)
    }

    /// Sets every channel at once through ALL_LED_ON_L…ALL_LED_OFF_H (datasheet 7.3.4).
    public func setAllDutyCycles(_ dutyCycle: Double, delay: Double = 0) async throws(I2CError) {
        try checkDuty(dutyCycle, delay, operation: "set all duty cycles")
        try await device.write([Register.allLEDOnL] + ChannelRegisters(dutyCycle: dutyCycle, delay: delay).bytes)
    }

    /// Turns every output off with one byte: ALL_LED_OFF_H full-off bit (datasheet figure "Write to ALL_LED_OFF_H to turn OFF all PWMs") — the safe state.
    public func allOff() async throws(I2CError) {
        try await device.writeByte(register: Register.allLEDOffH, value: Self.fullBit)
    }

    /// One channel's registers, read back.
    public func registers(channel: Int) async throws(I2CError) -> ChannelRegisters {
        try checkChannel(channel, operation: "read channel")
        return ChannelRegisters(bytes: try await device.writeRead([Register.ledOnL(channel: channel)], readCount: 4))
    }

    /// One channel's duty cycle, computed from its registers as the output stage does.
    public func dutyCycle(channel: Int) async throws(I2CError) -> Double {
        try await registers(channel: channel).dutyCycle
    }

    /// Clears SLEEP (keeping the other MODE1 bits, setting AI), waits for the oscillator, then writes RESTART if the
    /// chip reports PWM channels to resume (datasheet 7.3.1.1).
    private func wake(from mode1: UInt8) async throws(I2CError) {
        let awake = mode1 & ~(Mode1.restart | Mode1.sleep) | Mode1.autoIncrement
        try await device.writeByte(register: Register.mode1, value: awake)
        await sleep(Self.oscillatorStartup)
        let now = try await device.readByte(register: Register.mode1)
        if now & Mode1.restart != 0 {
            try await device.writeByte(register: Register.mode1, value: awake | Mode1.restart)
        }
    }

    private func checkChannel(_ channel: Int, operation: String) throws(I2CError) {
        guard (0..<Self.channelCount).contains(channel) else {
            throw I2CError(
                .invalidArgument, bus: device.bus, address: device.address, operation: operation,
                detail: "channel \(channel) outside 0…15")
        }
    }

    private func checkDuty(_ dutyCycle: Double, _ delay: Double, operation: String) throws(I2CError) {
        guard (0...1).contains(dutyCycle), (0..<1).contains(delay) else {
            throw I2CError(
                .invalidArgument, bus: device.bus, address: device.address, operation: operation,
                detail: "duty cycle \(dutyCycle) outside 0…1 or delay \(delay) outside 0..<1")
        }
    }

    private func invalidResponse(_ register: UInt8, _ detail: String) -> I2CError {
        I2CError(
            .invalidResponse, bus: device.bus, address: device.address, operation: "read \(hex(register))",
            detail: detail)
    }
}
