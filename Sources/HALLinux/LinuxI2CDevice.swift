import CI2C
import Glibc
import HAL

/// One target on a `LinuxI2CBus`. Plain transfers go through `I2C_RDWR`; SMBus calls through libi2c.
final class LinuxI2CDevice: I2CDevice {
    let linuxBus: LinuxI2CBus
    let address: I2CAddress

    init(bus: LinuxI2CBus, address: I2CAddress) {
        self.linuxBus = bus
        self.address = address
    }

    var bus: String { linuxBus.name }

    /// One write message (`I2C_RDWR`). SMBus-only adapters: quick write, send byte, write byte data or I²C-block
    /// write, by length.
    func write(_ bytes: [UInt8]) async throws(I2CError) {
        let operation = "write \(bytes.count) bytes"
        guard linuxBus.supportsPlainI2C else {
            _ = try smbus(operation) { fd in
                switch bytes.count {
                case 0: i2c_smbus_write_quick(fd, UInt8(I2C_SMBUS_WRITE))
                case 1: i2c_smbus_write_byte(fd, bytes[0])
                case 2: i2c_smbus_write_byte_data(fd, bytes[0], bytes[1])
                case 3...(Int(I2C_SMBUS_BLOCK_MAX) + 1):
                    Array(bytes.dropFirst()).withUnsafeBufferPointer { rest in
                        i2c_smbus_write_i2c_block_data(fd, bytes[0], UInt8(rest.count), rest.baseAddress)
                    }
                default: -EMSGSIZE
                }
            }
            return
        }
        var data = bytes
        try data.withUnsafeMutableBufferPointer { (buffer) throws(I2CError) in
            var messages = [message(flags: 0, buffer)]
            try rdwr(&messages, operation)
        }
    }

    /// One read message (`I2C_RDWR`). SMBus-only adapters: receive byte for one byte, otherwise `.unsupported`.
    func read(count: Int) async throws(I2CError) -> [UInt8] {
        let operation = "read \(count) bytes"
        try check(count, operation)
        guard linuxBus.supportsPlainI2C else {
            guard count == 1 else { throw unsupported(operation) }
            return [UInt8(truncatingIfNeeded: try smbus(operation) { fd in i2c_smbus_read_byte(fd) })]
        }
        var data = [UInt8](repeating: 0, count: count)
        try data.withUnsafeMutableBufferPointer { (buffer) throws(I2CError) in
            var messages = [message(flags: UInt16(I2C_M_RD), buffer)]
            try rdwr(&messages, operation)
        }
        return data
    }

    /// Write then read in one `I2C_RDWR` ioctl with two messages: a repeated START between them, one STOP at the
    /// end. SMBus-only adapters: a one-byte write followed by a read of up to 32 bytes becomes an SMBus I²C-block
    /// read (`i2c_smbus_read_i2c_block_data`), which is the same bytes on the wire.
    func writeRead(_ bytes: [UInt8], readCount: Int) async throws(I2CError) -> [UInt8] {
        let operation = "write-read \(bytes.first.map(hex) ?? "[]") \(readCount) bytes"
        try check(readCount, operation)
        guard linuxBus.supportsPlainI2C else {
            guard bytes.count == 1, readCount <= Int(I2C_SMBUS_BLOCK_MAX) else { throw unsupported(operation) }
            return try smbusBlockRead(register: bytes[0], count: readCount, operation)
        }
        var request = bytes
        var reply = [UInt8](repeating: 0, count: readCount)
        try request.withUnsafeMutableBufferPointer { (out) throws(I2CError) in
            try reply.withUnsafeMutableBufferPointer { (into) throws(I2CError) in
                var messages = [message(flags: 0, out), message(flags: UInt16(I2C_M_RD), into)]
                try rdwr(&messages, operation)
            }
        }
        return reply
    }

    /// `i2c_smbus_read_byte_data`.
    func readByte(register: UInt8) async throws(I2CError) -> UInt8 {
        UInt8(truncatingIfNeeded: try smbus("read \(hex(register))") { fd in i2c_smbus_read_byte_data(fd, register) })
    }

    /// `i2c_smbus_write_byte_data`.
    func writeByte(register: UInt8, value: UInt8) async throws(I2CError) {
        _ = try smbus("write \(hex(register))") { fd in i2c_smbus_write_byte_data(fd, register, value) }
    }

