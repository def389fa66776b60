public import Yams

/// Reads YAML nodes with path tracking, collecting every problem instead of stopping at the first.
///
/// Each accessor returns `nil` after recording an issue, so callers read on and the user sees all
/// problems of a file at once.
public struct NodeReader {
    public private(set) var issues: [ConfigIssue] = []

    public init() {}

    public mutating func report(
        _ code: ConfigIssue.Code, at path: JSONPath, expected: String, found: String, suggestion: String? = nil,
        node: Node? = nil
    ) {
        issues.append(
            ConfigIssue(
                code, path: path.description, expected: expected, found: found, suggestion: suggestion,
                sourceLine: node?.mark?.line))
    }

    /// A mapping with a fixed set of keys. Unknown keys are reported with the nearest valid key; missing
    /// required keys are reported at the path they should have had.
    public mutating func object(_ node: Node, at path: JSONPath, required: [String], optional: [String]) -> [String:
        Node]?
    {
        let allowed = required + optional
        guard case .mapping(let mapping) = node else {
            report(
                .wrongType, at: path, expected: "a mapping with keys " + allowed.joined(separator: ", "),
                found: Self.describe(node), node: node)
            return nil
        }
        var values: [String: Node] = [:]
        var seen: Set<String> = []
        for (keyNode, value) in mapping {
            guard let key = keyString(keyNode, in: path) else { continue }
            guard seen.insert(key).inserted else {
                report(
                    .duplicateKey, at: path.appending(key), expected: "each key once in \(path)",
                    found: "\"\(key)\" again", node: keyNode)
                continue
            }
            if allowed.contains(key) {
                values[key] = value
            } else {
                report(
                    .unknownKey, at: path.appending(key),
                    expected: "a key of \(path) (" + allowed.sorted().joined(separator: ", ") + ")",
                    found: "unknown key \"\(key)\"", suggestion: NearestMatch.suggestion(for: key, among: allowed),
                    node: keyNode)
            }
        }
        for key in required where values[key] == nil {
            report(
                .missingKey, at: path.appending(key), expected: "required key \"\(key)\"", found: "nothing", node: node)
        }
        return values
    }

    /// A mapping whose keys are names chosen by the file (lines, buses), in file order.
    public mutating func entries(_ node: Node, at path: JSONPath, of what: String) -> [(name: String, node: Node)] {
        guard case .mapping(let mapping) = node else {
            report(
                .wrongType, at: path, expected: "a mapping of \(what) by name", found: Self.describe(node), node: node)
            return []
        }
        var result: [(name: String, node: Node)] = []
        var seen: Set<String> = []
        for (keyNode, value) in mapping {
            guard let key = keyString(keyNode, in: path) else { continue }
            guard seen.insert(key).inserted else {
                report(
                    .duplicateKey, at: path.appending(key), expected: "each name once in \(path)",
                    found: "\"\(key)\" again", node: keyNode)
                continue
            }
            guard Self.isName(key) else {
                report(
                    .invalidValue, at: path.appending(key),
                    expected: "a name of letters, digits, '_', '-', '.' starting with a letter", found: "\"\(key)\"",
                    node: keyNode)
                continue
            }
            result.append((key, value))
        }
        return result
    }

    /// The string keys of a mapping, without reporting anything (used to tell "declared but invalid" from
    /// "never declared").
    public func peekNames(_ node: Node) -> Set<String> {
        guard case .mapping(let mapping) = node else { return [] }
        return Set(mapping.compactMap { key, _ in Self.tagName(of: key) == .str ? key.string : nil })
    }

    /// A sequence's elements with their paths.
    public mutating func list(_ node: Node, at path: JSONPath, of what: String, minimumCount: Int = 0) -> [(
        JSONPath, Node
    )] {
        guard case .sequence(let sequence) = node else {
            report(.wrongType, at: path, expected: "a list of \(what)", found: Self.describe(node), node: node)
            return []
        }
        if sequence.count < minimumCount {
            report(
                .invalidValue, at: path, expected: "at least \(minimumCount) \(what)", found: "\(sequence.count)",
                node: node)
        }
        return sequence.enumerated().map { (path.appending(index: $0.offset), $0.element) }
    }

    /// A string scalar. Plain `17` or `yes` are not strings in YAML; they are reported rather than coerced,
    /// so this reader and the JSON Schema agree.
    public mutating func string(_ node: Node, at path: JSONPath, what: String = "string") -> String? {
        guard case .scalar(let scalar) = node, Self.tagName(of: node) == .str else {
            report(.wrongType, at: path, expected: what, found: Self.describe(node), node: node)
            return nil
        }
        guard !scalar.string.isEmpty else {
            report(.invalidValue, at: path, expected: "non-empty \(what)", found: "\"\"", node: node)
            return nil
        }
        return scalar.string
    }

