public import Yams

/// One key of a configuration mapping, declared once: its name, type, range, unit and description, and the settings
/// field it fills. The same declaration reads the key from YAML (problems go to the `NodeReader` with their paths)
/// and writes its part of the JSON Schema, whose `default` is the field's value in the settings struct's default.
///
/// ```swift
/// .number("lux_on", \.luxOn, 0...100_000, "lx", doc: "Lamp on below this ambient light.")
/// ```
public struct ConfigKey<Root> {
    /// The key as written in the file (`lux_on`).
    public let name: String
    /// A required key is reported when absent and has no `default` in the schema.
    public private(set) var isRequired = false
    let doc: String
    /// The key's JSON Schema keywords after `description` and before `default`.
    let keywords: (Root) -> [SchemaJSON.Member]
    /// The field's value in file terms (the schema's `default`); nil when there is nothing to state.
    let value: (Root) -> SchemaJSON?
    /// Reads the key's node into the field, leaving it unchanged when the node is wrong (reported).
    let read: (inout NodeReader, Node, JSONPath, inout Root) -> Void

    /// A key whose reading and schema are written by hand, for shapes the other declarations do not cover.
    public init(
        _ name: String, doc: String, keywords: @escaping (Root) -> [SchemaJSON.Member],
        value: @escaping (Root) -> SchemaJSON? = { _ in nil },
        read: @escaping (inout NodeReader, Node, JSONPath, inout Root) -> Void
    ) {
        self.name = name
        self.doc = doc
        self.keywords = keywords
        self.value = value
        self.read = read
    }

    /// The same key, required.
    public func required() -> Self {
        var copy = self
        copy.isRequired = true
        return copy
    }

    /// The key as part of a section over `Parent`, for the field at `keyPath`.
    public func lifted<Parent>(_ keyPath: WritableKeyPath<Parent, Root>) -> ConfigKey<Parent> {
        var key = ConfigKey<Parent>(
            name, doc: doc, keywords: { [keywords] in keywords($0[keyPath: keyPath]) },
            value: { [value] in value($0[keyPath: keyPath]) },
            read: { [read] reader, node, path, parent in read(&reader, node, path, &parent[keyPath: keyPath]) })
        key.isRequired = isRequired
        return key
    }

    /// The key's property schema: description, its keywords, and the default unless required.
    func schema(defaults: Root) -> SchemaJSON {
        var members = [SchemaJSON.Member("description", .string(doc))] + keywords(defaults)
        if !isRequired, let value = value(defaults) { members.append(SchemaJSON.Member("default", value)) }
        return .object(members)
    }
}

extension ConfigKey {
    /// A number (integer or decimal) within `range`, optionally one of `allowed` (`what` names them in messages).
    public static func number<Field>(
        _ name: String, _ keyPath: WritableKeyPath<Root, Field>, _ range: ClosedRange<Double>, _ unit: String = "",
        as conversion: ConfigConversion<Field, Double>, allowed: [Double] = [], what: String = "", doc: String
    ) -> Self {
        number(
            name, range, unit, allowed: allowed, what: what, doc: doc,
            load: { conversion.encode($0[keyPath: keyPath]) },
            store: { $0[keyPath: keyPath] = conversion.decode($1) })
    }

    /// A number within `range` into a `Double` field.
    public static func number(
        _ name: String, _ keyPath: WritableKeyPath<Root, Double>, _ range: ClosedRange<Double>, _ unit: String = "",
        doc: String
    ) -> Self {
        number(name, keyPath, range, unit, as: .identity, doc: doc)
    }

    /// A number within `range` into an optional field: absent means nil, and there is no default to state.
    public static func number(
        _ name: String, _ keyPath: WritableKeyPath<Root, Double?>, _ range: ClosedRange<Double>, _ unit: String = "",
        doc: String
    ) -> Self {
        number(
            name, range, unit, allowed: [], what: "", doc: doc, load: { $0[keyPath: keyPath] },
            store: { $0[keyPath: keyPath] = $1 })
    }

