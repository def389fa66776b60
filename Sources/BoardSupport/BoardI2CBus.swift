/// An I²C bus of a board: the device node the HAL opens and the pins it comes out on.
public struct BoardI2CBus: Hashable, Sendable {
    /// The name configurations use (`i2c-1`).
    public var name: String
    /// `/dev/i2c-N` on hardware; the rig's bus name (`sim-i2c-0`) on a simulated board.
    public var device: String
    /// Where SDA comes out, if on a connector.
    public var sdaPin: HeaderPin?
    /// Where SCL comes out, if on a connector.
    public var sclPin: HeaderPin?
    /// Bus clock the board runs by default, in hertz (the device tree's `clock-frequency`).
    public var speedHz: Int
    /// Remarks from the board file (devices already on the bus, how to enable it).
    public var note: String?

    /// A bus as the board file describes it.
    public init(
        name: String, device: String, sdaPin: HeaderPin? = nil, sclPin: HeaderPin? = nil, speedHz: Int = 100_000,
        note: String? = nil
    ) {
        self.name = name
        self.device = device
        self.sdaPin = sdaPin
        self.sclPin = sclPin
        self.speedHz = speedHz
        self.note = note
    }
}
