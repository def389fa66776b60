public import HAL

/// Driver for the Analog Devices ADXL355 low-noise 3-axis accelerometer over I²C, written against `I2CDevice` only.
///
/// Creating the driver checks the three ID registers (DEVID_AD 0xAD, DEVID_MST 0x1D, PARTID 0xED), resets the chip
/// (0x52 to 0x2F, then waits for NVM_BUSY to clear) and writes the configuration, ending in measurement mode.
/// Accelerations are in g (standard gravity), from the 20-bit outputs and the range's typical sensitivity.
public struct ADXL355: Sendable {
    /// Range, filters, FIFO watermark and interrupt routing.
    public struct Configuration: Sendable, Hashable {
        /// Measurement range (`Range` bits 1:0).
        public var range: Range
        /// Output data rate and low-pass corner (`Filter` bits 3:0).
        public var outputDataRate: OutputDataRate
        /// High-pass corner (`Filter` bits 6:4).
        public var highPassCorner: HighPassCorner
        /// FIFO watermark in entries (FIFO_SAMPLES), 1…96; a multiple of 3 is a whole number of samples.
        public var fifoWatermarkEntries: Int
        /// Which events drive INT1/INT2 (INT_MAP).
        public var interruptMap: InterruptMap
        /// INT_POL: `false` (reset value) makes INT1/INT2 active low, `true` active high.
        public var interruptActiveHigh: Bool

        /// Defaults: ±2 g, 125 Hz (low-pass 31.25 Hz), high-pass off, watermark at the full FIFO, no interrupts,
        /// interrupts active low.
        public init(
            range: Range = .g2, outputDataRate: OutputDataRate = .hz125, highPassCorner: HighPassCorner = .off,
            fifoWatermarkEntries: Int = ADXL355.fifoCapacity, interruptMap: InterruptMap = [],
            interruptActiveHigh: Bool = false
        ) {
            self.range = range
            self.outputDataRate = outputDataRate
            self.highPassCorner = highPassCorner
            self.fifoWatermarkEntries = fifoWatermarkEntries
            self.interruptMap = interruptMap
            self.interruptActiveHigh = interruptActiveHigh
        }

        /// `Range` (0x2C): I2C_HS kept at its reset value 1, INT_POL, range.
        public var rangeRegister: UInt8 {
            ADXL355.rangeI2CHighSpeed | (interruptActiveHigh ? ADXL355.rangeInterruptActiveHigh : 0) | range.rawValue
        }
        /// `Filter` (0x28): HPF_CORNER[6:4], ODR_LPF[3:0].
        public var filterRegister: UInt8 { highPassCorner.rawValue << 4 | outputDataRate.rawValue }
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

    /// One x/y/z reading as the chip's 20-bit two's-complement numbers.
    public struct RawSample: Sendable, Hashable {
        public var x: Int32
        public var y: Int32
        public var z: Int32

        public init(x: Int32, y: Int32, z: Int32) {
            self.x = x
            self.y = y
            self.z = z
        }

        /// Decodes the 9 bytes XDATA3…ZDATA1 (0x08…0x10).
        public init(dataRegisters b: [UInt8]) {
            precondition(b.count == 9)
            x = ADXL355.decode20(b[0], b[1], b[2])
            y = ADXL355.decode20(b[3], b[4], b[5])
            z = ADXL355.decode20(b[6], b[7], b[8])
        }

        /// In g at `range`'s typical sensitivity.
        public func inG(_ range: Range) -> Sample {
            let lsbPerG = range.sensitivityLSBPerG
            return Sample(xG: Double(x) / lsbPerG, yG: Double(y) / lsbPerG, zG: Double(z) / lsbPerG)
        }
    }

    /// What one `readFIFO()` found.
    public struct FIFOReadout: Sendable, Hashable {
        /// Whole x/y/z samples, oldest first.
        public var samples: [Sample]
        /// FIFO_OVR was set: the FIFO overran since the last STATUS read and samples were lost before this read.
        public var overrun: Bool
        /// FIFO_FULL was set: the FIFO held at least the watermark when the status was read.
        public var watermarkReached: Bool
        /// FIFO_ENTRIES before the read.
        public var entriesAvailable: Int
        /// Entries read but not part of a whole sample (a y/z entry before the first x marker, or a sample cut short
        /// by the end of the read): lost, as the chip has popped them.
        public var discardedEntries: Int
    }

    /// Outcome of `selfTest()`: the output change per axis and whether each lies inside the data sheet's limits.
    public struct SelfTestResult: Sendable, Hashable {
        /// Mean output with ST1 and ST2 set minus mean output with ST1 alone, in g.
        public var deltaG: Sample
        public var xPassed: Bool
        public var yPassed: Bool
        public var zPassed: Bool
        /// All three axes inside their limits.
        public var passed: Bool { xPassed && yPassed && zPassed }
    }

