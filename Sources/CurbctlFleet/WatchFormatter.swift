import AgentRuntime
public import MQTTTransport

/// Turns the contract's messages into lines people read: the time, the device, what it is, and its values with
/// units; per-axis values (`x_rms_m_s2`, `y_…`, `z_…`) folded into a small table, long lists summarised, and lines
/// wrapped to the terminal's width. Colour (ANSI) only when asked for (a terminal, and `NO_COLOR` unset).
public struct WatchFormatter: Sendable {
    /// Whether to colour (ANSI escapes).
    public var colour: Bool
    /// Terminal columns to wrap at.
    public var width: Int

    /// A formatter; `width` is at least 40 columns.
    public init(colour: Bool, width: Int = 100) {
        self.colour = colour
        self.width = max(40, width)
    }

    private enum Style: String {
        case dim = "2"
        case device = "36"
        case good = "32"
        case warn = "33"
        case bad = "31"
        case bold = "1"
    }

    private func paint(_ text: String, _ style: Style) -> String {
        colour ? "\u{1B}[\(style.rawValue)m\(text)\u{1B}[0m" : text
    }

    /// The lines for one message; `receivedAt` (RFC 3339) stands in when the payload has no `ts`.
    public func lines(for message: MQTTMessage, receivedAt: String) -> [String] {
        guard let topic = DeviceTopic(message.topic) else {
            return ["\(paint(clock(receivedAt), .dim)) \(message.topic) \(message.payloadString)"]
        }
        let document = message.payload.isEmpty ? nil : JSONText.decode(message.payload)
        let time = clock(document?["ts"]?.stringValue ?? receivedAt)
        var head = "\(paint(time, .dim)) \(paint(topic.identity.description, .device)) "
        head += paint(topic.partName, partStyle(topic.part, document))
        guard let document else {
            let text = message.payload.isEmpty ? "(cleared)" : message.payloadString
            return [head + "  " + text]
        }
        var (fields, table) = describe(topic.part, document)
        if message.retain, case .status = topic.part { fields.append(paint("(retained)", .dim)) }
        var lines = wrap(head: head, fields)
        lines += table.map { "    " + $0 }
        return lines
    }

    /// `14:02:11.123` from an RFC 3339 timestamp (its time of day as written, UTC for the contract's).
    private func clock(_ timestamp: String) -> String {
        guard let t = timestamp.firstIndex(of: "T") else { return timestamp }
        let time = timestamp[timestamp.index(after: t)...].prefix(12)
        return String(time.hasSuffix("Z") ? time.dropLast() : time)
    }

    private func partStyle(_ part: DeviceTopic.Part, _ document: JSONValue?) -> Style {
        switch part {
        case .status: return document?["state"]?.stringValue == "online" ? .good : .bad
        case .event(let name):
            let raised = document?["state"]?.stringValue == "raised"
            return name.contains("fault") || (name.contains("alarm") && raised) ? .bad : .warn
        case .commandResult:
            return document?["status"]?.stringValue == "accepted" ? .good : .bad
        case .configReported:
            return document?["status"]?.stringValue == "applied" ? .good : .bad
        case .command, .configDesired: return .bold
        default: return .dim
        }
    }

    /// The fields on the message's line(s) and the rows of its per-axis table.
    private func describe(_ part: DeviceTopic.Part, _ document: JSONValue) -> ([String], [String]) {
        guard case .object(var object) = document else { return ([JSONText.compact(document)], []) }
        object["ts"] = nil
        object["seq"] = nil
        var fields: [String] = []
        // The fields people look for first, then the rest by name.
        let leading: [String]
        switch part {
        case .status: leading = ["state", "reason", "agent", "version", "board", "config_revision", "boot_time"]
        case .commandResult: leading = ["status", "reason", "message", "id", "command"]
        case .configReported: leading = ["status", "revision", "active_revision"]
        default: leading = ["state"]
        }
        for key in leading {
            guard let value = object.removeValue(forKey: key) else { continue }
            fields.append(key == "state" || key == "status" ? emphasise(value) : field(key, value))
        }
        if case .configReported = part, case .array(let errors)? = object.removeValue(forKey: "errors") {
            return (fields, errors.map { paint("✗ ", .bad) + JSONText.compact($0) })
        }
        let table = axisTable(&object)
        for key in object.keys.sorted() {
            guard let value = object[key] else { continue }
            fields += flatten(key, value)
        }
        return (fields, table)
    }