    private static func number(
        _ name: String, _ range: ClosedRange<Double>, _ unit: String, allowed: [Double], what: String, doc: String,
        load: @escaping (Root) -> Double?, store: @escaping (inout Root, Double) -> Void
    ) -> Self {
        Self(
            name, doc: doc,
            keywords: { _ in
                [SchemaJSON.Member("type", .string("number"))]
                    + bounds(range.lowerBound, range.upperBound, allowed: allowed.map { .number($0) }, unit: unit)
            },
            value: { load($0).map { .number($0) } },
            read: { reader, node, path, root in
                guard let value = reader.number(node, at: path, in: range, unit: unit) else { return }
                guard allowed.isEmpty || allowed.contains(value) else {
                    reader.report(
                        .invalidValue, at: path, expected: what, found: NodeReader.describe(node), node: node)
                    return
                }
                store(&root, value)
            })
    }

    /// An integer within `range`, optionally one of `allowed` (`what` names them in messages).
    public static func integer<Field>(
        _ name: String, _ keyPath: WritableKeyPath<Root, Field>, _ range: ClosedRange<Int>, _ unit: String = "",
        as conversion: ConfigConversion<Field, Int>, allowed: [Int] = [], what: String = "", doc: String
    ) -> Self {
        Self(
            name, doc: doc,
            keywords: { _ in
                [SchemaJSON.Member("type", .string("integer"))]
                    + bounds(
                        Double(range.lowerBound), Double(range.upperBound),
                        allowed: allowed.map { .number(Double($0)) }, unit: unit)
            },
            value: { .number(Double(conversion.encode($0[keyPath: keyPath]))) },
            read: { reader, node, path, root in
                guard let value = reader.integer(node, at: path, in: range, unit: unit) else { return }
                guard allowed.isEmpty || allowed.contains(value) else {
                    reader.report(.invalidValue, at: path, expected: what, found: String(value), node: node)
                    return
                }
                root[keyPath: keyPath] = conversion.decode(value)
            })
    }

    /// `stall_limit_ms`: how long a safety daemon's control loop may go without a step before its watchdog writes
    /// the safe levels and latches `control-loop-stall` — one declaration for every daemon that has such a loop.
    public static func stallLimit(
        _ keyPath: WritableKeyPath<Root, Duration>, loop: String, steps period: String, default value: String
    ) -> Self {
        integer(
            "stall_limit_ms", keyPath, 100...10_000, "ms", as: .milliseconds,
            doc: "How long the \(loop) may go without a step before the watchdog writes the safe levels and latches "
                + "`control-loop-stall` (default \(value)). Raise it only where the CPU is known to be slow or shared "
                + "(an emulated test VM, a loaded CI machine); the loop steps every \(period).")
    }

    /// An integer within `range` into an `Int` field.
    public static func integer(
        _ name: String, _ keyPath: WritableKeyPath<Root, Int>, _ range: ClosedRange<Int>, _ unit: String = "",
        doc: String
    ) -> Self {
        integer(name, keyPath, range, unit, as: .identity, doc: doc)
    }

    /// An integer within `range`, or the string `none` for a part that is absent (nil).
    public static func integerOrNone<Field>(
        _ name: String, _ keyPath: WritableKeyPath<Root, Field?>, _ range: ClosedRange<Int>,
        as conversion: ConfigConversion<Field, Int>, doc: String
    ) -> Self {
        Self(
            name, doc: doc,
            keywords: { _ in
                let integer =
                    [SchemaJSON.Member("type", .string("integer"))]
                    + bounds(Double(range.lowerBound), Double(range.upperBound), allowed: [], unit: "")
                return [
                    SchemaJSON.Member(
                        "oneOf", .array([.object(integer), .object([SchemaJSON.Member("const", .string("none"))])]))
                ]
            },
            value: { root in
                root[keyPath: keyPath].map { .number(Double(conversion.encode($0))) } ?? .string("none")
            },
            read: { reader, node, path, root in
                if node.string == "none", NodeReader.tagName(of: node) == .str {
                    root[keyPath: keyPath] = nil
                } else if let value = reader.integer(node, at: path, in: range) {
                    root[keyPath: keyPath] = conversion.decode(value)
                }
            })
    }

