public import ConfigSupport
import Foundation
import Yams

/// A rig file (`Firmware-config/rigs/*.yaml`): which board the rig simulates and which simulated chips sit where.
///
/// ```yaml
/// rig: streetlight
/// board: ../../Boards/sim.yaml
/// i2c:
///   - {bus: sim-i2c-0, address: 0x50, chip: AT24C02}
/// ```
public struct RigFile: Sendable, Hashable {
    public struct I2CDevice: Sendable, Hashable {
        public var bus: String
        public var address: UInt8
        public var chip: String
    }

    public var name: String
    /// Absolute path of the board file.
    public var board: String
    public var i2cDevices: [I2CDevice]

    /// Reads and validates a rig file; relative board paths resolve against the file's folder.
    public static func load(file: String, knownChips: [String]) throws(DocumentError) -> RigFile {
        let root = try YAMLDocument.load(file: file, what: "a rig mapping")
        var reader = NodeReader()
        let path = JSONPath.root
        var name: String?
        var board: String?
        var devices: [I2CDevice] = []
        if let top = reader.object(root, at: path, required: ["rig", "board"], optional: ["i2c"]) {
            name = top["rig"].flatMap { reader.string($0, at: path.appending("rig")) }
            board = top["board"].flatMap {
                reader.string(
                    $0, at: path.appending("board"), matching: { $0.hasSuffix(".yaml") }, what: "board file path")
            }
            for (itemPath, item) in top["i2c"].map({ reader.list($0, at: path.appending("i2c"), of: "I2C devices") })
                ?? []
            {
                guard let keys = reader.object(item, at: itemPath, required: ["bus", "address", "chip"], optional: [])
                else { continue }
                let bus = keys["bus"].flatMap { reader.string($0, at: itemPath.appending("bus")) }
                let address = keys["address"].flatMap {
                    reader.integer($0, at: itemPath.appending("address"), in: 0x03...0x77)
                }
                let chip = keys["chip"].flatMap { node -> String? in
                    guard let chip = reader.string(node, at: itemPath.appending("chip")) else { return nil }
                    guard knownChips.contains(chip) else {
                        reader.report(
                            .invalidValue, at: itemPath.appending("chip"),
                            expected: "one of " + knownChips.sorted().joined(separator: ", "), found: "\"\(chip)\"",
                            suggestion: NearestMatch.suggestion(for: chip, among: knownChips), node: node)
                        return nil
                    }
                    return chip
                }
                if let bus, let address, let chip {
                    devices.append(I2CDevice(bus: bus, address: UInt8(address), chip: chip))
                }
            }
        }
        guard reader.issues.isEmpty, let name, let board else {
            throw DocumentError(.invalid, file: file, issues: YAMLDocument.inFileOrder(reader.issues))
        }
        let folder = URL(fileURLWithPath: file).deletingLastPathComponent()
        let boardPath = board.hasPrefix("/") ? board : folder.appendingPathComponent(board).standardizedFileURL.path
        return RigFile(name: name, board: boardPath, i2cDevices: devices)
    }
}
