public import Yams

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
