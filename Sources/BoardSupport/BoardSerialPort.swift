/// A serial port: an on-board UART from the board file, or a USB adapter named by `/dev/serial/by-id/…` in a config.
public struct BoardSerialPort: Hashable, Sendable {
    /// The name configurations use (`uart0`), or the by-id path for USB adapters.
    public var name: String
    /// Device path the Modbus RTU backend opens (`/dev/ttyAMA0`, a by-id link, or a pty link of the rig).
    public var device: String
    /// Where TXD (board output) comes out, if on a connector.
    public var txPin: HeaderPin?
    /// Where RXD (board input) comes out, if on a connector.
    public var rxPin: HeaderPin?
    /// Remarks from the board file (how to enable it, console use).
    public var note: String?

    /// A port as the board file describes it.
    public init(name: String, device: String, txPin: HeaderPin? = nil, rxPin: HeaderPin? = nil, note: String? = nil) {
        self.name = name
        self.device = device
        self.txPin = txPin
        self.rxPin = rxPin
        self.note = note
    }
}