    /// A 7-bit I²C address (0x03…0x77, the range outside the reserved ones).
    public static func i2cAddress(_ name: String, _ keyPath: WritableKeyPath<Root, UInt8>, doc: String) -> Self {
        integer(name, keyPath, i2cAddresses, as: .narrowed, doc: doc)
    }

    /// A 7-bit I²C address, or `none` when the part is absent.
    public static func i2cAddressOrNone(_ name: String, _ keyPath: WritableKeyPath<Root, UInt8?>, doc: String) -> Self {
        integerOrNone(name, keyPath, i2cAddresses, as: .narrowed, doc: doc)
    }

    /// 0x03…0x77: 0x00–0x02 and 0x78–0x7F are reserved by the I²C specification (UM10204 §3.1.12).
    static var i2cAddresses: ClosedRange<Int> { 0x03...0x77 }

    /// A boolean.
    public static func bool(_ name: String, _ keyPath: WritableKeyPath<Root, Bool>, doc: String) -> Self {
        Self(
            name, doc: doc, keywords: { _ in [SchemaJSON.Member("type", .string("boolean"))] },
            value: { .bool($0[keyPath: keyPath]) },
            read: { reader, node, path, root in
                if let value = reader.bool(node, at: path) { root[keyPath: keyPath] = value }
            })
    }

    /// A non-empty string, parsed into the field by `parse`. `pattern` (a JSON Schema regular expression, searched
    /// as JSON Schema does) and `parse` both must accept it; `what` names the accepted form in messages, and
    /// `choices` are listed in the schema as its `enum`. `format` writes the default back (nil: no default).
    public static func string<Field>(
        _ name: String, _ keyPath: WritableKeyPath<Root, Field>, what: String = "string", pattern: String? = nil,
        choices: [String] = [], parse: @escaping (String) -> Field?, format: @escaping (Field) -> String?, doc: String
    ) -> Self {
        let matches = pattern.map(Self.matcher)
        return Self(
            name, doc: doc,
            keywords: { _ in
                SchemaJSON.members([
                    "type": .string("string"),
                    "enum": choices.isEmpty ? nil : .array(choices.map { .string($0) }),
                    "pattern": pattern.map { .string($0) },
                ])
            },
            value: { root in format(root[keyPath: keyPath]).map { .string($0) } },
            read: { reader, node, path, root in
                var parsed: Field?
                let text = reader.string(
                    node, at: path,
                    matching: { text in
                        guard matches?(text) ?? true else { return false }
                        parsed = parse(text)
                        return parsed != nil
                    }, what: what)
                if text != nil, let parsed { root[keyPath: keyPath] = parsed }
            })
    }

    /// A non-empty string into a `String` field, matching `pattern` when given.
    public static func string(
        _ name: String, _ keyPath: WritableKeyPath<Root, String>, what: String = "string", pattern: String? = nil,
        doc: String
    ) -> Self {
        string(name, keyPath, what: what, pattern: pattern, parse: { $0 }, format: { $0 }, doc: doc)
    }

    /// A non-empty string into an optional `String` field (nil: not set, no default).
    public static func string(
        _ name: String, _ keyPath: WritableKeyPath<Root, String?>, what: String = "string", pattern: String? = nil,
        doc: String
    ) -> Self {
        string(name, keyPath, what: what, pattern: pattern, parse: { $0 }, format: { $0 }, doc: doc)
    }

