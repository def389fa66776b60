/// An I²C bus: hands out devices by address. Backends: `HALLinux.LinuxI2CBus` (i2c-dev), `HALSim.SimulatedI2CBus`.
public protocol I2CBus: Sendable {
    /// `i2c-1` for `/dev/i2c-1`; the simulated bus's name otherwise.
    var name: String { get }
    /// A handle for the device at `address`. Opening never touches the bus; the first transfer does.
    func device(at address: I2CAddress) async throws(I2CError) -> any I2CDevice
}

/// One target on an I²C bus. Transfers are atomic with respect to other users of the same bus.
public protocol I2CDevice: Sendable {
    var bus: String { get }
    var address: I2CAddress { get }

    /// Writes bytes in one transfer (START, address+W, bytes, STOP).
    func write(_ bytes: [UInt8]) async throws(I2CError)
    /// Reads `count` bytes in one transfer (START, address+R, bytes, STOP).
    func read(count: Int) async throws(I2CError) -> [UInt8]
    /// Writes then reads with a repeated START between, no STOP (the usual register read).
    /// Corresponds to one `I2C_RDWR` ioctl with two messages.
    func writeRead(_ bytes: [UInt8], readCount: Int) async throws(I2CError) -> [UInt8]

    /// SMBus "read byte data": register, repeated start, one byte.
    func readByte(register: UInt8) async throws(I2CError) -> UInt8
    /// SMBus "write byte data".
    func writeByte(register: UInt8, value: UInt8) async throws(I2CError)
    /// SMBus "read word data": two bytes, least significant first (SMBus order).
    func readWord(register: UInt8) async throws(I2CError) -> UInt16
    /// SMBus "write word data": two bytes, least significant first.
    func writeWord(register: UInt8, value: UInt16) async throws(I2CError)
    /// Reads `count` (1…32) bytes from consecutive registers (SMBus "I²C block read").
    func readBlock(register: UInt8, count: Int) async throws(I2CError) -> [UInt8]
    /// Writes up to 32 bytes to consecutive registers (SMBus "I²C block write").
    func writeBlock(register: UInt8, bytes: [UInt8]) async throws(I2CError)
}

extension I2CDevice {
    // Defaults in terms of plain I²C transfers; the Linux backend overrides them with real SMBus calls so that
    // SMBus-only adapters work.
    public func readByte(register: UInt8) async throws(I2CError) -> UInt8 {
        let bytes = try await writeRead([register], readCount: 1)
        return bytes[0]
    }

    public func writeByte(register: UInt8, value: UInt8) async throws(I2CError) {
        try await write([register, value])
    }

    public func readWord(register: UInt8) async throws(I2CError) -> UInt16 {
        let bytes = try await writeRead([register], readCount: 2)
        return UInt16(bytes[0]) | UInt16(bytes[1]) << 8
    }

    public func writeWord(register: UInt8, value: UInt16) async throws(I2CError) {
        try await write([register, UInt8(truncatingIfNeeded: value), UInt8(truncatingIfNeeded: value >> 8)])
    }

    public func readBlock(register: UInt8, count: Int) async throws(I2CError) -> [UInt8] {
        guard (1...32).contains(count) else {
            throw I2CError(
                .invalidArgument, bus: bus, address: address, operation: "block read \(hex(register))",
                detail: "count \(count) outside 1…32")
        }
        return try await writeRead([register], readCount: count)
    }

    public func writeBlock(register: UInt8, bytes: [UInt8]) async throws(I2CError) {
        guard (1...32).contains(bytes.count) else {
            throw I2CError(
                .invalidArgument, bus: bus, address: address, operation: "block write \(hex(register))",
                detail: "length \(bytes.count) outside 1…32")
        }
        try await write([register] + bytes)
    }
}
