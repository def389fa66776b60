public import HAL

/// A named GPIO line of a board: where it lives (`gpiochip0:17`) and where a technician finds it (`J8 pin 11`).
public struct BoardGPIOLine: Hashable, Sendable {
    /// Header name (`GPIO17`, `P9_12`).
    public var name: String
    /// Chip (by the identifier the backend opens) and offset, ready for the HAL.
    public var address: GPIOLineAddress
    /// The chip's id inside the board file.
    public var chipID: String
    /// Where the line comes out, if it reaches a connector.
    public var headerPin: HeaderPin?
    /// Carrier-board roles that point at this line (`walkButton`), sorted.
    public var aliases: [String]
    /// Remarks from the board file (alternate functions, pin-mux requirements).
    public var note: String?

    /// A line as the board file describes it.
    public init(
        name: String, address: GPIOLineAddress, chipID: String, headerPin: HeaderPin? = nil, aliases: [String] = [],
        note: String? = nil
    ) {
        self.name = name
        self.address = address
        self.chipID = chipID
        self.headerPin = headerPin
        self.aliases = aliases
        self.note = note
    }
}
