import CI2C
import Glibc
public import HAL
import Locking
import SystemPackage

/// An I²C bus through the Linux i2c-dev interface (`/dev/i2c-N`).
///
/// Plain transfers use the `I2C_RDWR` ioctl (a write-then-read is one ioctl with two messages: repeated START, one
/// STOP); SMBus calls use libi2c's `i2c_smbus_*`. Adapters without `I2C_FUNC_I2C` (SMBus-only controllers, the
/// kernel's i2c-stub) get SMBus equivalents where one exists, notably I²C-block reads for register reads.
///
/// One file descriptor serves every device on the bus; a lock serialises transfers because the target address
/// (`I2C_SLAVE`) is state of the descriptor. Transfers block for at most the adapter's timeout, which is short
/// enough to run on the caller's task rather than a dedicated thread.
public final class LinuxI2CBus: I2CBus {
    /// `i2c-1` for `/dev/i2c-1`.
    public let name: String
    /// The device node.
    public let path: String
    /// The adapter's functionality mask from the `I2C_FUNCS` ioctl (`I2C_FUNC_*` bits).
    public let functionality: UInt

    let port: I2CPort

    /// Opens `/dev/i2c-<number>`.
    public convenience init(number: Int) throws(I2CError) {
        try self.init(path: "/dev/i2c-\(number)")
    }

    /// Opens an i2c-dev node (`open`, then the `I2C_FUNCS` ioctl). A missing node or one without permission gives
    /// `.busUnavailable` with the `errno` text.
    public init(path: String) throws(I2CError) {
        let name = path.split(separator: "/").last.map(String.init) ?? path
        let fd: FileDescriptor
        do {
            fd = try FileDescriptor.open(FilePath(path), .readWrite, options: [.closeOnExec], retryOnInterrupt: true)
        } catch {
            let code = (error as? Errno)?.rawValue ?? EIO
            let busCode: I2CError.Code =
                [ENOENT, ENODEV, ENXIO, EACCES, EPERM].contains(code) ? .busUnavailable : .busError
            throw I2CError.busFailure(busCode, bus: name, operation: "open \(path)", cause: SystemCause(errno: code))
        }
        var functions: UInt = 0
        let queried = retryingEINTR { ioctl(fd.rawValue, UInt(I2C_FUNCS), &functions) }
        if case .failure(let failure) = queried {
            try? fd.close()
            // Not an i2c-dev node (ENOTTY), or a broken adapter.
            throw I2CError.busFailure(.busUnavailable, bus: name, operation: "query I2C_FUNCS", cause: failure.cause)
        }
        self.name = name
        self.path = path
        self.functionality = functions
        self.port = I2CPort(fd: fd)
    }

    /// Whether the adapter does plain I²C messages (`I2C_FUNC_I2C`); without it only SMBus transfers work.
    public var supportsPlainI2C: Bool { functionality & UInt(I2C_FUNC_I2C) != 0 }

    /// A handle for `address`; no bus traffic until the first transfer.
    public func device(at address: I2CAddress) async throws(I2CError) -> any I2CDevice {
        LinuxI2CDevice(bus: self, address: address)
    }

    /// Maps an i2c-dev `errno` to an error code.
    static func code(for errno: Int32) -> I2CError.Code {
        switch errno {
        // ENXIO: address NACK on most adapters; EREMOTEIO: NACK on others (i2c-designware, i2c-bcm2835);
        // ENODEV: what i2c-stub answers for an address it has no chip at (measured on Debian's 6.1 kernel).
        case ENXIO, EREMOTEIO, ENODEV: .nack
        case EOPNOTSUPP, ENOTSUP: .unsupported
        case EBUSY: .busy
        case EINVAL, EMSGSIZE: .invalidArgument
        // ETIMEDOUT: bus stuck; EAGAIN: arbitration lost; EIO: generic adapter failure.
        default: .busError
        }
    }
}

/// Owns the bus's file descriptor and the address it is set to; closed when the bus goes away.
final class I2CPort: Sendable {
    private let state: Lock<(fd: FileDescriptor, address: I2CAddress?)>

    init(fd: FileDescriptor) {
        self.state = Lock((fd, nil))
    }

    /// Runs one transfer with the bus to itself. With `address`, selects the target first (`I2C_SLAVE`), which the
    /// SMBus calls need; `I2C_RDWR` carries the address in each message and passes `nil`.
    func withBus<T>(
        address: I2CAddress?, _ body: (Int32) -> Result<T, SystemCallFailure>
    ) -> Result<T, SystemCallFailure> {
        state.withLock { state in
            let fd = state.fd.rawValue
            if let address, state.address != address {
                // EBUSY here means a kernel driver owns the address; we never force it (I2C_SLAVE_FORCE), as
                // talking past a bound driver corrupts its view of the chip.
                let selected = retryingEINTR { ioctl(fd, UInt(I2C_SLAVE), Int32(address.rawValue)) }
                if case .failure(let failure) = selected { return .failure(failure) }
                state.address = address
            }
            return body(fd)
        }
    }

    deinit {
        state.withLock { state in try? state.fd.close() }
    }
}