    /// A list of non-empty strings, each matching `pattern` when given (`what` names the accepted form in messages).
    public static func strings(
        _ name: String, _ keyPath: WritableKeyPath<Root, [String]>, what: String = "string", pattern: String? = nil,
        doc: String
    ) -> Self {
        let matches = pattern.map(Self.matcher)
        return Self(
            name, doc: doc,
            keywords: { _ in
                [
                    SchemaJSON.Member("type", .string("array")),
                    SchemaJSON.Member(
                        "items",
                        .object(
                            SchemaJSON.members([
                                "type": .string("string"), "minLength": .number(1),
                                "pattern": pattern.map { .string($0) },
                            ]))),
                ]
            },
            value: { .array($0[keyPath: keyPath].map { .string($0) }) },
            read: { reader, node, path, root in
                var values: [String] = []
                var valid = true
                for (itemPath, item) in reader.list(node, at: path, of: what) {
                    guard let text = reader.string(item, at: itemPath, matching: { matches?($0) ?? true }, what: what)
                    else {
                        valid = false
                        continue
                    }
                    values.append(text)
                }
                if valid, case .sequence = node { root[keyPath: keyPath] = values }
            })
    }

    /// One of an enumeration's raw values (a typo gets the nearest as a suggestion), converted into the field.
    public static func choice<Field, Choice: RawRepresentable & CaseIterable>(
        _ name: String, _ keyPath: WritableKeyPath<Root, Field>, of type: Choice.Type,
        as conversion: ConfigConversion<Field, Choice>, doc: String
    ) -> Self where Choice.RawValue == String {
        Self(
            name, doc: doc,
            keywords: { _ in [SchemaJSON.Member("enum", .array(Choice.allCases.map { .string($0.rawValue) }))] },
            value: { .string(conversion.encode($0[keyPath: keyPath]).rawValue) },
            read: { reader, node, path, root in
                if let value = reader.choice(node, at: path, of: type) {
                    root[keyPath: keyPath] = conversion.decode(value)
                }
            })
    }

    /// A nested mapping read by its own section into the field at `keyPath`.
    public static func section<Child>(
        _ name: String, _ keyPath: WritableKeyPath<Root, Child>, _ section: ConfigSection<Child>
    ) -> Self {
        Self(
            name, doc: section.doc, keywords: { section.keywords(defaults: $0[keyPath: keyPath]) },
            read: { reader, node, path, root in section.read(&reader, node, at: path, into: &root[keyPath: keyPath]) })
    }

    /// A list of mappings, each read by `item` starting from `seed`, then offered to `accept` (rules between
    /// entries, which report their own problems) with the entries accepted so far. An entry with any problem is
    /// left out.
    public static func list<Item>(
        _ name: String, _ keyPath: WritableKeyPath<Root, [Item]>, of what: String, minimumCount: Int = 0,
        item: ConfigSection<Item>, seed: Item, doc: String,
        accept: @escaping (inout NodeReader, ListEntry<Item>, Root) -> Bool = { _, _, _ in true }
    ) -> Self {
        Self(
            name, doc: doc,
            keywords: { _ in
                SchemaJSON.members([
                    "type": .string("array"),
                    "minItems": minimumCount > 0 ? .number(Double(minimumCount)) : nil,
                    "items": .object(item.keywords(defaults: seed)),
                ])
            },
            value: { root in
                // An empty default of a list that needs entries means "not set" (custom_thresholds), not a value.
                let items = root[keyPath: keyPath]
                return items.count < minimumCount ? nil : .array(items.map(item.value(of:)))
            },
            read: { reader, node, path, root in
                var accepted: [(path: JSONPath, item: Item)] = []
                for (entryPath, entryNode) in reader.list(node, at: path, of: what, minimumCount: minimumCount) {
                    var value = seed
                    let issuesBefore = reader.issues.count
                    guard let found = item.read(&reader, entryNode, at: entryPath, into: &value),
                        reader.issues.count == issuesBefore,
                        accept(&reader, ListEntry(item: value, found: found, accepted: accepted), root)
                    else { continue }
                    accepted.append((entryPath, value))
                }
                root[keyPath: keyPath] = accepted.map(\.item)
            })
    }

