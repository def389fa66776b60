import ConfigSupport

/// The textual forms the board format accepts. Each mirrors a `pattern` in `Boards/board.schema.json`.
enum Pattern {
    /// `^[A-Za-z][A-Za-z0-9_.-]*$`: line, chip, alias, bus, port and LED names.
    static func isIdentifier(_ text: String) -> Bool { NodeReader.isName(text) }

    /// `^[a-z0-9]+(-[a-z0-9]+)*$`: board ids, which double as file names.
    static func isBoardID(_ text: String) -> Bool {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        return parts.allSatisfy { part in
            !part.isEmpty && part.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || isDigit($0) }
        }
    }

    /// `^gpiochip[0-9]+$`.
    static func isGPIOChipName(_ text: String) -> Bool { hasNumberSuffix(text, after: "gpiochip") }

    /// `^/dev/i2c-[0-9]+$`: the i2c-dev node of a real bus.
    static func isI2CDevice(_ text: String) -> Bool { hasNumberSuffix(text, after: "/dev/i2c-") }

    /// `^sim-i2c-[0-9]+$`: a bus of the virtual rig.
    static func isSimulatedI2CBus(_ text: String) -> Bool { hasNumberSuffix(text, after: "sim-i2c-") }

    /// `^/dev/tty(USB|ACM)[0-9]+$`: USB serial nodes numbered in probe order.
    static func isUnstableUSBSerial(_ text: String) -> Bool {
        hasNumberSuffix(text, after: "/dev/ttyUSB") || hasNumberSuffix(text, after: "/dev/ttyACM")
    }

    /// `^/\S+$`: an absolute path without whitespace.
    static func isAbsolutePath(_ text: String) -> Bool {
        text.count > 1 && text.hasPrefix("/") && !text.unicodeScalars.contains { $0 == " " || $0 == "\t" }
    }

    /// `^/sys/class/leds/[^/]+$`.
    static func isLEDClassPath(_ text: String) -> Bool {
        let prefix = "/sys/class/leds/"
        guard text.hasPrefix(prefix), isAbsolutePath(text) else { return false }
        let name = text.dropFirst(prefix.count)
        return !name.isEmpty && !name.contains("/")
    }

    /// `^https?://\S+$`.
    static func isURL(_ text: String) -> Bool {
        (text.hasPrefix("https://") || text.hasPrefix("http://")) && !text.contains(" ")
    }

    private static func hasNumberSuffix(_ text: String, after prefix: String) -> Bool {
        guard text.hasPrefix(prefix) else { return false }
        let digits = text.dropFirst(prefix.count)
        return !digits.isEmpty && digits.unicodeScalars.allSatisfy(isDigit)
    }

    private static func isLetter(_ scalar: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar)
    }

    private static func isDigit(_ scalar: Unicode.Scalar) -> Bool { ("0"..."9").contains(scalar) }
}
