/// A status LED: either a kernel LED class device or a plain GPIO line the daemon drives itself.
public struct BoardStatusLED: Hashable, Sendable {
    /// How the LED is reached.
    public enum Control: Hashable, Sendable {
        /// `/sys/class/leds/<name>`: write `brightness`, or choose a `trigger`.
        case sysfs(path: String)
        /// A GPIO line of the same board, by header name (aliases are resolved while loading).
        case gpioLine(String)
    }

    /// The name configurations use (`act`).
    public var name: String
    /// How the LED is switched.
    public var control: Control
    /// Remarks from the board file (which physical LED, naming across kernels).
    public var note: String?

    /// An LED as the board file describes it.
    public init(name: String, control: Control, note: String? = nil) {
        self.name = name
        self.control = control
        self.note = note
    }
}
