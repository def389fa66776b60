import AgentRuntime
import ConfigSchemas
import ConfigSupport
import CurbsideTestKit
import Foundation
import StreetlightDevice
import Testing
import VibrationDevice
import Yams

/// A device section made of nothing but the schema's `default`s is valid to both the reader and Python's jsonschema,
/// and reads back as the settings structs' defaults: the conversions (seconds, percent, MiB, `none`) go both ways.
@Suite("Schema defaults read back as the settings' defaults", .timeLimit(.minutes(1)))
struct SchemaDefaultsTests {
    @Test func streetlight() async throws {
        try await Self.expectDefaultsReadBack(
            "streetlightd-device.schema.json", as: StreetlightConfiguration(), StreetlightConfiguration.read)
    }

    @Test func vibration() async throws {
        try await Self.expectDefaultsReadBack(
            "vibrationd-device.schema.json", as: VibrationConfiguration(), VibrationConfiguration.read)
    }

    static func expectDefaultsReadBack<Configuration: Equatable>(
        _ file: String, as expected: Configuration, _ read: (inout NodeReader, Node?, JSONPath) -> Configuration?
    ) async throws {
        let document = try Self.defaults(of: file)
        var reader = NodeReader()
        let configuration = read(
            &reader, try YAMLDocument.compose(document, what: "a device section"), JSONPath.root.appending("device"))
        #expect(reader.issues.isEmpty, "\(reader.issues)")
        #expect(configuration == expected)
        try await Self.expectSchemaAccepts(document, file)
    }

    /// Every `default` of the generated schema `file`, nested sections included, as one JSON document.
    static func defaults(of file: String) throws -> String {
        let schema = try #require(ConfigSchemas.documents.first { $0.file == file }?.schema)
        return defaults(in: schema).rendered
    }

    static func defaults(in schema: SchemaJSON) -> SchemaJSON {
        guard case .object(let members) = schema,
            case .object(let properties)? = members.first(where: { $0.key == "properties" })?.value
        else { return .object([]) }
        return .object(
            properties.compactMap { property in
                guard case .object(let keywords) = property.value else { return nil }
                if let value = keywords.first(where: { $0.key == "default" })?.value {
                    return SchemaJSON.Member(property.key, value)
                }
                guard keywords.contains(where: { $0.key == "properties" }) else { return nil }
                return SchemaJSON.Member(property.key, defaults(in: property.value))
            })
    }

    static func expectSchemaAccepts(_ document: String, _ file: String) async throws {
        let flat = document.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.joined()
        let result = try await ToolRun.run("python3", [PayloadRoot.validator, PayloadRoot.schema(file), flat])
        #expect(result.status == 0, "\(result.output)")
    }
}
