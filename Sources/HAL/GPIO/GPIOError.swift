/// A failed GPIO operation, naming the chip, the line and what was attempted.
///
/// Reads like `gpiochip0:17 request input: Device or resource busy (errno 16)`.
public struct GPIOError: Error, Hashable, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        let name: String
        /// The chip does not exist (no such name or label).
        public static let chipNotFound = Code(name: "chip not found")
        /// The offset is past the chip's last line.
        public static let lineNotFound = Code(name: "line not found")
        /// Another consumer holds the line.
        public static let busy = Code(name: "line busy")
        /// The backend or kernel does not support what was asked (e.g. bias on an old kernel).
        public static let unsupported = Code(name: "not supported")
        /// The line was released or the chip closed.
        public static let released = Code(name: "line released")
        /// Any other operating-system failure; see `cause`.
        public static let io = Code(name: "I/O error")
        public var description: String { name }
    }

    public var code: Code
    /// Chip and line; the offset is `nil` for chip-level failures.
    public var chip: String
    public var offset: GPIOLineOffset?
    /// What was attempted: `request input`, `set value`, `read edge event`, …
    public var operation: String
    public var cause: SystemCause?
    public var detail: String?

    public init(
        _ code: Code, chip: String, offset: GPIOLineOffset? = nil, operation: String, cause: SystemCause? = nil,
        detail: String? = nil
    ) {
        self.code = code
        self.chip = chip
        self.offset = offset
        self.operation = operation
        self.cause = cause
        self.detail = detail
    }

    public var description: String {
        let place = offset.map { "\(chip):\($0)" } ?? chip
        var text = "\(place) \(operation): "
        if let cause { text += cause.description } else { text += code.description }
        if let detail { text += " (\(detail))" }
        return text
    }
}
