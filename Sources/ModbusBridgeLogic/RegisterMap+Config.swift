public import ConfigSupport
import Yams

extension RegisterMap {
    /// The map-file format, each key declared once: read with path-precise errors and written into
    /// `Firmware-config/schema/modbus-map.schema.json` (`make schemas`).
    public static var section: ConfigSection<RegisterMap> {
        ConfigSection(
            doc: "A Modbus device's register map for modbusd: poll groups and points. Addresses are 0-based protocol "
                + "addresses (input register 30001 is address 0).",
            keys: [
                .string("model", \.model, doc: "The device model the map describes."),
                .choice(
                    "word_order", \.wordOrder, of: WordOrder.self, as: .identity,
                    doc: "Default for points: big = high word first (Modbus's own order), little = low word first."),
                .choice(
                    "byte_order", \.byteOrder, of: ByteOrder.self, as: .identity,
                    doc: "Default for points: the order of the two bytes in each register (big as the spec says)."),
                // The protocol's limits (Modbus Application Protocol V1.1b3, 6.1–6.4); devices may answer fewer.
                .integer(
                    "max_read_registers", \.limits.maxRegisters, 1...125, "registers",
                    doc: "Most registers one read request asks for."),
                .integer(
                    "max_read_bits", \.limits.maxBits, 1...2000, "bits",
                    doc: "Most coils or discrete inputs one read asks for."),
                .integer(
                    "max_gap_registers", \.limits.maxGapRegisters, 0...124, "registers",
                    doc: "Unused registers read to join two neighbouring spans into one request (0: adjacent only). "
                        + "Only where the device answers the gap without an exception."),
                .integer(
                    "max_gap_bits", \.limits.maxGapBits, 0...1999, "bits",
                    doc: "Unused coils or discrete inputs read to join two spans into one request."),
                .entries(
                    "groups", \.groups, of: "poll groups", minimumCount: 1, item: PollGroup.section,
                    seed: { PollGroup(name: $0) },
                    doc: "Poll groups by name: points read and published together (telemetry/{device}/{group})."),
                .list(
                    "points", \.points, of: "points", minimumCount: 1, item: ModbusPoint.section,
                    seed: ModbusPoint(name: ""), doc: "The device's values.", accept: acceptPoint
                ),
            ],
            rules: [everyGroupUsed])
    }

    /// A point's name is unique, its group exists and it fits one read request.
    private static func acceptPoint(
        _ reader: inout NodeReader, _ entry: ListEntry<ModbusPoint>, _ map: RegisterMap
    ) -> Bool {
        let point = entry.item
        let path = entry.found.path
        var accepted = entry.hasOwnName("name", \.name, among: "point", &reader)
        if map.group(named: point.group) == nil {
            let names = map.groups.map(\.name)
            reader.report(
                .unknownReference, at: path.appending("group"),
                expected: "a group of $.groups (" + names.joined(separator: ", ") + ")", found: "\"\(point.group)\"",
                suggestion: NearestMatch.suggestion(for: point.group, among: names), node: entry.found.keys["group"])
            accepted = false
        }
        let limit = point.register.isBits ? map.limits.maxBits : map.limits.maxRegisters
        if !point.register.isBits, point.count > limit {
            reader.report(
                .invalidValue, at: path.appending(entry.found.keys["length"] == nil ? "type" : "length"),
                expected: "at most max_read_registers (\(limit)) registers", found: "\(point.count) registers",
                node: entry.found.keys["length"] ?? entry.found.keys["type"])
            accepted = false
        }
        return accepted
    }

    /// A group no point names is a typo waiting to be found.
    private static func everyGroupUsed(
        _ reader: inout NodeReader, _ found: ConfigSection<RegisterMap>.Found, _ map: inout RegisterMap
    ) {
        guard found.valid("points") != nil, found.valid("groups") != nil, !map.points.isEmpty else { return }
        for group in map.groups where !map.points.contains(where: { $0.group == group.name }) {
            reader.report(
                .invalidValue, at: found.path.appending("groups").appending(group.name),
                expected: "a group that at least one point names", found: "no point in \"\(group.name)\"",
                node: found.keys["groups"])
        }
    }

