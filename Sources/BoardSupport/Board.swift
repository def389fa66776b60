/// One board file from `Boards/`: what the hardware calls its GPIO lines, I²C buses, serial ports and status LEDs,
/// so configuration and device logic can use names (`walkButton`, `GPIO17`) and never raw chip numbers.
///
/// Load one with ``Board/parse(yaml:expectedID:file:)`` or ``Board/load(file:)``, or a whole folder with
/// ``BoardCatalog/load(directory:)``; resolve names with ``gpioLine(named:usedAt:)`` and its siblings.
public struct Board: Hashable, Sendable {
    /// Whether the board is physical hardware or one of the virtual rig's simulated boards.
    public enum Kind: String, Hashable, Sendable, CaseIterable {
        /// A real board; devices are kernel paths (`/dev/i2c-1`, `/sys/class/leds/ACT`).
        case hardware
        /// A board of the virtual rig; devices are rig names (`sim-i2c-0`) and pty paths the rig creates.
        case simulated
    }

    /// Stable identifier, equal to the file name without `.yaml` (`raspberry-pi-4b`).
    public var id: String
    /// Human name (`Raspberry Pi 4 Model B`).
    public var name: String
    /// Hardware or the virtual rig; decides which device forms are valid.
    public var kind: Kind
    /// Where the numbers in the file come from, so a reviewer can check them.
    public var sources: [BoardSource]
    /// Free-form remarks for technicians (kernel quirks, jumper settings).
    public var notes: String?
    /// GPIO chips by their id in the file (`main`, `rp1`, `gpio1`).
    public var gpioChips: [String: BoardGPIOChip]
    /// GPIO lines by their header name (`GPIO17`, `P9_12`, `SODIMM_206`).
    public var gpioLines: [String: BoardGPIOLine]
    /// Carrier-board roles (`walkButton`) → header name (`GPIO17`).
    public var gpioAliases: [String: String]
    /// I²C buses by name (`i2c-1`).
    public var i2cBuses: [String: BoardI2CBus]
    /// On-board serial ports by name (`uart0`).
    public var serialPorts: [String: BoardSerialPort]
    /// Status LEDs by name (`act`).
    public var statusLEDs: [String: BoardStatusLED]
    /// How `curbctl image` makes a device image for the board; nil for boards that are not flashed (the rig's).
    public var image: BoardImage?

    /// Builds a board directly (tests, generated rigs); files go through ``parse(yaml:expectedID:file:)``, which validates.
    public init(
        id: String, name: String, kind: Kind = .hardware, sources: [BoardSource], notes: String? = nil,
        gpioChips: [String: BoardGPIOChip], gpioLines: [String: BoardGPIOLine], gpioAliases: [String: String] = [:],
        i2cBuses: [String: BoardI2CBus] = [:], serialPorts: [String: BoardSerialPort] = [:],
        statusLEDs: [String: BoardStatusLED] = [:], image: BoardImage? = nil
    ) {
        self.id = id
        self.name = name
        self.kind = kind
        self.sources = sources
        self.notes = notes
        self.gpioChips = gpioChips
        self.gpioLines = gpioLines
        self.gpioAliases = gpioAliases
        self.i2cBuses = i2cBuses
        self.serialPorts = serialPorts
        self.statusLEDs = statusLEDs
        self.image = image
    }
}
