public import AgentRuntime
import ConfigSupport
public import Yams

/// A YAML node as the JSON value a desired configuration carries (the daemon reads that JSON back as YAML, so the
/// numbers, booleans and strings it sees are the ones the file had: `0x40` becomes 64, `true` a boolean).
public enum YAMLJSON {
    /// The node as JSON: integers, floats, booleans and null as their JSON values, other scalars as strings.
    public static func value(of node: Node) -> JSONValue {
        switch node {
        case .scalar(let scalar):
            switch NodeReader.tagName(of: node) {
            case .int: return node.int.map { .number(Double($0)) } ?? .string(scalar.string)
            case .float: return node.float.map { .number($0) } ?? .string(scalar.string)
            case .bool: return node.bool.map { .bool($0) } ?? .string(scalar.string)
            case .null: return .null
            default: return .string(scalar.string)
            }
        case .mapping(let mapping):
            var object: [String: JSONValue] = [:]
            for (key, value) in mapping { object[key.scalar?.string ?? ""] = Self.value(of: value) }
            return .object(object)
        case .sequence(let sequence):
            return .array(sequence.map { Self.value(of: $0) })
        }
    }
}
