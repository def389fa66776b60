public import HAL

/// Driver for the Analog Devices ADXL345 3-axis accelerometer over I²C, written against `I2CDevice` only.
///
/// Creating the driver checks DEVID (0xE5) and writes the configuration, ending in measurement mode. Accelerations
/// are in g (standard gravity), from the 16-bit outputs and the typical sensitivity of the configured range and
/// resolution (data sheet Table 1).
public struct ADXL345: Sendable {
    /// Range, resolution, data rate, FIFO and interrupt routing.
    public struct Configuration: Sendable, Hashable {
        /// Measurement range (`DATA_FORMAT` bits 1:0).
        public var range: Range
        /// FULL_RES: `true` keeps 3.9 mg/LSB at every range (10 to 13 bits); `false` is the fixed 10-bit mode.
        public var fullResolution: Bool
        /// Justify: `true` left-justifies the output word (MSB at bit 15); the driver decodes either.
        public var leftJustified: Bool
        /// Output data rate (`BW_RATE` Rate bits).
        public var outputDataRate: OutputDataRate
        /// LOW_POWER (`BW_RATE` bit 4).
        public var lowPower: Bool
        /// FIFO mode (`FIFO_CTL` bits 7:6).
        public var fifoMode: FIFOMode
        /// Watermark, `FIFO_CTL` Samples bits, 0…31: the Watermark bit is set while the FIFO holds at least this many
        /// entries (0 sets it at once, whatever the mode).
        public var fifoWatermark: Int
        /// Functions that raise interrupts (`INT_ENABLE`).
        public var interruptsEnabled: Interrupts
        /// Interrupts routed to INT2 (`INT_MAP` bits set); the rest go to INT1.
        public var interruptsOnINT2: Interrupts
        /// INT_INVERT: `false` (reset value) makes INT1/INT2 active high, `true` active low.
        public var interruptsActiveLow: Bool

        /// Defaults: ±16 g at full resolution, right-justified, 100 Hz, normal power, stream mode with the watermark
        /// at 16 entries, no interrupts enabled, interrupts active high.
        public init(
            range: Range = .g16, fullResolution: Bool = true, leftJustified: Bool = false,
            outputDataRate: OutputDataRate = .hz100, lowPower: Bool = false, fifoMode: FIFOMode = .stream,
            fifoWatermark: Int = 16, interruptsEnabled: Interrupts = [], interruptsOnINT2: Interrupts = [],
            interruptsActiveLow: Bool = false
        ) {
            self.range = range
            self.fullResolution = fullResolution
            self.leftJustified = leftJustified
            self.outputDataRate = outputDataRate
            self.lowPower = lowPower
            self.fifoMode = fifoMode
            self.fifoWatermark = fifoWatermark
            self.interruptsEnabled = interruptsEnabled
            self.interruptsOnINT2 = interruptsOnINT2
            self.interruptsActiveLow = interruptsActiveLow
        }

        /// `BW_RATE` (0x2C): LOW_POWER, Rate.
        public var bwRateRegister: UInt8 { (lowPower ? ADXL345.bwRateLowPower : 0) | outputDataRate.rawValue }
        /// `DATA_FORMAT` (0x31): INT_INVERT, FULL_RES, Justify, Range; SELF_TEST and SPI clear.
        public var dataFormatRegister: UInt8 {
            (interruptsActiveLow ? ADXL345.dataFormatIntInvert : 0) | (fullResolution ? ADXL345.dataFormatFullRes : 0)
                | (leftJustified ? ADXL345.dataFormatJustify : 0) | range.rawValue
        }
        /// `FIFO_CTL` (0x38): FIFO_MODE, Trigger on INT1, Samples.
        public var fifoCtlRegister: UInt8 { fifoMode.rawValue << 6 | UInt8(clamping: fifoWatermark) & 0x1F }
        /// Output width in bits for this range and resolution.
        public var resolutionBits: Int { range.resolutionBits(fullResolution: fullResolution) }
        /// Typical sensitivity in LSB/g for this range and resolution.
        public var lsbPerG: Double { range.lsbPerG(fullResolution: fullResolution) }
    }

    /// One x/y/z acceleration in g.
    public struct Sample: Sendable, Hashable {
        public var xG: Double
        public var yG: Double
        public var zG: Double

        public init(xG: Double, yG: Double, zG: Double) {
            self.xG = xG
            self.yG = yG
            self.zG = zG
        }
    }

    /// One x/y/z reading as the chip's counts (sign-extended, independent of Justify).
    public struct RawSample: Sendable, Hashable {
        public var x: Int
        public var y: Int
        public var z: Int

