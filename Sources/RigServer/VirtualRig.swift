public import BoardSupport
public import ConfigSupport
public import HAL
public import HALSim

/// The simulated hardware of one rig: the board's GPIO chips and I²C buses with the rig file's chips attached.
/// Daemons reach it through `HALRig` over the control socket; scenarios and humans drive its inputs the same way.
public final class VirtualRig: Sendable {
    public let file: RigFile
    public let board: Board
    /// By the identifier daemons open them by (label or name, as the board file says).
    public let gpioChips: [String: SimulatedGPIOChip]
    /// By bus device name (`sim-i2c-0`).
    public let i2cBuses: [String: SimulatedI2CBus]
    /// Every attached chip, to plug back in after an unplug.
    public let devices: [Device]

    public struct Device: Sendable {
        public let bus: String
        public let address: I2CAddress
        public let chipName: String
        public let chip: any SimulatedI2CChip
    }

    public init(file: RigFile) throws(DocumentError) {
        self.file = file
        board = try Board.load(file: file.board)
        var chips: [String: SimulatedGPIOChip] = [:]
        for chip in board.gpioChips.values {
            var names: [GPIOLineOffset: String] = [:]
            for line in board.gpioLines.values where line.chipID == chip.id { names[line.address.offset] = line.name }
            chips[chip.identifier] = SimulatedGPIOChip(
                name: chip.identifier, lineCount: chip.lineCount, lineNames: names)
        }
        gpioChips = chips
        var buses: [String: SimulatedI2CBus] = [:]
        for bus in board.i2cBuses.values { buses[bus.device] = SimulatedI2CBus(name: bus.device) }
        var devices: [Device] = []
        var issues: [ConfigIssue] = []
        for (index, entry) in file.i2cDevices.enumerated() {
            guard let bus = buses[entry.bus], let address = I2CAddress(rawValue: entry.address),
                let make = SimulatedChipCatalog.factories[entry.chip]
            else {
                issues.append(
                    ConfigIssue(
                        .unknownReference, path: "$.i2c[\(index)].bus",
                        expected: "a bus of board \(board.id) (" + buses.keys.sorted().joined(separator: ", ") + ")",
                        found: "\"\(entry.bus)\"",
                        suggestion: NearestMatch.suggestion(for: entry.bus, among: buses.keys)))
                continue
            }
            let chip = make()
            bus.attach(chip, at: address)
            devices.append(Device(bus: entry.bus, address: address, chipName: entry.chip, chip: chip))
        }
        guard issues.isEmpty else { throw DocumentError(.invalid, file: nil, issues: issues) }
        i2cBuses = buses
        self.devices = devices
    }

    /// A line by board name or alias (`walkButton`, `SIM0`) or by `chip:offset`.
    public func line(_ name: String) -> (chip: SimulatedGPIOChip, offset: GPIOLineOffset)? {
        if let line = try? board.gpioLine(named: name, usedAt: "line"), let chip = gpioChips[line.address.chip] {
            return (chip, line.address.offset)
        }
        let parts = name.split(separator: ":")
        if parts.count == 2, let chip = gpioChips[String(parts[0])], let offset = UInt32(parts[1]),
            offset < chip.lineCount
        {
            return (chip, GPIOLineOffset(offset))
        }
        return nil
    }

    /// The simulated board's id (`sim`).
    public var boardID: String { board.id }

    /// Every name `line(_:)` accepts, for error messages.
    public var lineNames: [String] { board.gpioLineNames }
}