    /// Reads a map file, every problem with its JSON path and line.
    public static func load(file: String) throws(DocumentError) -> RegisterMap {
        try read(YAMLDocument.load(file: file, what: "a register map"), file: file)
    }

    /// Reads a map from text (`file` names it in messages).
    public static func parse(_ text: String, file: String? = nil) throws(DocumentError) -> RegisterMap {
        try read(YAMLDocument.parse(text, file: file, what: "a register map"), file: file)
    }

    private static func read(_ node: Node, file: String?) throws(DocumentError) -> RegisterMap {
        var reader = NodeReader()
        var map = RegisterMap()
        section.read(&reader, node, at: .root, into: &map)
        guard reader.issues.isEmpty else {
            throw DocumentError(.invalid, file: file, issues: YAMLDocument.inFileOrder(reader.issues))
        }
        return map
    }

    /// The map-file format's JSON Schema, as `make schemas` writes it.
    public static var schema: SchemaJSON {
        section.document(
            id: "https://curbside.example/schema/modbus-map.schema.json", title: "modbusd register map",
            defaults: RegisterMap())
    }
}

extension PollGroup {
    static var section: ConfigSection<PollGroup> {
        ConfigSection(
            doc: "One poll group.",
            keys: [
                // 10 ms is about one RTU transaction at 115 200 Bd; a day is the slowest poll anyone asked for.
                .integer(
                    "period_ms", \.period, 10...86_400_000, "ms", as: .milliseconds,
                    doc: "How often the group's points are read."),
                .integer(
                    "heartbeat_s", \.heartbeat, 1...86_400, "s", as: .seconds,
                    doc: "The group is published at least this often, even when no point moved beyond its deadband."),
            ])
    }
}

extension ModbusPoint {
    static var section: ConfigSection<ModbusPoint> {
        ConfigSection(
            doc: "One point: where it sits, how it is encoded and published.",
            keys: [
                .string(
                    "name", \.name, what: "a name of letters, digits and '_'", pattern: "^[A-Za-z][A-Za-z0-9_]*$",
                    doc: "The point's name in telemetry and in write commands."
                ).required(),
                .choice(
                    "register", \.register, of: RegisterType.self, as: .identity,
                    doc: "The register table: coil (01/05/15), discrete (02), holding (03/06/16), input (04)."
                ).required(),
                .integer("address", \.address, 0...65_535, doc: "0-based protocol address.").required(),
                .choice(
                    "type", \.type, of: ModbusDataType.self, as: .identity,
                    doc: "Data type; bool for coils and discrete inputs (their default), u16 by default otherwise."),
                .integer(
                    "length", \.length, 1...125, "registers",
                    doc: "Registers of a string (two characters each) or a bitfield (1–4)."),
                optionalChoice(
                    "word_order", \.wordOrder, doc: "Word order of a multi-register value (default: the map's)."),
                optionalChoice(
                    "byte_order", \.byteOrder, doc: "Byte order within each register (default: the map's)."),
                .number("scale", \.scale, -1e12...1e12, doc: "Published value = raw × scale + offset."),
                .number("offset", \.offset, -1e12...1e12, doc: "Published value = raw × scale + offset."),
                .string("unit", \.unit, doc: "Unit of the published value (V, kWh, °C)."),
                .number(
                    "deadband", \.deadband, 0...1e12,
                    doc: "The group is published when this point moved more than this since it was last published "
                        + "(0: any change), in published units."),
                .string("group", \.group, doc: "The poll group (a key of groups).").required(),
                .bool("writable", \.writable, doc: "Whether the write command may set it (coil or holding only)."),
                .number("min", \.minimum, -1e18...1e18, doc: "Smallest value a write may set, in published units."),
                .number("max", \.maximum, -1e18...1e18, doc: "Largest value a write may set, in published units."),
                bitsKey,
            ],
            rules: [consistent])
    }

    /// A choice whose absence means "the map's default", so the schema states no default of its own.
    private static func optionalChoice<Choice: RawRepresentable & CaseIterable & Sendable>(
        _ name: String, _ keyPath: WritableKeyPath<ModbusPoint, Choice?>, doc: String
    ) -> ConfigKey<ModbusPoint> where Choice.RawValue == String {
        ConfigKey(
            name, doc: doc,
            keywords: { _ in [SchemaJSON.Member("enum", .array(Choice.allCases.map { .string($0.rawValue) }))] },
            read: { reader, node, path, point in
                if let value = reader.choice(node, at: path, of: Choice.self) { point[keyPath: keyPath] = value }
            })
    }