    /// The chip on its bus (0x1D or 0x53).
    public let device: any I2CDevice
    /// REVID as read at creation.
    public let revisionID: UInt8
    /// The settings last written by `configure(_:)` (or at creation).
    public private(set) var configuration: Configuration
    /// Pause between STATUS reads while waiting for NVM_BUSY or DATA_RDY.
    public var pollInterval: Duration
    /// How long to wait for NVM_BUSY to clear after a reset, and for DATA_RDY beyond four sample periods.
    public var timeout: Duration
    /// Largest single read of FIFO_DATA, rounded down to whole entries; 288 reads the full FIFO at once.
    public var maxFIFOReadLength: Int

    /// Reads the ID registers (0x00…0x03: DEVID_AD 0xAD, DEVID_MST 0x1D, PARTID 0xED, REVID) and checks the first
    /// three; touches nothing else.
    ///
    /// - Returns: REVID, the mask revision.
    @discardableResult
    public static func checkIdentity(_ device: any I2CDevice) async throws(I2CError) -> UInt8 {
        let ids = try await device.writeRead([Register.devidAD], readCount: 4)
        let expected: [(name: String, register: UInt8, value: UInt8, hint: String)] = [
            ("DEVID_AD", Register.devidAD, analogDevicesID, ""),
            ("DEVID_MST", Register.devidMST, memsID, ""),
            ("PARTID", Register.partID, partID, ids[2] == 0xE9 ? " (an ADXL359)" : ""),
        ]
        for (index, check) in expected.enumerated() where ids[index] != check.value {
            throw I2CError(
                .invalidResponse, bus: device.bus, address: device.address,
                operation: "read \(hex(Register.devidAD)) 4 bytes",
                detail: "\(check.name) (\(hex(check.register))) \(hex(ids[index])), expected \(hex(check.value))"
                    + check.hint)
        }
        return ids[3]
    }

    /// Checks identity, resets the chip and writes `configuration` (ending in measurement mode).
    ///
    /// Wire sequence: read 0x00 (4 bytes: DEVID_AD, DEVID_MST, PARTID, REVID) → write [0x2F, 0x52] → read 0x04 until
    /// NVM_BUSY is 0 → the writes of `configure(_:)`.
    public init(
        device: any I2CDevice, configuration: Configuration = Configuration(),
        pollInterval: Duration = .microseconds(250), timeout: Duration = .milliseconds(100),
        maxFIFOReadLength: Int = ADXL355.fifoCapacity * ADXL355.FIFOEntry.length
    ) async throws(I2CError) {
        precondition(maxFIFOReadLength >= FIFOEntry.length, "maxFIFOReadLength must hold one FIFO entry")
        let revision = try await Self.checkIdentity(device)
        self.device = device
        self.revisionID = revision
        self.configuration = configuration
        self.pollInterval = pollInterval
        self.timeout = timeout
        self.maxFIFOReadLength = maxFIFOReadLength
        try await reset()
        try await configure(configuration)
    }

    // MARK: Setup

    /// Resets the chip (0x52 to `Reset`, data sheet "Register Definitions", Reset register) and waits for NVM_BUSY
    /// to clear, as Analog Devices' own driver does before trusting the registers. The chip comes back in standby
    /// with reset values and an empty FIFO; call `configure(_:)` to measure again.
    public func reset() async throws(I2CError) {
        try await device.write([Register.reset, Self.resetCode])
        try await waitForStatus(what: "NVM_BUSY to clear after reset", limit: timeout) { !$0.contains(.nvmBusy) }
    }

    /// Writes the configuration and starts measuring. Range and Filter are written in standby (POWER_CTL = 0x01
    /// first): Analog Devices' own driver changes the filters only in standby, having seen wrong data when changing
    /// them while measuring. Then Range, Filter, FIFO_SAMPLES, INT_MAP, and POWER_CTL = 0x00 (measurement,
    /// temperature on, DRDY on). One register per write.
    public mutating func configure(_ configuration: Configuration) async throws(I2CError) {
        guard (1...Self.fifoCapacity).contains(configuration.fifoWatermarkEntries) else {
            throw I2CError(
                .invalidArgument, bus: device.bus, address: device.address, operation: "configure",
                detail: "FIFO watermark \(configuration.fifoWatermarkEntries) entries outside 1…\(Self.fifoCapacity)")
        }
        try await device.write([Register.powerCtl, Self.powerCtlStandby])
        try await device.write([Register.range, configuration.rangeRegister])
        try await device.write([Register.filter, configuration.filterRegister])
        try await device.write([Register.fifoSamples, UInt8(configuration.fifoWatermarkEntries)])
        try await device.write([Register.intMap, configuration.interruptMap.rawValue])
        try await device.write([Register.powerCtl, 0x00])
        self.configuration = configuration
    }