    /// `i2c_smbus_read_word_data` (least significant byte first, as SMBus defines).
    func readWord(register: UInt8) async throws(I2CError) -> UInt16 {
        UInt16(
            truncatingIfNeeded: try smbus("read word \(hex(register))") { fd in
                i2c_smbus_read_word_data(fd, register)
            })
    }

    /// `i2c_smbus_write_word_data`.
    func writeWord(register: UInt8, value: UInt16) async throws(I2CError) {
        _ = try smbus("write word \(hex(register))") { fd in i2c_smbus_write_word_data(fd, register, value) }
    }

    /// `i2c_smbus_read_i2c_block_data`, 1…32 bytes.
    func readBlock(register: UInt8, count: Int) async throws(I2CError) -> [UInt8] {
        let operation = "block read \(hex(register))"
        guard (1...Int(I2C_SMBUS_BLOCK_MAX)).contains(count) else {
            throw I2CError(
                .invalidArgument, bus: bus, address: address, operation: operation,
                detail: "count \(count) outside 1…32")
        }
        return try smbusBlockRead(register: register, count: count, operation)
    }

    /// `i2c_smbus_write_i2c_block_data`, 1…32 bytes.
    func writeBlock(register: UInt8, bytes: [UInt8]) async throws(I2CError) {
        let operation = "block write \(hex(register))"
        guard (1...Int(I2C_SMBUS_BLOCK_MAX)).contains(bytes.count) else {
            throw I2CError(
                .invalidArgument, bus: bus, address: address, operation: operation,
                detail: "length \(bytes.count) outside 1…32")
        }
        _ = try smbus(operation) { fd in
            bytes.withUnsafeBufferPointer { buffer in
                i2c_smbus_write_i2c_block_data(fd, register, UInt8(bytes.count), buffer.baseAddress)
            }
        }
    }

    // MARK: Private

    private func smbusBlockRead(register: UInt8, count: Int, _ operation: String) throws(I2CError) -> [UInt8] {
        var data = [UInt8](repeating: 0, count: count)
        let received = try smbus(operation) { fd in
            data.withUnsafeMutableBufferPointer { buffer in
                i2c_smbus_read_i2c_block_data(fd, register, UInt8(count), buffer.baseAddress)
            }
        }
        // Some adapters return fewer bytes than asked; a short read is not data.
        guard Int(received) == count else {
            throw I2CError(
                .invalidResponse, bus: bus, address: address, operation: operation,
                detail: "got \(received) of \(count) bytes")
        }
        return data
    }

    private func message(flags: UInt16, _ buffer: UnsafeMutableBufferPointer<UInt8>) -> i2c_msg {
        i2c_msg(addr: UInt16(address.rawValue), flags: flags, len: UInt16(buffer.count), buf: buffer.baseAddress)
    }

    /// The `I2C_RDWR` ioctl: every message in one transfer, STOP only after the last.
    private func rdwr(_ messages: inout [i2c_msg], _ operation: String) throws(I2CError) {
        let result = messages.withUnsafeMutableBufferPointer { list in
            linuxBus.port.withBus(address: nil) { fd in
                var transfer = i2c_rdwr_ioctl_data(msgs: list.baseAddress, nmsgs: UInt32(list.count))
                return retryingEINTR { ioctl(fd, UInt(I2C_RDWR), &transfer) }
            }
        }
        if case .failure(let failure) = result { throw error(failure, operation) }
    }

    /// A libi2c call, which needs the target selected with `I2C_SLAVE` first and returns `-errno` on failure.
    private func smbus(_ operation: String, _ call: (Int32) -> Int32) throws(I2CError) -> Int32 {
        let result = linuxBus.port.withBus(address: address) { fd in retryingEINTR(negativeErrno: { call(fd) }) }
        switch result {
        case .success(let value): return value
        case .failure(let failure): throw error(failure, operation)
        }
    }

    private func error(_ failure: SystemCallFailure, _ operation: String) -> I2CError {
        I2CError(
            LinuxI2CBus.code(for: failure.errno), bus: bus, address: address, operation: operation,
            cause: failure.cause)
    }

    private func unsupported(_ operation: String) -> I2CError {
        I2CError(
            .unsupported, bus: bus, address: address, operation: operation,
            detail: "adapter lacks I2C_FUNC_I2C and no SMBus transfer does this")
    }

    private func check(_ count: Int, _ operation: String) throws(I2CError) {
        guard count > 0, count <= Int(UInt16.max) else {
            throw I2CError(
                .invalidArgument, bus: bus, address: address, operation: operation,
                detail: "read length \(count)")
        }
    }
}
