/// A configuration named something the board does not have.
///
/// Reads like `$.device.inputs.button: unknown GPIO line "walkButon" on board raspberry-pi-4b;
/// did you mean "walkButton"? Valid: GPIO2, GPIO3, …`, so the fix is obvious without opening the board file.
public struct BoardLookupError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What was not found; more codes may be added.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        let name: String
        let noun: String
        /// No GPIO line or alias of that name.
        public static let unknownGPIOLine = Code(name: "unknown GPIO line", noun: "GPIO line")
        /// No I²C bus of that name.
        public static let unknownI2CBus = Code(name: "unknown I2C bus", noun: "I2C bus")
        /// No serial port of that name (and not a `/dev/serial/by-id/` path).
        public static let unknownSerialPort = Code(name: "unknown serial port", noun: "serial port")
        /// No status LED of that name.
        public static let unknownStatusLED = Code(name: "unknown status LED", noun: "status LED")
        /// No board file with that id.
        public static let unknownBoard = Code(name: "unknown board", noun: "board")
        /// A kernel-numbered USB serial path (`/dev/ttyUSB0`) whose number depends on probe order.
        public static let unstableDevicePath = Code(name: "unstable device path", noun: "serial port")
        /// The code's name, as printed in messages.
        public var description: String { name }
    }

    /// What was not found.
    public var code: Code
    /// Where the configuration used the name (`$.meter.port`).
    public var configPath: String
    /// The board searched; `nil` for ``Code/unknownBoard``.
    public var board: String?
    /// The name as the configuration wrote it.
    public var name: String
    /// The nearest valid name, if one is close enough to be a typo.
    public var suggestion: String?
    /// Every name that would have worked, sorted.
    public var validNames: [String]

    /// A failed lookup of `name`, written at `configPath` of a configuration.
    public init(
        _ code: Code, configPath: String, board: String?, name: String, suggestion: String? = nil,
        validNames: [String] = []
    ) {
        self.code = code
        self.configPath = configPath
        self.board = board
        self.name = name
        self.suggestion = suggestion
        self.validNames = validNames
    }

    /// Config path, the unknown name, the board, a suggestion and the valid names.
    public var description: String {
        if code == .unstableDevicePath {
            return "\(configPath): serial port \"\(name)\" is numbered in USB probe order and can change after a "
                + "reboot or replug; name the adapter by its /dev/serial/by-id/… link instead"
        }
        var text = "\(configPath): unknown \(code.noun) \"\(name)\""
        if let board { text += " on board \(board)" }
        text += suggestion.map { "; did you mean \"\($0)\"?" } ?? "."
        text += validNames.isEmpty ? " None are defined." : " Valid: " + validNames.joined(separator: ", ")
        return text
    }
}
