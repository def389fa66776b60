/// A failed I²C transfer, naming bus, address, operation and cause.
///
/// Reads like `i2c-1@0x76 read 0xD0: Remote I/O error (errno 121)`.
public struct I2CError: Error, Hashable, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        let name: String
        /// Nobody acknowledged the address (or a data byte): absent, unpowered or wrong address.
        public static let nack = Code(name: "no acknowledge")
        /// The bus could not be opened (`/dev/i2c-N` missing or no permission).
        public static let busUnavailable = Code(name: "bus unavailable")
        /// The adapter cannot do this kind of transfer (e.g. plain I²C on an SMBus-only adapter).
        public static let unsupported = Code(name: "not supported by adapter")
        /// Arbitration lost, bus stuck, timeout or another adapter failure.
        public static let busError = Code(name: "bus error")
        /// A device answered with bytes that make no sense (wrong chip ID, bad CRC, impossible value).
        public static let invalidResponse = Code(name: "invalid response")
        /// A bad request (e.g. zero-length read, too long for the adapter).
        public static let invalidArgument = Code(name: "invalid argument")
        /// A kernel driver already claims the address (`EBUSY` from the `I2C_SLAVE` ioctl).
        public static let busy = Code(name: "address busy")
        public var description: String { name }
    }

    public var code: Code
    /// The bus as the kernel names it (`i2c-1`), or the simulated bus's name.
    public var bus: String
    public var address: I2CAddress
    /// What was attempted: `read 0xD0`, `write 3 bytes`, `write-read 0xF7 8 bytes`, `probe`.
    public var operation: String
    public var cause: SystemCause?
    public var detail: String?
    /// Set for failures of the bus itself (opening `/dev/i2c-N`), where `address` means nothing and the
    /// description leaves it out.
    public var concernsBusOnly: Bool = false

    public init(
        _ code: Code, bus: String, address: I2CAddress, operation: String, cause: SystemCause? = nil,
        detail: String? = nil
    ) {
        self.code = code
        self.bus = bus
        self.address = address
        self.operation = operation
        self.cause = cause
        self.detail = detail
    }

    /// A failure of the bus as a whole, e.g. `i2c-99 open /dev/i2c-99: No such file or directory (errno 2)`.
    /// `address` is the general-call address 0x00, which no target owns.
    public static func busFailure(
        _ code: Code, bus: String, operation: String, cause: SystemCause? = nil, detail: String? = nil
    ) -> I2CError {
        var error = I2CError(code, bus: bus, address: 0x00, operation: operation, cause: cause, detail: detail)
        error.concernsBusOnly = true
        return error
    }

    public var description: String {
        var text = concernsBusOnly ? "\(bus) \(operation): " : "\(bus)@\(address) \(operation): "
        if let cause { text += cause.description } else { text += code.description }
        if let detail { text += " (\(detail))" }
        return text
    }
}