        public init(x: Int, y: Int, z: Int) {
            self.x = x
            self.y = y
            self.z = z
        }

        /// In g at `lsbPerG`.
        public func inG(lsbPerG: Double) -> Sample {
            Sample(xG: Double(x) / lsbPerG, yG: Double(y) / lsbPerG, zG: Double(z) / lsbPerG)
        }
    }

    /// What one `readFIFO()` found.
    public struct FIFOReadout: Sendable, Hashable {
        /// x/y/z samples, oldest first.
        public var samples: [Sample]
        /// Overrun was set in INT_SOURCE before the read: the FIFO filled and older samples were discarded.
        public var overrun: Bool
        /// Watermark was set in INT_SOURCE before the read.
        public var watermarkReached: Bool
        /// FIFO_STATUS Entries before the read (0…33), i.e. how many 6-byte reads followed.
        public var entriesAvailable: Int
    }

    /// Outcome of `selfTest()`: the output change per axis and whether each lies inside the data sheet's limits.
    public struct SelfTestResult: Sendable {
        /// Mean output with SELF_TEST set minus mean output with it clear, in LSB at 256 LSB/g (full resolution).
        public var deltaLSB: (x: Double, y: Double, z: Double)
        /// The limits applied (Table 15, scaled by Table 14 for the supply).
        public var limitsLSB: (x: ClosedRange<Double>, y: ClosedRange<Double>, z: ClosedRange<Double>)
        public var xPassed: Bool { limitsLSB.x.contains(deltaLSB.x) }
        public var yPassed: Bool { limitsLSB.y.contains(deltaLSB.y) }
        public var zPassed: Bool { limitsLSB.z.contains(deltaLSB.z) }
        /// All three axes inside their limits.
        public var passed: Bool { xPassed && yPassed && zPassed }
        /// The change in g.
        public var deltaG: Sample {
            let scale = ADXL345.fullResolutionLSBPerG
            return Sample(xG: deltaLSB.x / scale, yG: deltaLSB.y / scale, zG: deltaLSB.z / scale)
        }
    }

    /// The chip on its bus (0x53 or 0x1D).
    public let device: any I2CDevice
    /// The settings last written by `configure(_:)` (or at creation).
    public private(set) var configuration: Configuration
    /// Pause between INT_SOURCE reads while waiting for DATA_READY.
    public var pollInterval: Duration
    /// How long to wait for DATA_READY beyond four sample periods.
    public var timeout: Duration

    /// Reads DEVID (0x00) and checks it is 0xE5; touches nothing else.
    public static func checkIdentity(_ device: any I2CDevice) async throws(I2CError) {
        let id = try await device.writeRead([Register.devID], readCount: 1)[0]
        guard id == deviceID else {
            throw I2CError(
                .invalidResponse, bus: device.bus, address: device.address,
                operation: "read \(hex(Register.devID)) 1 byte",
                detail: "DEVID \(hex(id)), expected \(hex(deviceID))")
        }
    }

    /// Checks DEVID and writes `configuration` (ending in measurement mode).
    ///
    /// Wire sequence: read 0x00 (1 byte, DEVID) → the writes of `configure(_:)`.
    public init(
        device: any I2CDevice, configuration: Configuration = Configuration(),
        pollInterval: Duration = .microseconds(250), timeout: Duration = .milliseconds(100)
    ) async throws(I2CError) {
        try await Self.checkIdentity(device)
        self.device = device
        self.configuration = configuration
        self.pollInterval = pollInterval
        self.timeout = timeout
        try await configure(configuration)
    }

    // MARK: Setup

    /// Writes the configuration and starts measuring. Following the data sheet ("Interrupts": map functions before
    /// enabling them; "Register 0x2D": configure in standby), one register per write:
    /// POWER_CTL = 0x00 (standby), INT_ENABLE = 0x00, BW_RATE, DATA_FORMAT, INT_MAP, FIFO_CTL, INT_ENABLE, and
    /// POWER_CTL = 0x08 (measure).
    public mutating func configure(_ configuration: Configuration) async throws(I2CError) {
        guard (0...31).contains(configuration.fifoWatermark) else {
            throw I2CError(
                .invalidArgument, bus: device.bus, address: device.address, operation: "configure",
                detail: "FIFO watermark \(configuration.fifoWatermark) outside 0…31")
        }
        try await device.write([Register.powerCtl, 0x00])
        try await device.write([Register.intEnable, 0x00])
        try await device.write([Register.bwRate, configuration.bwRateRegister])
        try await device.write([Register.dataFormat, configuration.dataFormatRegister])
        try await device.write([Register.intMap, configuration.interruptsOnINT2.rawValue])
        try await device.write([Register.fifoCtl, configuration.fifoCtlRegister])
        try await device.write([Register.intEnable, configuration.interruptsEnabled.rawValue])
        try await device.write([Register.powerCtl, Self.powerCtlMeasure])
        self.configuration = configuration
    }

