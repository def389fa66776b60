public import AgentRuntime

/// A line-per-value difference between two `device` sections, by JSON path: `- $.lux_on: 30`, `+ $.lux_on: 40`.
public enum ConfigDiff {
    /// One changed value: removed (the old value) or added (the new one).
    public enum Line: Sendable, Hashable, CustomStringConvertible {
        case removed(path: String, value: String)
        case added(path: String, value: String)

        /// `- $.path: value` or `+ $.path: value`.
        public var description: String {
            switch self {
            case .removed(let path, let value): "- \(path): \(value)"
            case .added(let path, let value): "+ \(path): \(value)"
            }
        }
    }

    /// What changes from `old` (nil: nothing) to `new`, in path order.
    public static func lines(from old: JSONValue?, to new: JSONValue) -> [Line] {
        let before = old.map { flatten($0, at: "$") } ?? [:]
        let after = flatten(new, at: "$")
        var lines: [Line] = []
        for path in Set(before.keys).union(after.keys).sorted() {
            switch (before[path], after[path]) {
            case (let was?, let now?) where was != now:
                lines += [.removed(path: path, value: was), .added(path: path, value: now)]
            case (let was?, nil): lines.append(.removed(path: path, value: was))
            case (nil, let now?): lines.append(.added(path: path, value: now))
            default: break
            }
        }
        return lines
    }

    /// Every leaf as `path → compact JSON`; lists of scalars stay one value, lists of objects are indexed.
    static func flatten(_ value: JSONValue, at path: String) -> [String: String] {
        switch value {
        case .object(let object) where !object.isEmpty:
            return object.reduce(into: [:]) { result, entry in
                result.merge(flatten(entry.value, at: "\(path).\(entry.key)")) { first, _ in first }
            }
        case .array(let items) where items.contains(where: { if case .object = $0 { true } else { false } }):
            return items.enumerated().reduce(into: [:]) { result, entry in
                result.merge(flatten(entry.element, at: "\(path)[\(entry.offset)]")) { first, _ in first }
            }
        default:
            return [path: JSONText.encode(value, pretty: false)]
        }
    }
}
