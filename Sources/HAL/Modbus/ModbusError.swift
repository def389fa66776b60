/// A failed Modbus transaction, naming the endpoint, unit, operation and cause.
///
/// Reads like `rtu:/dev/serial/by-id/usb-FTDI…@9600 unit 3 read input registers 0+2: timeout after 200 ms`.
public struct ModbusError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Code: Hashable, Sendable, CustomStringConvertible {
        /// The device answered with a Modbus exception.
        case exception(ModbusExceptionCode)
        /// No (complete) answer within the response timeout: device silent, unplugged or wrong unit ID.
        case timeout
        /// A frame arrived with a bad CRC (RTU): noise, wrong baud rate or two talkers.
        case badCRC
        /// The answer was well-formed but did not match the request (wrong unit, function or length).
        case invalidResponse
        /// The port or connection could not be opened or was lost.
        case connection
        /// The request itself was invalid (count out of range, address overflow).
        case invalidArgument
        /// Any other operating-system failure; see `cause`.
        case io

        public var description: String {
            switch self {
            case .exception(let code): "exception \(code.rawValue) (\(code))"
            case .timeout: "timeout"
            case .badCRC: "CRC error"
            case .invalidResponse: "invalid response"
            case .connection: "connection failed"
            case .invalidArgument: "invalid argument"
            case .io: "I/O error"
            }
        }
    }

    public var code: Code
    /// `tcp:127.0.0.1:502` or `rtu:/dev/ttyUSB0@9600`.
    public var endpoint: String
    public var unit: ModbusUnitID?
    /// `read holding registers 100+4`, `write single coil 3`, …
    public var operation: String
    public var cause: SystemCause?
    public var detail: String?

    public init(
        _ code: Code, endpoint: String, unit: ModbusUnitID? = nil, operation: String, cause: SystemCause? = nil,
        detail: String? = nil
    ) {
        self.code = code
        self.endpoint = endpoint
        self.unit = unit
        self.operation = operation
        self.cause = cause
        self.detail = detail
    }

    public var description: String {
        var text = endpoint
        if let unit { text += " \(unit)" }
        text += " \(operation): \(code)"
        if let detail { text += " (\(detail))" }
        if let cause { text += ": \(cause)" }
        return text
    }
}