    /// What differs from the configuration `configure(_:)` wrote, or nil when nothing does: Range, Filter,
    /// FIFO_SAMPLES, INT_MAP and POWER_CTL (measuring). A brown-out or a stray reset leaves the chip in standby with
    /// reset values and an empty FIFO, which silences the gauge without a failed transfer.
    public func configurationDifference() async throws(I2CError) -> String? {
        // One read of 0x29…0x2D: FIFO_SAMPLES, INT_MAP, Sync (not used), Range, POWER_CTL.
        let read = try await device.writeRead([Register.fifoSamples], readCount: 5)
        let expected: [(name: String, index: Int, value: UInt8)] = [
            ("FIFO_SAMPLES", 0, UInt8(configuration.fifoWatermarkEntries)),
            ("INT_MAP", 1, configuration.interruptMap.rawValue), ("Range", 3, configuration.rangeRegister),
            ("POWER_CTL", 4, 0x00),
        ]
        var found: [String] = []
        for check in expected where read[check.index] != check.value {
            found.append("\(check.name) \(hex(read[check.index])) (expected \(hex(check.value)))")
        }
        let filter = try await device.readByte(register: Register.filter)
        if filter != configuration.filterRegister {
            found.append("Filter \(hex(filter)) (expected \(hex(configuration.filterRegister)))")
        }
        return found.isEmpty ? nil : found.joined(separator: ", ")
    }

    /// Writes the offset registers OFFSET_X_H…OFFSET_Z_L (0x1E…0x23) in one transfer. Each is 16-bit two's
    /// complement with the significance of data bits 19:4, so one offset LSB is 16 output LSB; the chip removes it
    /// from the output.
    public func setOffsetsRaw(x: Int16, y: Int16, z: Int16) async throws(I2CError) {
        var bytes = [Register.offsetXH]
        for value in [x, y, z] {
            let bits = UInt16(bitPattern: value)
            bytes += [UInt8(bits >> 8), UInt8(truncatingIfNeeded: bits)]
        }
        try await device.write(bytes)
    }

    /// Sets the offsets in g at the configured range (rounded to 16 output LSB: 62.5 µg at ±2 g). Changing the
    /// range later changes what the stored offsets mean in g.
    public func setOffsets(xG: Double, yG: Double, zG: Double) async throws(I2CError) {
        let lsbPerG = configuration.range.sensitivityLSBPerG / 16
        var raw: [Int16] = []
        for value in [xG, yG, zG] {
            let scaled = (value * lsbPerG).rounded()
            guard scaled.isFinite, scaled >= Double(Int16.min), scaled <= Double(Int16.max) else {
                throw I2CError(
                    .invalidArgument, bus: device.bus, address: device.address, operation: "set offsets",
                    detail: "offset \(value) g does not fit the 16-bit offset register at \(configuration.range)")
            }
            raw.append(Int16(scaled))
        }
        try await setOffsetsRaw(x: raw[0], y: raw[1], z: raw[2])
    }

    // MARK: Reading

    /// Reads STATUS (0x04). Reading it clears DATA_RDY and FIFO_OVR on the chip.
    public func readStatus() async throws(I2CError) -> Status {
        Status(rawValue: try await device.writeRead([Register.status], readCount: 1)[0])
    }

    /// Burst-reads XDATA3…ZDATA1 (0x08…0x10, 9 bytes) in one transfer, so all three axes belong to one conversion.
    public func readRaw() async throws(I2CError) -> RawSample {
        RawSample(dataRegisters: try await device.writeRead([Register.xdata3], readCount: 9))
    }

    /// The latest conversion in g at the configured range.
    public func readAcceleration() async throws(I2CError) -> Sample {
        try await readRaw().inG(configuration.range)
    }

    /// Reads TEMP2/TEMP1 (0x06, 2 bytes) and converts with the nominal intercept and slope:
    /// T = 25 °C + (raw − 1885) / −9.05. A result outside −40…125 °C is rejected as an invalid response.
    public func readTemperatureCelsius() async throws(I2CError) -> Double {
        let bytes = try await device.writeRead([Register.temp2], readCount: 2)
        let raw = Int(bytes[0] & 0x0F) << 8 | Int(bytes[1])
        let celsius = Self.temperatureCelsius(raw: raw)
        guard Self.temperatureRangeCelsius.contains(celsius) else {
            throw I2CError(
                .invalidResponse, bus: device.bus, address: device.address,
                operation: "read \(hex(Register.temp2)) 2 bytes",
                detail: "temperature \(raw) LSB = \(celsius) °C, outside \(Self.temperatureRangeCelsius) °C")
        }
        return celsius
    }