    /// Enters measurement mode (POWER_CTL = 0x08) or standby (0x00) without touching the other settings.
    public func setMeasuring(_ measuring: Bool) async throws(I2CError) {
        try await device.write([Register.powerCtl, measuring ? Self.powerCtlMeasure : 0x00])
    }

    /// Writes OFSX, OFSY, OFSZ (0x1E…0x20) in one transfer: two's complement, 15.6 mg/LSB; the chip adds them to
    /// the output (data sheet Register 0x1E, 0x1F, 0x20).
    public func setOffsetsRaw(x: Int8, y: Int8, z: Int8) async throws(I2CError) {
        try await device.write([
            Register.ofsX, UInt8(bitPattern: x), UInt8(bitPattern: y), UInt8(bitPattern: z),
        ])
    }

    /// Sets the offsets in g (rounded to 15.6 mg; −2…+1.98 g). The chip adds them to the output, so to cancel a
    /// measured error of +e pass −e.
    public func setOffsets(xG: Double, yG: Double, zG: Double) async throws(I2CError) {
        var raw: [Int8] = []
        for value in [xG, yG, zG] {
            let scaled = (value * Self.offsetLSBPerG).rounded()
            guard scaled.isFinite, scaled >= Double(Int8.min), scaled <= Double(Int8.max) else {
                throw I2CError(
                    .invalidArgument, bus: device.bus, address: device.address, operation: "set offsets",
                    detail: "offset \(value) g does not fit the 8-bit offset register (−2…1.98 g)")
            }
            raw.append(Int8(scaled))
        }
        try await setOffsetsRaw(x: raw[0], y: raw[1], z: raw[2])
    }

    // MARK: Reading

    /// Reads INT_SOURCE (0x30). DATA_READY, Watermark and Overrun are not cleared by this read; they clear as the
    /// data registers / FIFO are read (data sheet "Interrupts").
    public func readInterruptSource() async throws(I2CError) -> Interrupts {
        Interrupts(rawValue: try await device.writeRead([Register.intSource], readCount: 1)[0])
    }

    /// Reads DATAX0…DATAZ1 (0x32…0x37, 6 bytes) in one transfer, so all three axes belong to one conversion; in a
    /// FIFO mode this pops one FIFO level. A word that cannot come from the configured format is rejected.
    public func readRaw() async throws(I2CError) -> RawSample {
        let bytes = try await device.writeRead([Register.dataX0], readCount: 6)
        return try decodeSample(bytes)
    }

    /// The latest conversion (bypass) or the oldest FIFO level (other modes), in g.
    public func readAcceleration() async throws(I2CError) -> Sample {
        try await readRaw().inG(lsbPerG: configuration.lsbPerG)
    }

    /// Empties the FIFO: reads INT_SOURCE (0x30) for Overrun and Watermark, then FIFO_STATUS (0x39) for Entries, then
    /// that many 6-byte reads from DATAX0 (0x32), each popping one level (data sheet "Retrieving Data from FIFO":
    /// every read of the data registers empties one level, so each sample is its own 6-byte transfer). INT_SOURCE is
    /// read first because Overrun clears as soon as the FIFO is read.
    public func readFIFO() async throws(I2CError) -> FIFOReadout {
        let source = try await readInterruptSource()
        let status = try await device.writeRead([Register.fifoStatus], readCount: 1)[0]
        let entries = Int(status & Self.fifoStatusEntriesMask)
        guard entries <= Self.maxFIFOEntries else {
            throw I2CError(
                .invalidResponse, bus: device.bus, address: device.address,
                operation: "read \(hex(Register.fifoStatus)) 1 byte",
                detail: "FIFO_STATUS Entries \(entries), more than the \(Self.maxFIFOEntries) the chip can hold")
        }
        var samples: [Sample] = []
        samples.reserveCapacity(entries)
        for _ in 0..<entries {
            samples.append(try await readAcceleration())
        }
        return FIFOReadout(
            samples: samples, overrun: source.contains(.overrun), watermarkReached: source.contains(.watermark),
            entriesAvailable: entries)
    }