    /// A mapping of entries by name (`groups: {fast: {…}, slow: {…}}`), each read by `item` starting from
    /// `seed(name)`, in file order. Names follow ``NodeReader/isName(_:)``; an entry with any problem is left out.
    public static func entries<Item>(
        _ name: String, _ keyPath: WritableKeyPath<Root, [Item]>, of what: String, minimumCount: Int = 0,
        item: ConfigSection<Item>, seed: @escaping (String) -> Item, doc: String
    ) -> Self {
        Self(
            name, doc: doc,
            keywords: { _ in
                SchemaJSON.members([
                    "type": .string("object"),
                    "minProperties": minimumCount > 0 ? .number(Double(minimumCount)) : nil,
                    "propertyNames": .object([SchemaJSON.Member("pattern", .string("^[A-Za-z][A-Za-z0-9_.-]*$"))]),
                    "additionalProperties": .object(item.keywords(defaults: seed("entry"))),
                ])
            },
            read: { reader, node, path, root in
                var accepted: [Item] = []
                let entries = reader.entries(node, at: path, of: what)
                if case .mapping = node, entries.count < minimumCount {
                    reader.report(
                        .invalidValue, at: path, expected: "at least \(minimumCount) \(what)",
                        found: "\(entries.count)", node: node)
                }
                for (entryName, entryNode) in entries {
                    var value = seed(entryName)
                    let issuesBefore = reader.issues.count
                    guard item.read(&reader, entryNode, at: path.appending(entryName), into: &value) != nil,
                        reader.issues.count == issuesBefore
                    else { continue }
                    accepted.append(value)
                }
                root[keyPath: keyPath] = accepted
            })
    }

    /// `minimum`/`maximum` (or `enum` when only some values are allowed) and `x-unit`.
    private static func bounds(_ lower: Double, _ upper: Double, allowed: [SchemaJSON], unit: String)
        -> [SchemaJSON.Member]
    {
        SchemaJSON.members([
            "enum": allowed.isEmpty ? nil : .array(allowed),
            "minimum": allowed.isEmpty ? .number(lower) : nil,
            "maximum": allowed.isEmpty ? .number(upper) : nil,
            "x-unit": unit.isEmpty ? nil : .string(unit),
        ])
    }

    /// A JSON Schema `pattern` as a predicate; unanchored, as JSON Schema applies it.
    private static func matcher(_ pattern: String) -> (String) -> Bool {
        let regex: Regex<AnyRegexOutput>
        do {
            regex = try Regex(pattern)
        } catch {
            preconditionFailure("configuration key pattern \(pattern) does not compile: \(error)")
        }
        return { $0.contains(regex) }
    }
}

/// One entry of a configuration list, offered to the list's rules between entries.
public struct ListEntry<Item> {
    /// The entry as read.
    public let item: Item
    /// Its keys and path.
    public let found: ConfigSection<Item>.Found
    /// The entries before it that were accepted, with their paths.
    public let accepted: [(path: JSONPath, item: Item)]
}

extension ListEntry {
    /// Whether the entry's `key` (its name, as `name(item)` gives it) differs from every accepted entry's; reports a
    /// conflict at the key, naming the entry that has it already, when not.
    public func hasOwnName(
        _ key: String, _ name: (Item) -> String, among what: String, _ reader: inout NodeReader
    ) -> Bool {
        let own = name(item)
        guard let first = accepted.first(where: { name($0.item) == own }) else { return true }
        reader.report(
            .conflict, at: found.path.appending(key), expected: "a name no other \(what) has",
            found: "\"\(own)\", already the name of \(first.path)", node: found.keys[key])
        return false
    }
}