    /// `bits: {running: 0, fault: 3}`: a bitfield's bits by name, bit 0 the least significant.
    private static var bitsKey: ConfigKey<ModbusPoint> {
        ConfigKey(
            "bits", doc: "A bitfield's bits by name; bit 0 is the least significant bit of the value.",
            keywords: { _ in
                [
                    SchemaJSON.Member("type", .string("object")),
                    SchemaJSON.Member(
                        "additionalProperties",
                        .object([
                            SchemaJSON.Member("type", .string("integer")), SchemaJSON.Member("minimum", .number(0)),
                            SchemaJSON.Member("maximum", .number(63)),
                        ])),
                ]
            },
            read: { reader, node, path, point in
                point.bits = reader.entries(node, at: path, of: "bit numbers").compactMap { name, bitNode in
                    reader.integer(bitNode, at: path.appending(name), in: 0...63).map { BitName(name: name, bit: $0) }
                }
            })
    }

    /// What one key alone cannot say: the type fits the table, strings and bitfields say their size, only coils and
    /// holding registers are writable, a write range is a range.
    private static func consistent(
        _ reader: inout NodeReader, _ found: ConfigSection<ModbusPoint>.Found, _ point: inout ModbusPoint
    ) {
        let path = found.path
        func report(_ key: String, expected: String, found text: String, _ code: ConfigIssue.Code = .conflict) {
            reader.report(code, at: path.appending(key), expected: expected, found: text, node: found.keys[key])
        }
        guard found.valid("register") != nil, found.valid("type") != nil || found.keys["type"] == nil else { return }
        if point.register.isBits {
            if found.keys["type"] == nil { point.type = .bool }
            if point.type != .bool {
                report("type", expected: "bool for a \(point.register.rawValue)", found: "\"\(point.type.rawValue)\"")
            }
        } else if point.type == .bool {
            report(
                "type", expected: "a register type (u16 … bitfield) for a \(point.register.rawValue) register",
                found: "\"bool\"")
        }
        switch point.type {
        case .string:
            if found.keys["length"] == nil {
                report("length", expected: "the string's length in registers", found: "nothing", .missingKey)
            }
        case .bitfield:
            if point.length > 4 { report("length", expected: "1…4 registers for a bitfield", found: "\(point.length)") }
            if found.keys["bits"] == nil {
                report("bits", expected: "the bitfield's bits by name", found: "nothing", .missingKey)
            }
            for bit in point.bits where bit.bit >= point.length * 16 {
                reader.report(
                    .invalidValue, at: path.appending("bits").appending(bit.name),
                    expected: "a bit 0…\(point.length * 16 - 1) of \(point.length) register(s)", found: "\(bit.bit)",
                    node: found.keys["bits"])
            }
        default:
            if found.keys["length"] != nil {
                report(
                    "length", expected: "length only for string and bitfield",
                    found: "length with \(point.type.rawValue)")
            }
        }
        if point.type != .bitfield, found.keys["bits"] != nil {
            report("bits", expected: "bits only for a bitfield", found: "bits with \(point.type.rawValue)")
        }
        if !point.type.isNumeric {
            for key in ["scale", "offset", "deadband", "min", "max"] where found.keys[key] != nil {
                report(key, expected: "\(key) only for numeric types", found: "\(key) with \(point.type.rawValue)")
            }
        }
        if found.valid("scale") != nil, point.scale == 0 {
            report("scale", expected: "a scale other than 0", found: "0", .invalidValue)
        }
        if point.writable, !point.register.isWritable {
            report(
                "writable", expected: "writable only for coil or holding",
                found: "a writable \(point.register.rawValue)")
        }
        if let low = point.minimum, let high = point.maximum, low > high {
            report("max", expected: "max at least min (\(low))", found: "\(high)", .invalidValue)
        }
        let end = point.address + (point.register.isBits ? 1 : point.count)
        if found.valid("address") != nil, end > 65_536 {
            report(
                "address", expected: "a point ending at or below address 65535",
                found: "\(point.address) + \(point.count) registers", .invalidValue)
        }
    }
}