    private func decodeSample(_ bytes: [UInt8]) throws(I2CError) -> RawSample {
        let bits = configuration.resolutionBits
        let left = configuration.leftJustified
        var counts: [Int] = []
        for axis in 0..<3 {
            guard let value = Self.decode(bytes[axis * 2], bytes[axis * 2 + 1], bits: bits, leftJustified: left)
            else {
                throw I2CError(
                    .invalidResponse, bus: device.bus, address: device.address,
                    operation: "read \(hex(Register.dataX0)) 6 bytes",
                    detail:
                        "DATA\(["X", "Y", "Z"][axis]) \(hex(bytes[axis * 2 + 1]))\(hex(bytes[axis * 2]).dropFirst(2)) "
                        + "is not a \(bits)-bit \(left ? "left" : "right")-justified value")
            }
            counts.append(value)
        }
        return RawSample(x: counts[0], y: counts[1], z: counts[2])
    }

    // MARK: Self-test

    /// The data sheet's self-test ("Self-Test"): in normal power at a rate of 100…800 Hz or 3200 Hz (the configured
    /// one if allowed, else 100 Hz), full resolution ±16 g so that the shift cannot clip, FIFO bypassed; average
    /// `samples` conversions with SELF_TEST clear, then with it set; the difference per axis must lie within Table 15
    /// (x 50…540, y −540…−50, z 75…875 LSB at 2.5 V) scaled by Table 14 for `supply`. The sensor must be still.
    /// `settleSamples` conversions are discarded after each switch. The configuration is restored afterwards (also
    /// after a failed transfer, as far as the bus allows); the FIFO starts empty again.
    public mutating func selfTest(
        samples: Int = 16, settleSamples: Int = 4, supply: SelfTestSupply = .v2p5
    ) async throws(I2CError) -> SelfTestResult {
        precondition(samples > 0 && settleSamples >= 0, "self-test needs at least one sample")
        let saved = configuration
        var test = configuration
        test.range = .g16
        test.fullResolution = true
        test.leftJustified = false
        test.lowPower = false
        test.fifoMode = .bypass
        test.interruptsEnabled = []
        if !test.outputDataRate.allowsSelfTest { test.outputDataRate = .hz100 }
        do throws(I2CError) {
            try await configure(test)
            let off = try await averageRaw(samples: samples, discarding: settleSamples)
            try await device.write([Register.dataFormat, test.dataFormatRegister | Self.dataFormatSelfTest])
            let on = try await averageRaw(samples: samples, discarding: settleSamples)
            try await device.write([Register.dataFormat, test.dataFormatRegister])
            try await configure(saved)
            return SelfTestResult(
                deltaLSB: (on.x - off.x, on.y - off.y, on.z - off.z), limitsLSB: Self.selfTestLimitsLSB(supply: supply))
        } catch {
            // Best effort: never leave the self-test force on or the test format behind a failed transfer.
            try? await device.write([Register.dataFormat, test.dataFormatRegister])
            try? await configure(saved)
            throw error
        }
    }

    /// Waits for DATA_READY and reads the data registers, `discarding` + `samples` times; returns the mean of the
    /// last `samples` readings in LSB.
    private func averageRaw(samples: Int, discarding: Int) async throws(I2CError) -> (x: Double, y: Double, z: Double) {
        var sum = (x: 0.0, y: 0.0, z: 0.0)
        let limit = configuration.outputDataRate.period * 4 + timeout
        for index in 0..<(discarding + samples) {
            try await waitForDataReady(limit: limit)
            let raw = try await readRaw()
            guard index >= discarding else { continue }
            sum.x += Double(raw.x)
            sum.y += Double(raw.y)
            sum.z += Double(raw.z)
        }
        let n = Double(samples)
        return (sum.x / n, sum.y / n, sum.z / n)
    }

    /// Polls INT_SOURCE until DATA_READY is set, for at most `limit`.
    private func waitForDataReady(limit: Duration) async throws(I2CError) {
        let clock = ContinuousClock()
        let deadline = clock.now + limit
        while true {
            let source = try await readInterruptSource()
            if source.contains(.dataReady) { return }
            guard clock.now < deadline else {
                throw I2CError(
                    .busError, bus: device.bus, address: device.address, operation: "read \(hex(Register.intSource))",
                    detail: "timed out after \(limit) waiting for DATA_READY (INT_SOURCE \(hex(source.rawValue)))")
            }
            // Sleep failing means the task was cancelled; the next poll or the deadline ends the loop.
            try? await Task.sleep(for: pollInterval)
        }
    }
}
