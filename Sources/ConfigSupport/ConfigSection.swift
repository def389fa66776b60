public import Yams

/// A configuration mapping declared once: its keys (``ConfigKey``), the rules between them, and the JSON Schema parts
/// of those rules that JSON Schema can say. Reads YAML with every problem reported at its path (unknown keys with the
/// nearest valid one) and writes the mapping's JSON Schema (draft 2020-12, `additionalProperties: false`).
public struct ConfigSection<Root> {
    /// What a read found: the mapping's keys and where it is, for rules and code that reads on.
    public struct Found {
        /// The mapping's declared keys that are present.
        public let keys: [String: Node]
        /// Declared keys whose value was wrong (reported); their fields kept the default.
        public let invalid: Set<String>
        /// The mapping itself.
        public let node: Node
        /// Where the mapping is.
        public let path: JSONPath

        /// The key's node when it is present and was read without a problem.
        public func valid(_ key: String) -> Node? { invalid.contains(key) ? nil : keys[key] }
    }

    /// A rule between keys, run after they were read, reporting its own problems.
    public typealias Rule = (inout NodeReader, Found, inout Root) -> Void

    /// The section's `description`.
    public let doc: String
    /// The keys, in the order they are read and listed in the schema.
    public private(set) var keys: [ConfigKey<Root>]
    private var rules: [Rule]
    private var constraints: [SchemaJSON.Member]

    /// A section of `keys`. `rules` check what a key alone cannot (lux_off above lux_on); `constraints` are their
    /// JSON Schema form where one exists (`dependentRequired`, `if`/`then`, `not`).
    public init(
        doc: String, keys: [ConfigKey<Root>], constraints: [SchemaJSON.Member] = [], rules: [Rule] = []
    ) {
        self.doc = doc
        self.keys = keys
        self.constraints = constraints
        self.rules = rules
    }

    /// The key names, for code that takes them out of a shared mapping (``NodeReader/split(_:at:taking:)``).
    public var keyNames: [String] { keys.map(\.name) }

    /// Reads the mapping at `path` into `value`: unknown keys and missing required keys are reported, each present key
    /// is read into its field (a wrong value leaves the default), then the rules run. Nil, with the problem
    /// reported, when the node is not a mapping.
    @discardableResult
    public func read(_ reader: inout NodeReader, _ node: Node, at path: JSONPath, into value: inout Root) -> Found? {
        let names = keys.filter(\.isRequired).map(\.name)
        guard
            let present = reader.object(
                node, at: path, required: names, optional: keys.filter { !$0.isRequired }.map(\.name))
        else { return nil }
        return read(&reader, present, node, at: path, into: &value)
    }

    /// Reads keys already taken out of a mapping that another section owns in part (see
    /// ``NodeReader/split(_:at:taking:)``); unknown keys are that section's to report.
    @discardableResult
    public func read(
        _ reader: inout NodeReader, taken present: [String: Node], from node: Node, at path: JSONPath,
        into value: inout Root
    ) -> Found {
        read(&reader, present, node, at: path, into: &value)
    }

    private func read(
        _ reader: inout NodeReader, _ present: [String: Node], _ node: Node, at path: JSONPath, into value: inout Root
    ) -> Found {
        var invalid: Set<String> = []
        for key in keys {
            guard let child = present[key.name] else { continue }
            let issuesBefore = reader.issues.count
            key.read(&reader, child, path.appending(key.name), &value)
            if reader.issues.count != issuesBefore { invalid.insert(key.name) }
        }
        let found = Found(keys: present, invalid: invalid, node: node, path: path)
        for rule in rules { rule(&reader, found, &value) }
        return found
    }

    /// The section's keys followed by `other`'s, for one schema over a mapping that two readers share.
    public func merged(with other: ConfigSection<Root>) -> ConfigSection<Root> {
        ConfigSection(
            doc: doc, keys: keys + other.keys, constraints: constraints + other.constraints, rules: rules + other.rules)
    }

    /// The same section over a field of `Parent`, so its keys can join a parent's mapping.
    public func lifted<Parent>(_ keyPath: WritableKeyPath<Parent, Root>) -> ConfigSection<Parent> {
        ConfigSection<Parent>(
            doc: doc, keys: keys.map { $0.lifted(keyPath) }, constraints: constraints,
            rules: rules.map { rule in
                { reader, found, parent in
                    let childFound = ConfigSection<Root>.Found(
                        keys: found.keys, invalid: found.invalid, node: found.node, path: found.path)
                    rule(&reader, childFound, &parent[keyPath: keyPath])
                }
            })
    }

    /// The mapping's schema keywords, with the values in `defaults` as each key's `default`.
    func keywords(defaults: Root) -> [SchemaJSON.Member] {
        let required = keys.filter(\.isRequired).map { SchemaJSON.string($0.name) }
        return [
            SchemaJSON.Member("type", .string("object")),
            SchemaJSON.Member("additionalProperties", .bool(false)),
        ] + SchemaJSON.members(["required": required.isEmpty ? nil : .array(required)])
            + [
                SchemaJSON.Member(
                    "properties", .object(keys.map { SchemaJSON.Member($0.name, $0.schema(defaults: defaults)) }))
            ]
            + constraints
    }

    /// `value` as the file would write it: each key that has a value to state.
    func value(of root: Root) -> SchemaJSON {
        .object(keys.compactMap { key in key.value(root).map { SchemaJSON.Member(key.name, $0) } })
    }

    /// A complete JSON Schema document (draft 2020-12) for this mapping, `defaults` giving each key's `default`.
    public func document(id: String, title: String, defaults: Root) -> SchemaJSON {
        .object(
            [
                SchemaJSON.Member("$schema", .string("https://json-schema.org/draft/2020-12/schema")),
                SchemaJSON.Member("$id", .string(id)),
                SchemaJSON.Member("title", .string(title)),
                SchemaJSON.Member("description", .string(doc)),
            ] + keywords(defaults: defaults))
    }
}

extension ConfigSection {
    /// Reads an optional mapping: absent, `defaults`; nil when any problem was found (each reported).
    public func read(_ reader: inout NodeReader, _ node: Node?, at path: JSONPath, defaults: Root) -> Root? {
        var value = defaults
        guard let node else { return value }
        let issuesBefore = reader.issues.count
        read(&reader, node, at: path, into: &value)
        return reader.issues.count == issuesBefore ? value : nil
    }
}

extension ConfigSection {
    /// Reads a mapping that two readers share: this section's keys (a daemon's local `hardware`), and everything else
    /// through `readRest` (the device logic's own reader) into the field at `keyPath`, whose unknown keys it reports.
    /// Absent: `defaults`; nil when any problem was found.
    public func read<Rest>(
        _ reader: inout NodeReader, _ node: Node?, at path: JSONPath, defaults: Root,
        rest keyPath: WritableKeyPath<Root, Rest>, _ readRest: (inout NodeReader, Node?, JSONPath) -> Rest?
    ) -> Root? {
        var value = defaults
        guard let node else { return value }
        let issuesBefore = reader.issues.count
        guard let (taken, rest) = reader.split(node, at: path, taking: keyNames) else { return nil }
        read(&reader, taken: taken, from: node, at: path, into: &value)
        guard let restValue = readRest(&reader, rest, path) else { return nil }
        value[keyPath: keyPath] = restValue
        return reader.issues.count == issuesBefore ? value : nil
    }
}
