public import Yams

/// Reads optional keys of one mapping into settings fields, leaving the default when a key is absent. Problems go to
/// the shared `NodeReader` with their paths.
public struct FieldReader {
    public enum Outcome: Sendable, Hashable {
        /// The key is not there; the field keeps its default.
        case absent
        /// The key was read into the field.
        case read
        /// The key is there but its value is wrong (reported).
        case invalid
    }

    public let keys: [String: Node]
    public let path: JSONPath

    public init(keys: [String: Node], path: JSONPath) {
        self.keys = keys
        self.path = path
    }

    @discardableResult
    public func number(
        _ reader: inout NodeReader, _ key: String, _ range: ClosedRange<Double>, _ unit: String = "",
        into field: inout Double
    ) -> Outcome {
        guard let node = keys[key] else { return .absent }
        guard let value = reader.number(node, at: path.appending(key), in: range, unit: unit) else { return .invalid }
        field = value
        return .read
    }

    @discardableResult
    public func integer(
        _ reader: inout NodeReader, _ key: String, _ range: ClosedRange<Int>, _ unit: String = "", into field: inout Int
    ) -> Outcome {
        guard let node = keys[key] else { return .absent }
        guard let value = reader.integer(node, at: path.appending(key), in: range, unit: unit) else { return .invalid }
        field = value
        return .read
    }
}

extension YAMLDocument {
    /// Parses `yaml` and reads its top-level `section` (e.g. `device`) with `read`; throws every problem at once.
    public static func readSection<Value>(
        _ yaml: String, section: String, _ read: (inout NodeReader, Node?, JSONPath) -> Value?
    ) throws(DocumentError) -> Value {
        let root: Node
        do {
            root = try compose(yaml, what: "a configuration with a \(section) section")
        } catch {
            throw error.code == .tooDeep
                ? documentError(error, file: nil) : DocumentError(.syntax, file: nil, issues: [error])
        }
        var reader = NodeReader()
        var node: Node?
        if case .mapping(let mapping) = root {
            node = mapping[section]
        } else {
            reader.report(
                .wrongType, at: .root, expected: "a mapping with a \(section) section",
                found: NodeReader.describe(root), node: root)
        }
        let value = read(&reader, node, JSONPath.root.appending(section))
        guard let value, reader.issues.isEmpty else {
            throw DocumentError(.invalid, file: nil, issues: inFileOrder(reader.issues))
        }
        return value
    }

    /// `30` for 30.0, `0.5` for 0.5: numbers in messages as a person writes them.
    public static func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
    }
}

extension NodeReader {
    /// Takes `keys` out of the mapping at `path`, for a section that one reader owns in part (a daemon's local
    /// `hardware` beside settings another module reads). Returns the taken nodes and the mapping without them; nil,
    /// with the problem reported, when the node is not a mapping.
    public mutating func split(_ node: Node, at path: JSONPath, taking keys: [String]) -> (
        taken: [String: Node], rest: Node
    )? {
        guard case .mapping(var mapping) = node else {
            _ = object(node, at: path, required: [], optional: [])
            return nil
        }
        var taken: [String: Node] = [:]
        for key in keys {
            guard let value = mapping[key] else { continue }
            taken[key] = value
            mapping[key] = nil
        }
        return (taken, .mapping(mapping))
    }
}
