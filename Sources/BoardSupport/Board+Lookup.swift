import ConfigSupport
internal import FoundationEssentials

extension Board {
    /// Resolves a GPIO line by header name (`GPIO17`) or carrier-board alias (`walkButton`).
    ///
    /// - Parameters:
    ///   - name: the name as the configuration wrote it.
    ///   - configPath: where the configuration wrote it (`$.device.inputs.button`), for the error message.
    /// - Throws: ``BoardLookupError/Code/unknownGPIOLine`` naming the nearest valid name and listing all of them.
    public func gpioLine(named name: String, usedAt configPath: String) throws(BoardLookupError) -> BoardGPIOLine {
        if let line = gpioLines[name] ?? gpioAliases[name].flatMap({ gpioLines[$0] }) { return line }
        throw BoardLookupError(
            .unknownGPIOLine, configPath: configPath, board: id, name: name,
            suggestion: NearestMatch.suggestion(for: name, among: gpioLineNames), validNames: gpioLineNames)
    }

    /// Resolves an I²C bus by name (`i2c-1`).
    public func i2cBus(named name: String, usedAt configPath: String) throws(BoardLookupError) -> BoardI2CBus {
        if let bus = i2cBuses[name] { return bus }
        throw lookupError(.unknownI2CBus, name: name, configPath: configPath, valid: Array(i2cBuses.keys))
    }

    /// Resolves a serial port by board name (`uart0`), or accepts a USB adapter's `/dev/serial/by-id/…` link.
    ///
    /// USB adapters are not part of a board, so configurations name them directly; the by-id link keeps the
    /// same adapter across reboots, whereas `/dev/ttyUSB0` is rejected because its number follows probe order.
    public func serialPort(named name: String, usedAt configPath: String) throws(BoardLookupError) -> BoardSerialPort {
        if let port = serialPorts[name] { return port }
        if name.hasPrefix("/dev/serial/by-id/"), name.count > "/dev/serial/by-id/".count {
            return BoardSerialPort(name: name, device: name, note: "USB serial adapter")
        }
        if Pattern.isUnstableUSBSerial(name) {
            throw BoardLookupError(.unstableDevicePath, configPath: configPath, board: id, name: name)
        }
        throw lookupError(.unknownSerialPort, name: name, configPath: configPath, valid: Array(serialPorts.keys))
    }

    /// Resolves a status LED by name (`act`).
    public func statusLED(named name: String, usedAt configPath: String) throws(BoardLookupError) -> BoardStatusLED {
        if let led = statusLEDs[name] { return led }
        throw lookupError(.unknownStatusLED, name: name, configPath: configPath, valid: Array(statusLEDs.keys))
    }

    /// Every name ``gpioLine(named:usedAt:)`` accepts: header names in header order, then aliases.
    public var gpioLineNames: [String] {
        Self.naturallySorted(Array(gpioLines.keys)) + Self.naturallySorted(Array(gpioAliases.keys))
    }

    private func lookupError(
        _ code: BoardLookupError.Code, name: String, configPath: String, valid: [String]
    ) -> BoardLookupError {
        BoardLookupError(
            code, configPath: configPath, board: id, name: name,
            suggestion: NearestMatch.suggestion(for: name, among: valid), validNames: Self.naturallySorted(valid))
    }

    /// Sorts `GPIO2` before `GPIO10` so the list of valid names reads like the header.
    static func naturallySorted(_ names: [String]) -> [String] {
        names.sorted(by: naturallyPrecedes)
    }

    /// Case-insensitive, with runs of digits compared as numbers (what NSString's `.numeric, .caseInsensitive`
    /// comparison did, without the full Foundation).
    static func naturallyPrecedes(_ lhs: String, _ rhs: String) -> Bool {
        let isDigit: (Character) -> Bool = { $0.isASCII && $0.isNumber }
        var left = Substring(lhs.lowercased())
        var right = Substring(rhs.lowercased())
        while let l = left.first, let r = right.first {
            if isDigit(l), isDigit(r) {
                let leftRun = left.prefix(while: isDigit)
                let rightRun = right.prefix(while: isDigit)
                let leftNumber = leftRun.drop(while: { $0 == "0" })
                let rightNumber = rightRun.drop(while: { $0 == "0" })
                if leftNumber.count != rightNumber.count { return leftNumber.count < rightNumber.count }
                if leftNumber != rightNumber { return leftNumber < rightNumber }
                left = left.dropFirst(leftRun.count)
                right = right.dropFirst(rightRun.count)
            } else {
                if l != r { return l < r }
                left = left.dropFirst()
                right = right.dropFirst()
            }
        }
        return left.isEmpty && !right.isEmpty
    }
}