    /// The nominal transfer function of the temperature sensor.
    public static func temperatureCelsius(raw: Int) -> Double {
        temperatureInterceptCelsius + (Double(raw) - temperatureInterceptLSB) / temperatureSlopeLSBPerCelsius
    }

    /// Empties the FIFO's whole samples: reads STATUS and FIFO_ENTRIES (0x04, 2 bytes), then that many entries
    /// rounded down to whole samples from FIFO_DATA (0x11; the address does not advance, each 3 bytes pop one
    /// entry) in as few transfers as `maxFIFOReadLength` allows. Samples are re-aligned on the x-axis marker; entries
    /// outside a whole sample are counted in `discardedEntries`, and a last sample cut short by a misaligned FIFO
    /// head is completed from the entries beyond the rounded-down count. The overrun flag comes from the same STATUS read,
    /// which also clears it on the chip.
    public func readFIFO() async throws(I2CError) -> FIFOReadout {
        let head = try await device.writeRead([Register.status], readCount: 2)
        let status = Status(rawValue: head[0])
        let available = Int(head[1] & 0x7F)
        guard available <= Self.fifoCapacity else {
            throw I2CError(
                .invalidResponse, bus: device.bus, address: device.address,
                operation: "read \(hex(Register.status)) 2 bytes",
                detail: "FIFO_ENTRIES \(available), more than the \(Self.fifoCapacity)-entry FIFO")
        }
        // Entries are written one axis at a time: a count that is not a multiple of 3 has a sample in progress,
        // which stays in the FIFO for the next read.
        let toRead = available / 3 * 3
        var bytes = try await readFIFOEntries(toRead)
        // A FIFO whose head is inside a sample (an earlier read stopped mid-sample) shifts the read by one or two
        // entries, cutting the last sample short. Complete it from the entries left, so the next read starts on an
        // x marker again instead of staying out of step for good.
        let entriesRead = bytes.count / FIFOEntry.length
        let lastMarker = (max(0, entriesRead - 2)..<entriesRead).last {
            bytes[$0 * FIFOEntry.length + 2] & 0x03 == FIFOEntry.xAxisMarker
        }
        if let lastMarker {
            let missing = 3 - (entriesRead - lastMarker)
            if available - toRead >= missing { bytes += try await readFIFOEntries(missing) }
        }
        let (raw, discarded) = try parseFIFO(bytes, announced: available)
        return FIFOReadout(
            samples: raw.map { $0.inG(configuration.range) }, overrun: status.contains(.fifoOverrun),
            watermarkReached: status.contains(.fifoFull), entriesAvailable: available, discardedEntries: discarded)
    }

    /// Reads `count` entries from FIFO_DATA in transfers of at most `maxFIFOReadLength` bytes.
    private func readFIFOEntries(_ count: Int) async throws(I2CError) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(count * FIFOEntry.length)
        let chunkEntries = maxFIFOReadLength / FIFOEntry.length
        var remaining = count
        while remaining > 0 {
            let chunk = min(chunkEntries, remaining)
            bytes += try await device.writeRead([Register.fifoData], readCount: chunk * FIFOEntry.length)
            remaining -= chunk
        }
        return bytes
    }

    /// Splits FIFO_DATA bytes into x/y/z samples, starting each at an entry with the x-axis marker.
    func parseFIFO(_ bytes: [UInt8], announced: Int) throws(I2CError) -> (samples: [RawSample], discarded: Int) {
        let count = bytes.count / FIFOEntry.length
        func flags(_ index: Int) -> UInt8 { bytes[index * FIFOEntry.length + 2] & 0x03 }
        func value(_ index: Int) -> Int32 {
            let base = index * FIFOEntry.length
            return Self.decode20(bytes[base], bytes[base + 1], bytes[base + 2])
        }
        for index in 0..<count where flags(index) & FIFOEntry.emptyIndicator != 0 {
            throw I2CError(
                .invalidResponse, bus: device.bus, address: device.address,
                operation: "read \(hex(Register.fifoData)) \(bytes.count) bytes",
                detail: "entry \(index) has the empty flag although FIFO_ENTRIES was \(announced)")
        }
        var samples: [RawSample] = []
        var discarded = 0
        var index = 0
        while index < count {
            guard flags(index) == FIFOEntry.xAxisMarker else {
                discarded += 1
                index += 1
                continue
            }
            guard index + 2 < count else {
                discarded += count - index
                break
            }
            guard flags(index + 1) == 0, flags(index + 2) == 0 else {
                // An x marker where y or z belongs: this sample was cut; resynchronise on the next marker.
                discarded += 1
                index += 1
                continue
            }
            samples.append(RawSample(x: value(index), y: value(index + 1), z: value(index + 2)))
            index += 3
        }
        return (samples, discarded)
    }

