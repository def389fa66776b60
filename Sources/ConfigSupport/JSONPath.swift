/// A location inside a YAML or JSON document, printed the way error messages show it: `$.gpio.lines.GPIO17.line`.
///
/// Keys that are not plain identifiers are bracketed (`$.serial["odd key"]`) so the path stays unambiguous.
public struct JSONPath: Hashable, Sendable, CustomStringConvertible {
    public enum Component: Hashable, Sendable {
        case key(String)
        case index(Int)
    }

    public private(set) var components: [Component] = []

    public static let root = JSONPath()

    public init() {}

    public func appending(_ key: String) -> JSONPath {
        var copy = self
        copy.components.append(.key(key))
        return copy
    }

    public func appending(index: Int) -> JSONPath {
        var copy = self
        copy.components.append(.index(index))
        return copy
    }

    public var description: String {
        var text = "$"
        for component in components {
            switch component {
            case .key(let key) where Self.isPlainKey(key):
                text += "." + key
            case .key(let key):
                text += "[\"" + key.replacingAll("\"", with: "\\\"") + "\"]"
            case .index(let index):
                text += "[\(index)]"
            }
        }
        return text
    }

    /// Letters, digits, `_` and `-`, not starting with a digit: safe to print after a dot.
    private static func isPlainKey(_ key: String) -> Bool {
        guard let first = key.unicodeScalars.first, !("0"..."9").contains(first) else { return false }
        return key.unicodeScalars.allSatisfy { scalar in
            ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar)
                || scalar == "_" || scalar == "-"
        }
    }
}

extension String {
    /// Replaces every occurrence of `target` without needing Foundation.
    func replacingAll(_ target: Character, with replacement: String) -> String {
        var result = ""
        for character in self {
            if character == target { result += replacement } else { result.append(character) }
        }
        return result
    }
}
