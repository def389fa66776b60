import FoundationEssentials

/// One line of `curbctl check`: what was checked, how it went, and for a failure what to do about it.
public struct CheckItem: Sendable, Hashable, Codable {
    public enum Status: String, Sendable, Hashable, Codable {
        case pass, fail
        /// Not checked, with the reason (not a failure).
        case skip
        var symbol: String {
            switch self {
            case .pass: "✓"
            case .fail: "✗"
            case .skip: "–"
            }
        }
    }

    /// `config`, `board`, `gpio`, `i2c`, `modbus`, `files`, `broker`, `clock`.
    public var area: String
    /// The part or file (`climate BME280 sim-i2c-0@0x76`).
    public var name: String
    public var status: Status
    public var detail: String
    /// What to do, for a failure.
    public var fix: String?

    public init(area: String, name: String, status: Status, detail: String, fix: String? = nil) {
        self.area = area
        self.name = name
        self.status = status
        self.detail = detail
        self.fix = fix
    }
}

/// Everything `curbctl check` found, in the order checked.
public struct CheckReport: Sendable, Hashable, Codable {
    public var configFile: String
    public var items: [CheckItem]

    /// No item failed (skipped ones do not count).
    public var passed: Bool { !items.contains { $0.status == .fail } }
    public var failures: [CheckItem] { items.filter { $0.status == .fail } }

    /// The ✓/✗ table for people; each failure is followed by its fix.
    public func table() -> String {
        let areaWidth = items.map(\.area.count).max() ?? 0
        let nameWidth = min(items.map(\.name.count).max() ?? 0, 48)
        var lines: [String] = []
        for item in items {
            let area = pad(item.area, areaWidth)
            let name = pad(item.name, nameWidth)
            lines.append("\(item.status.symbol) \(area)  \(name)  \(item.detail)")
            if let fix = item.fix, item.status == .fail {
                lines.append("  \(String(repeating: " ", count: areaWidth))  fix: \(fix)")
            }
        }
        let failed = failures.count
        lines.append(
            failed == 0
                ? "\(configFile): all \(items.filter { $0.status == .pass }.count) checks passed"
                : "\(configFile): \(failed) of \(items.count) checks failed")
        return lines.joined(separator: "\n")
    }

    private func pad(_ text: String, _ width: Int) -> String {
        text + String(repeating: " ", count: max(0, width - text.count))
    }

    /// The report as one JSON document (`--json`): `{config_file, passed, items: [{area, name, status, detail, fix}]}`.
    public func json() throws -> String {
        struct Document: Encodable {
            var configFile: String
            var passed: Bool
            var items: [CheckItem]
            enum CodingKeys: String, CodingKey {
                case configFile = "config_file"
                case passed, items
            }
        }
        return try jsonText(Document(configFile: configFile, passed: passed, items: items))
    }
}

/// `value` as pretty, key-sorted JSON (every `--json` output).
func jsonText(_ value: some Encodable) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    return String(decoding: try encoder.encode(value), as: UTF8.self)
}