    // MARK: Self-test

    /// The data sheet's self-test ("Self Test"): with ST1 set, average `samples` conversions; then with ST1 and ST2
    /// set, average again; the difference per axis is the self-test response, which must lie within
    /// `selfTestLimitsG` (x, y 0.1…0.6 g, z 0.5…3.0 g). The sensor must be still. Runs at ±8 g so that z (gravity
    /// plus up to 3 g) cannot clip, discards `settleSamples` conversions after each switch for the filter to
    /// settle, clears SELF_TEST and restores the configuration afterwards (also after a failed transfer, as far as
    /// the bus allows). The FIFO fills with self-test data meanwhile, and FIFO_OVR is cleared by the STATUS polls.
    public mutating func selfTest(samples: Int = 16, settleSamples: Int = 4) async throws(I2CError) -> SelfTestResult {
        precondition(samples > 0 && settleSamples >= 0, "self-test needs at least one sample")
        let saved = configuration
        var testConfiguration = configuration
        testConfiguration.range = .g8
        do throws(I2CError) {
            try await device.write([Register.powerCtl, Self.powerCtlStandby])
            try await device.write([Register.range, testConfiguration.rangeRegister])
            try await device.write([Register.selfTest, Self.selfTestST1])
            try await device.write([Register.powerCtl, 0x00])
            let baseline = try await averageRaw(samples: samples, discarding: settleSamples)
            try await device.write([Register.selfTest, Self.selfTestST1 | Self.selfTestST2])
            let excited = try await averageRaw(samples: samples, discarding: settleSamples)
            try await device.write([Register.selfTest, 0x00])
            try await configure(saved)
            let lsbPerG = Range.g8.sensitivityLSBPerG
            let delta = Sample(
                xG: (excited.x - baseline.x) / lsbPerG, yG: (excited.y - baseline.y) / lsbPerG,
                zG: (excited.z - baseline.z) / lsbPerG)
            let limits = Self.selfTestLimitsG
            return SelfTestResult(
                deltaG: delta, xPassed: limits.x.contains(delta.xG), yPassed: limits.y.contains(delta.yG),
                zPassed: limits.z.contains(delta.zG))
        } catch {
            // Best effort: never leave the proof mass deflected or the range at ±8 g behind a failed transfer.
            try? await device.write([Register.selfTest, 0x00])
            try? await configure(saved)
            throw error
        }
    }

    /// Waits for DATA_RDY and reads the data registers, `discarding` + `samples` times; returns the mean of the
    /// last `samples` readings in LSB.
    private func averageRaw(samples: Int, discarding: Int) async throws(I2CError) -> (x: Double, y: Double, z: Double) {
        var sum = (x: 0.0, y: 0.0, z: 0.0)
        // Four sample periods: the first conversion after a switch may take up to one period, plus slack.
        let limit = configuration.outputDataRate.period * 4 + timeout
        for index in 0..<(discarding + samples) {
            try await waitForStatus(what: "DATA_RDY", limit: limit) { $0.contains(.dataReady) }
            let raw = try await readRaw()
            guard index >= discarding else { continue }
            sum.x += Double(raw.x)
            sum.y += Double(raw.y)
            sum.z += Double(raw.z)
        }
        let n = Double(samples)
        return (sum.x / n, sum.y / n, sum.z / n)
    }

    /// Polls STATUS until `done` holds, for at most `limit`.
    private func waitForStatus(what: String, limit: Duration, _ done: (Status) -> Bool) async throws(I2CError) {
        let clock = ContinuousClock()
        let deadline = clock.now + limit
        while true {
            let status = try await readStatus()
            if done(status) { return }
            guard clock.now < deadline else {
                throw I2CError(
                    .busError, bus: device.bus, address: device.address, operation: "read \(hex(Register.status))",
                    detail: "timed out after \(limit) waiting for \(what) (STATUS \(hex(status.rawValue)))")
            }
            // Sleep failing means the task was cancelled; the next poll or the deadline ends the loop.
            try? await Task.sleep(for: pollInterval)
        }
    }
}
