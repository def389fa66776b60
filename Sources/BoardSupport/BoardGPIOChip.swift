/// A GPIO controller as the kernel exposes it: `/dev/gpiochipN`, with a driver label such as `pinctrl-bcm2711`.
public struct BoardGPIOChip: Hashable, Sendable {
    /// Which identifier the backend uses to open the chip.
    public enum OpenBy: String, Hashable, Sendable, CaseIterable {
        /// The kernel name (`gpiochip0`): simple, but numbering can change between kernels.
        case name
        /// The driver label (`pinctrl-rp1`): survives renumbering, as on the Pi 5 in kernel 6.6.45.
        case label
    }

    /// The chip's id inside the board file; lines refer to it.
    public var id: String
    /// Kernel device name (`gpiochip0`), if stable enough to write down.
    public var name: String?
    /// Driver label as shown by `gpiodetect` (`pinctrl-bcm2711`).
    public var label: String?
    /// Number of lines the chip has; valid offsets are `0..<lineCount`.
    public var lineCount: Int
    /// Whether ``identifier`` is the name or the label.
    public var openBy: OpenBy
    /// Remarks from the board file (numbering history, SoC bank).
    public var note: String?

    /// A chip; `openBy` must select an identifier the chip has.
    public init(id: String, name: String?, label: String?, lineCount: Int, openBy: OpenBy, note: String? = nil) {
        precondition(openBy == .name ? name != nil : label != nil, "openBy must name an identifier the chip has")
        self.id = id
        self.name = name
        self.label = label
        self.lineCount = lineCount
        self.openBy = openBy
        self.note = note
    }

    /// The string a backend opens the chip by, and the `chip` of every ``GPIOLineAddress`` on it.
    public var identifier: String {
        switch openBy {
        case .name: name ?? ""
        case .label: label ?? ""
        }
    }
}
