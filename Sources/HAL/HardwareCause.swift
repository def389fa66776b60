/// Why a hardware operation failed at the operating-system level: the `errno` value and its text.
///
/// The HAL itself never touches C; backends fill this in from `errno`/`strerror` so that every error message can
/// say `Remote I/O error (errno 121)` the way a technician would see it from `i2cget`.
public struct SystemCause: Hashable, Sendable, CustomStringConvertible {
    /// The raw `errno` value.
    public var errno: Int32
    /// The text `strerror(errno)` gives for it.
    public var message: String

    public init(errno: Int32, message: String) {
        self.errno = errno
        self.message = message
    }

    public var description: String { "\(message) (errno \(errno))" }
}