    /// A string that must satisfy `isValid`; `what` describes the accepted form for the message.
    public mutating func string(
        _ node: Node, at path: JSONPath, matching isValid: (String) -> Bool, what: String
    ) -> String? {
        guard let value = string(node, at: path, what: what) else { return nil }
        guard isValid(value) else {
            report(.invalidValue, at: path, expected: what, found: Self.describe(node), node: node)
            return nil
        }
        return value
    }

    /// An integer within `range`.
    public mutating func integer(_ node: Node, at path: JSONPath, in range: ClosedRange<Int>, unit: String = "") -> Int?
    {
        let expected = "integer \(range.lowerBound)…\(range.upperBound)" + (unit.isEmpty ? "" : " \(unit)")
        guard case .scalar = node, Self.tagName(of: node) == .int, let value = node.int else {
            report(.wrongType, at: path, expected: expected, found: Self.describe(node), node: node)
            return nil
        }
        guard range.contains(value) else {
            report(.invalidValue, at: path, expected: expected, found: String(value), node: node)
            return nil
        }
        return value
    }

    /// A boolean (`true`/`false`; YAML 1.1 spellings such as `yes` are resolved by the parser).
    public mutating func bool(_ node: Node, at path: JSONPath) -> Bool? {
        guard case .scalar = node, Self.tagName(of: node) == .bool, let value = node.bool else {
            report(.wrongType, at: path, expected: "boolean", found: Self.describe(node), node: node)
            return nil
        }
        return value
    }

    /// A number (integer or decimal) within `range`.
    public mutating func number(
        _ node: Node, at path: JSONPath, in range: ClosedRange<Double>, unit: String = ""
    ) -> Double? {
        let expected =
            "number \(Self.format(range.lowerBound))…\(Self.format(range.upperBound))"
            + (unit.isEmpty ? "" : " \(unit)")
        let tag = Self.tagName(of: node)
        guard case .scalar = node, tag == .int || tag == .float, let value = node.float else {
            report(.wrongType, at: path, expected: expected, found: Self.describe(node), node: node)
            return nil
        }
        guard range.contains(value) else {
            report(.invalidValue, at: path, expected: expected, found: node.string ?? String(value), node: node)
            return nil
        }
        return value
    }

    private static func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
    }

    /// One of an enumeration's raw values, suggesting the nearest on a typo.
    public mutating func choice<Value: RawRepresentable & CaseIterable>(
        _ node: Node, at path: JSONPath, of type: Value.Type
    ) -> Value? where Value.RawValue == String {
        let names = Value.allCases.map(\.rawValue)
        let expected = "one of " + names.map { "\"\($0)\"" }.joined(separator: ", ")
        guard let text = string(node, at: path, what: expected) else { return nil }
        guard let value = Value(rawValue: text) else {
            report(
                .invalidValue, at: path, expected: expected, found: "\"\(text)\"",
                suggestion: NearestMatch.suggestion(for: text, among: names), node: node)
            return nil
        }
        return value
    }

    private mutating func keyString(_ keyNode: Node, in path: JSONPath) -> String? {
        // Keys such as `17` or `on` resolve to int/bool in YAML; the format only has string keys.
        guard case .scalar(let scalar) = keyNode, Self.tagName(of: keyNode) == .str else {
            report(
                .wrongType, at: path, expected: "string keys in \(path)", found: "key \(Self.describe(keyNode))",
                node: keyNode)
            return nil
        }
        return scalar.string
    }

    /// The node's resolved YAML type (`Tag.name` itself is not public in Yams 5).
    public static func tagName(of node: Node) -> Tag.Name { Tag.Name(rawValue: node.tag.description) }

    /// How a node appears in messages: strings quoted, numbers as written, containers by kind.
    public static func describe(_ node: Node) -> String {
        switch node {
        case .scalar(let scalar):
            switch Self.tagName(of: node) {
            case .str: return "\"" + scalar.string.replacingAll("\"", with: "\\\"") + "\""
            case .null: return "null"
            default: return scalar.string
            }
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        }
    }

    /// `^[A-Za-z][A-Za-z0-9_.-]*$`: names chosen by a document (lines, buses, streams, profiles).
    public static func isName(_ text: String) -> Bool {
        guard let first = text.unicodeScalars.first, isLetter(first) else { return false }
        return text.unicodeScalars.allSatisfy {
            isLetter($0) || ("0"..."9").contains($0) || "_.-".unicodeScalars.contains($0)
        }
    }

    private static func isLetter(_ scalar: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar)
    }
}
