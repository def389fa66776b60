/// A physical pin on a connector, for technicians with a multimeter: `J8 pin 11`, `P9 pin 12`.
public struct HeaderPin: Hashable, Sendable, CustomStringConvertible {
    /// Connector name as printed on the board (`J8`, `P9`, `X1`); `nil` when the board file does not say.
    public var header: String?
    /// 1-based pin number on that connector.
    public var number: Int

    /// A pin on `header` (or an unnamed connector).
    public init(header: String?, number: Int) {
        self.header = header
        self.number = number
    }

    /// `J8 pin 11`, or `pin 11` without a header name.
    public var description: String {
        if let header { return "\(header) pin \(number)" }
        return "pin \(number)"
    }
}