    private func emphasise(_ value: JSONValue) -> String {
        let text = JSONText.compact(value)
        let style: Style =
            switch text {
            case "online", "accepted", "applied", "cleared", "idle", "normal": .good
            case "offline", "rejected", "failed", "rolled-back", "raised", "fault", "latched": .bad
            default: .bold
            }
        return paint(text, style)
    }

    /// A value with its unit: `temperature 21.4 °C`; nested objects one level deep as `lamp.power 58 W`, deeper
    /// ones as `{key value, …}`; byte counts from 10 KiB on in KiB or MiB.
    private func flatten(_ key: String, _ value: JSONValue) -> [String] {
        if case .object(let inner) = value, !inner.isEmpty {
            return inner.keys.sorted().map { field("\(key).\($0)", inner[$0] ?? .null) }
        }
        return [field(key, value)]
    }

    private func field(_ key: String, _ value: JSONValue) -> String {
        let unit = ValueUnit(name: key)
        if unit.symbol == "B", case .number(let bytes) = value, bytes >= 10_240 {
            // 42532864 B reads better as 40.6 MiB.
            let (scaled, symbol) = bytes >= 10_485_760 ? (bytes / 1_048_576, "MiB") : (bytes / 1_024, "KiB")
            return "\(unit.quantity) \(Text.number((scaled * 10).rounded() / 10)) \(symbol)"
        }
        let shown = render(value)
        return unit.symbol.isEmpty ? "\(key) \(shown)" : "\(unit.quantity) \(shown) \(unit.symbol)"
    }

    /// Numbers rounded for reading; lists of more than six numbers summarised (a spectrum's bands).
    private func render(_ value: JSONValue) -> String {
        switch value {
        case .array(let items)
        where items.count > 6 && items.allSatisfy({ if case .number = $0 { true } else { false } }):
            let numbers = items.compactMap { if case .number(let n) = $0 { n } else { nil } }
            let top = numbers.indices.max { numbers[$0] < numbers[$1] } ?? 0
            return "[\(numbers.count) values, max \(Text.number(numbers[top])) at #\(top)]"
        case .array(let items): return "[" + items.map(render).joined(separator: " ") + "]"
        case .string(let text) where text.count > 80: return "\(text.prefix(40))… (\(text.count) chars)"
        case .object(let inner):
            // A record nested two levels deep stays on one field: {attempts 1, state active}.
            return "{" + inner.keys.sorted().map { "\($0) \(render(inner[$0] ?? .null))" }.joined(separator: ", ") + "}"
        default: return JSONText.compact(value)
        }
    }

    /// Takes `x_…`/`y_…`/`z_…` keys present for all three axes out of `object` and returns them as table rows.
    private func axisTable(_ object: inout [String: JSONValue]) -> [String] {
        let axes = ["x", "y", "z"]
        let names = object.keys.filter { $0.hasPrefix("x_") }.map { String($0.dropFirst(2)) }.filter { rest in
            axes.allSatisfy { object["\($0)_\(rest)"] != nil }
        }.sorted { (rank($0), $0) < (rank($1), $1) }
        guard names.count >= 2 else { return [] }
        let header =
            ["axis"]
            + names.map { name in
                let unit = ValueUnit(name: name)
                return unit.symbol.isEmpty ? unit.quantity : "\(unit.quantity) \(unit.symbol)"
            }
        let rows = axes.map { axis in
            [axis] + names.map { name in render(object.removeValue(forKey: "\(axis)_\(name)") ?? .null) }
        }
        return Text.table(header, rows).split(separator: "\n").map(String.init)
    }

    /// Where a per-axis figure goes in the table: the amplitudes people read first, the spectrum last.
    private func rank(_ name: String) -> Int {
        let order = ["rms", "peak", "p2p", "crest", "ppv", "dominant", "mean", "bands"]
        return order.firstIndex { name.hasPrefix($0) } ?? order.count - 1
    }

    /// The head line followed by the fields joined with ` · `, wrapped to `width` with an indent.
    private func wrap(head: String, _ fields: [String]) -> [String] {
        guard !fields.isEmpty else { return [head] }
        let visibleHead = Text.visibleLength(head)
        let joined = fields.joined(separator: " · ")
        if visibleHead + 2 + Text.visibleLength(joined) <= width { return [head + "  " + joined] }
        var lines = [head]
        var current = "   "
        for field in fields {
            let addition = current == "   " ? " " + field : " · " + field
            if Text.visibleLength(current) + Text.visibleLength(addition) > width, current != "   " {
                lines.append(current)
                current = "    " + field
            } else {
                current += addition
            }
        }
        lines.append(current)
        return lines
    }
}
