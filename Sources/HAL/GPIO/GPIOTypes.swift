/// A line's logical value. Whether `.active` is a high or low voltage is the line's `activeLow` setting,
/// so device logic never reasons about electrical levels (libgpiod semantics).
public enum GPIOValue: Sendable, Hashable {
    case active
    case inactive

    public init(_ isActive: Bool) { self = isActive ? .active : .inactive }
    public var isActive: Bool { self == .active }
    public var toggled: GPIOValue { self == .active ? .inactive : .active }
}

/// Internal bias of an input line. `.asIs` leaves whatever the firmware or device tree configured.
public enum GPIOBias: String, Sendable, Hashable, Codable {
    case asIs = "as-is"
    case disabled
    case pullUp = "pull-up"
    case pullDown = "pull-down"
}

/// Output drive of a line.
public enum GPIODrive: String, Sendable, Hashable, Codable {
    case pushPull = "push-pull"
    case openDrain = "open-drain"
    case openSource = "open-source"
}

/// Which logical transitions an input line reports as events.
public enum GPIOEdgeDetection: String, Sendable, Hashable, Codable {
    case none
    case rising
    case falling
    case both
}

/// One edge on an input line, in logical terms: `.rising` means the line became `.active`.
public struct GPIOEdgeEvent: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        case rising
        case falling

        /// The logical value the line has after this edge.
        public var value: GPIOValue { self == .rising ? .active : .inactive }
    }

    public var kind: Kind
    /// When the edge happened, on the monotonic clock in nanoseconds (the kernel's event timestamp on Linux;
    /// the simulated chip's clock in the simulator).
    public var timestampNanoseconds: UInt64

    public init(kind: Kind, timestampNanoseconds: UInt64) {
        self.kind = kind
        self.timestampNanoseconds = timestampNanoseconds
    }
}

/// How to request an input line.
public struct GPIOInputConfiguration: Sendable, Hashable {
    /// Who holds the line, shown by `gpioinfo` (libgpiod "consumer").
    public var consumer: String
    public var activeLow: Bool
    public var bias: GPIOBias
    public var edges: GPIOEdgeDetection
    /// Software debounce: a new logical level is reported only after the line has stayed at it this long;
    /// bounces inside the window produce no events. `.zero` turns debouncing off.
    public var debounce: Duration

    public init(
        consumer: String, activeLow: Bool = false, bias: GPIOBias = .asIs, edges: GPIOEdgeDetection = .none,
        debounce: Duration = .zero
    ) {
        self.consumer = consumer
        self.activeLow = activeLow
        self.bias = bias
        self.edges = edges
        self.debounce = debounce
    }
}

/// How to request an output line.
public struct GPIOOutputConfiguration: Sendable, Hashable {
    public var consumer: String
    public var activeLow: Bool
    public var drive: GPIODrive
    /// The value the line takes the moment it is requested; choose the actuator's safe state.
    public var initialValue: GPIOValue

    public init(
        consumer: String, activeLow: Bool = false, drive: GPIODrive = .pushPull, initialValue: GPIOValue = .inactive
    ) {
        self.consumer = consumer
        self.activeLow = activeLow
        self.drive = drive
        self.initialValue = initialValue
    }
}
