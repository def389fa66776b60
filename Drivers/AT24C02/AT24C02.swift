public import HAL

/// Driver for the AT24C02 2-Kbit I²C EEPROM, written against `I2CDevice` only.
///
/// Reads are random reads (data word address, repeated START, read) in chunks of at most `maxReadLength` bytes, so
/// that SMBus-only adapters (I²C block read, 32 bytes) work too. Writes are split at 8-byte page boundaries, since the
/// chip wraps inside a page rather than crossing into the next; after each page the driver polls for the
/// acknowledge that ends the write cycle (datasheet "Write Operations", ACKNOWLEDGE POLLING), for at most
/// `writeCycleTimeout`.
public struct AT24C02: Sendable {
    /// The chip on its bus.
    public let device: any I2CDevice
    /// How long acknowledge polling waits for a write cycle before giving up; well above tWR (5 ms) so a slow part at
    /// low voltage still passes, bounded so a missing chip fails fast.
    public var writeCycleTimeout: Duration
    /// Pause between acknowledge polls; each failed poll costs a bus transaction, so don't spin.
    public var pollInterval: Duration
    /// Largest single read; 32 is the SMBus I²C-block limit.
    public var maxReadLength: Int

    /// - Parameters:
    ///   - device: the chip at 0x50…0x57 (`AT24C02.address(a2:a1:a0:)`).
    ///   - writeCycleTimeout: the bound on acknowledge polling after each page write.
    ///   - pollInterval: the pause between polls.
    ///   - maxReadLength: the largest single read transfer.
    public init(
        device: any I2CDevice, writeCycleTimeout: Duration = .milliseconds(25),
        pollInterval: Duration = .microseconds(500),
        maxReadLength: Int = 32
    ) {
        precondition(maxReadLength > 0, "maxReadLength must be positive")
        self.device = device
        self.writeCycleTimeout = writeCycleTimeout
        self.pollInterval = pollInterval
        self.maxReadLength = maxReadLength
    }

    /// Reads `count` bytes starting at `address` (datasheet "Read Operations", RANDOM READ then SEQUENTIAL READ).
    /// The range must stay inside the 256-byte array: the chip would roll over to 0x00, which is never what a caller
    /// of a flat read means.
    public func read(from address: UInt8, count: Int) async throws(I2CError) -> [UInt8] {
        try checkRange(address, count, operation: "read \(hex(address))")
        var result: [UInt8] = []
        result.reserveCapacity(count)
        var next = Int(address)
        while result.count < count {
            let length = min(maxReadLength, count - result.count)
            result += try await device.writeRead([UInt8(next)], readCount: length)
            next += length
        }
        return result
    }

    /// Writes `bytes` starting at `address`, one page write per 8-byte page touched, each followed by acknowledge
    /// polling (datasheet "Write Operations", PAGE WRITE).
    public func write(_ bytes: [UInt8], at address: UInt8) async throws(I2CError) {
        try checkRange(address, bytes.count, operation: "write \(hex(address))")
        var next = Int(address)
        var remaining = bytes[...]
        while !remaining.isEmpty {
            let room = Self.pageStart(of: next) + Self.pageSize - next
            let chunk = remaining.prefix(room)
            try await device.write([UInt8(next)] + chunk)
            next += chunk.count
            remaining = remaining.dropFirst(chunk.count)
            try await waitForWriteCycle(after: UInt8(next - chunk.count))
        }
    }

    /// Polls the chip until it acknowledges its address again, i.e. the internal write cycle has ended.
    /// Each poll writes only the data word address: that moves the address pointer but starts no write cycle.
    public func waitForWriteCycle(after address: UInt8) async throws(I2CError) {
        let clock = ContinuousClock()
        let deadline = clock.now + writeCycleTimeout
        while true {
            do throws(I2CError) {
                try await device.write([address])
                return
            } catch  where error.code == .nack {
                guard clock.now < deadline else {
                    throw I2CError(
                        .nack, bus: device.bus, address: device.address,
                        operation: "acknowledge polling after write \(hex(address))",
                        detail: "write cycle not finished after \(writeCycleTimeout)")
                }
            }
            // Sleep failing means the task was cancelled; the next poll or the deadline ends the loop.
            try? await Task.sleep(for: pollInterval)
        }
    }

    private func checkRange(_ address: UInt8, _ count: Int, operation: String) throws(I2CError) {
        guard count > 0, Int(address) + count <= Self.memorySize else {
            throw I2CError(
                .invalidArgument, bus: device.bus, address: device.address, operation: operation,
                detail: "\(count) bytes from \(hex(address)) do not fit the \(Self.memorySize)-byte array")
        }
    }
}
