/// A JSON document whose object members keep the order they were declared in, for files that people read and diff
/// (the generated JSON Schemas). Built and rendered only, never parsed; the runtime's `JSONValue` sorts nothing and
/// keeps no order, which is right for messages and wrong for a committed file.
public indirect enum SchemaJSON: Sendable, Hashable {
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([SchemaJSON])
    case object([Member])

    /// One `"key": value` of an object.
    public struct Member: Sendable, Hashable {
        /// The member's name.
        public var key: String
        /// The member's value.
        public var value: SchemaJSON

        /// `"key": value`.
        public init(_ key: String, _ value: SchemaJSON) {
            self.key = key
            self.value = value
        }
    }

    /// An object of the members whose value is not nil, in the order given.
    public static func members(_ pairs: KeyValuePairs<String, SchemaJSON?>) -> [Member] {
        pairs.compactMap { key, value in value.map { Member(key, $0) } }
    }

    /// Python's `json.dumps(indent=2, ensure_ascii=False)` layout, so a schema reads the same whichever tool wrote
    /// it, with a final newline.
    public var rendered: String {
        var text = ""
        render(into: &text, indent: "")
        return text + "\n"
    }

    private func render(into text: inout String, indent: String) {
        let inner = indent + "  "
        switch self {
        case .bool(let value):
            text += value ? "true" : "false"
        case .number(let value):
            text += YAMLDocument.format(value)
        case .string(let value):
            text += Self.quoted(value)
        case .array(let elements) where elements.isEmpty:
            text += "[]"
        case .array(let elements):
            text += "[\n"
            for (index, element) in elements.enumerated() {
                text += inner
                element.render(into: &text, indent: inner)
                text += index == elements.count - 1 ? "\n" : ",\n"
            }
            text += indent + "]"
        case .object(let members) where members.isEmpty:
            text += "{}"
        case .object(let members):
            text += "{\n"
            for (index, member) in members.enumerated() {
                text += inner + Self.quoted(member.key) + ": "
                member.value.render(into: &text, indent: inner)
                text += index == members.count - 1 ? "\n" : ",\n"
            }
            text += indent + "}"
        }
    }

    private static func quoted(_ value: String) -> String {
        var text = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": text += "\\\""
            case "\\": text += "\\\\"
            case "\n": text += "\\n"
            case "\t": text += "\\t"
            case let control where control.value < 0x20:
                let hex = String(control.value, radix: 16)
                text += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: text.unicodeScalars.append(scalar)
            }
        }
        return text + "\""
    }
}
