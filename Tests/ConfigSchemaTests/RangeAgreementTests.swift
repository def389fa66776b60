import AgentRuntime
import ConfigSupport
import CurbsideTestKit
import Foundation
import StreetlightDevice
import Testing
import VibrationDevice
import Yams

/// For every key with a range in a committed configuration schema, the daemons' reader and the schema (checked by
/// Python's jsonschema, an independent implementation) agree: both accept the bounds, both reject just outside, and the
/// reader's message states the schema's range and `x-unit`.
@Suite("Reader and schema agree on every range", .timeLimit(.minutes(1)))
struct RangeAgreementTests {
    /// A key's range as the committed schema states it.
    struct Bound {
        var path: [String]
        var type: String
        var minimum: Double
        var maximum: Double
        var unit: String?

        /// The reader's wording for the range: `number 0…100000 lx`.
        var expected: String {
            "\(type) \(YAMLDocument.format(minimum))…\(YAMLDocument.format(maximum))" + (unit.map { " \($0)" } ?? "")
        }

        func value(_ number: Double) -> Any { type == "integer" ? Int(number) as Any : number as Any }
    }

    /// A schema file, a valid document to vary, and the reader of such documents.
    struct Subject {
        var base: [String: Any]
        var pathPrefix: String
        var read: (String) throws -> [ConfigIssue]
    }

    static let schemaFiles = [
        "agent-config.schema.json", "streetlightd-device.schema.json", "vibrationd-device.schema.json",
    ]

    static func subject(_ file: String) -> Subject? {
        switch file {
        case "agent-config.schema.json":
            Subject(
                base: [
                    "identity": ["site": "s", "kind": "k", "device": "d"], "mqtt": ["url": "mqtt://localhost"],
                    "board": "board.yaml", "hal": ["backend": "linux"], "state_dir": "/var/lib/curbside",
                    // The security section's bounds need its one required key beside them.
                    "security": ["trusted_keys": [["id": "k", "public_key": String(repeating: "A", count: 43) + "="]]],
                ],
                pathPrefix: "$",
                read: { text in
                    do throws(DocumentError) {
                        _ = try AgentConfiguration.parse(yaml: text) { _, _, _ in true }
                        return []
                    } catch {
                        return error.issues
                    }
                })
        case "streetlightd-device.schema.json": deviceSection(StreetlightConfiguration.read)
        case "vibrationd-device.schema.json": deviceSection(VibrationConfiguration.read)
        default: nil
        }
    }

    /// A daemon's `device` section, read alone.
    static func deviceSection(_ read: @escaping (inout NodeReader, Node?, JSONPath) -> (some Any)?) -> Subject {
        Subject(
            base: [:], pathPrefix: "$.device",
            read: { text in
                var reader = NodeReader()
                _ = read(
                    &reader, try YAMLDocument.compose(text, what: "a device section"), JSONPath.root.appending("device")
                )
                return reader.issues
            })
    }

    @Test(arguments: schemaFiles)
    func boundsAgree(schemaFile: String) async throws {
        let subject = try #require(Self.subject(schemaFile))
        let schemaPath = PayloadRoot.schema(schemaFile)
        let schema = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: schemaPath))) as? [String: Any]
        )
        let bounds = Self.bounds(in: schema, at: [])
        #expect(!bounds.isEmpty, "\(schemaFile) states no ranges")
        var inside: [String] = []
        var outside: [String] = []
        for bound in bounds {
            let path = ([subject.pathPrefix] + bound.path).joined(separator: ".")
            for value in [bound.minimum, bound.maximum] {
                let document = try Self.document(subject.base, setting: bound.path, to: bound.value(value))
                let issues = try subject.read(document).filter { $0.path == path && $0.expected == bound.expected }
                #expect(issues.isEmpty, "reader rejects \(path) = \(value), which the schema allows: \(issues)")
                inside.append(document)
            }
            for value in [bound.minimum - 1, bound.maximum + 1] {
                let document = try Self.document(subject.base, setting: bound.path, to: bound.value(value))
                let issues = try subject.read(document).filter { $0.path == path }
                #expect(
                    issues.map(\.expected) == [bound.expected],
                    "\(path) = \(value): the reader says \(issues), the schema says \(bound.expected)")
                outside.append(document)
            }
        }
        let accepted = try await ToolRun.run("python3", [PayloadRoot.validator, schemaPath] + inside)
        #expect(accepted.status == 0, "the schema rejects values at its own bounds:\n\(accepted.output)")
        let rejected = try await ToolRun.run("python3", [PayloadRoot.validator, schemaPath] + outside)
        let verdicts = rejected.output.split(separator: "\n").filter {
            $0.hasPrefix("valid ") || $0.hasPrefix("INVALID ")
        }
        #expect(verdicts.count == outside.count, "\(rejected.output)")
        #expect(
            verdicts.allSatisfy { $0.hasPrefix("INVALID ") },
            "the schema accepts values outside its range:\n\(rejected.output)")
    }

    /// Every property with `minimum` and `maximum`, nested objects included (list items and `oneOf` alternatives have
    /// rules beyond their range, e.g. a band's Nyquist limit, and are left to their own tests).
    static func bounds(in schema: [String: Any], at path: [String]) -> [Bound] {
        var result: [Bound] = []
        if let type = schema["type"] as? String, let minimum = schema["minimum"] as? Double,
            let maximum = schema["maximum"] as? Double
        {
            result.append(
                Bound(path: path, type: type, minimum: minimum, maximum: maximum, unit: schema["x-unit"] as? String))
        }
        for (key, child) in (schema["properties"] as? [String: Any] ?? [:]).sorted(by: { $0.key < $1.key }) {
            if let child = child as? [String: Any] { result += bounds(in: child, at: path + [key]) }
        }
        return result
    }

    /// `base` with `value` at `path`, as JSON (which YAML reads too).
    static func document(_ base: [String: Any], setting path: [String], to value: Any) throws -> String {
        func set(_ object: [String: Any], _ path: ArraySlice<String>) -> [String: Any] {
            var copy = object
            guard let key = path.first else { return copy }
            copy[key] = path.count == 1 ? value : set(copy[key] as? [String: Any] ?? [:], path.dropFirst())
            return copy
        }
        let data = try JSONSerialization.data(withJSONObject: set(base, path[...]), options: [.sortedKeys])
        return String(decoding: data, as: UTF8.self)
    }
}

/// Where the committed schemas and their Python validator are.
enum PayloadRoot {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static var validator: String { root.appendingPathComponent("Tools/validate-json.py").path }
    static func schema(_ file: String) -> String {
        root.appendingPathComponent("Firmware-config/schema").appendingPathComponent(file).path
    }
}
