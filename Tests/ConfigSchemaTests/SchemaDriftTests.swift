import ConfigSchemas
import ConfigSupport
import Foundation
import Testing

/// The committed configuration schemas are generated from the Swift declarations; a hand edit or a declaration changed
/// without `make schemas` shows up here with the first line that differs.
@Suite struct SchemaDriftTests {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    @Test(arguments: ConfigSchemas.documents.map(\.file))
    func committedSchemaMatchesDeclarations(file: String) throws {
        let schema = try #require(ConfigSchemas.documents.first { $0.file == file }?.schema)
        let path = Self.packageRoot.appendingPathComponent(ConfigSchemas.folder).appendingPathComponent(file).path
        let committed = try String(contentsOfFile: path, encoding: .utf8)
        let difference = Self.firstDifference(committed: committed, generated: schema.rendered)
        #expect(difference == nil, "\(path) differs from its declarations at \(difference ?? ""); run `make schemas`")
    }

    @Test("Boards/board.schema.json's $defs.image matches BoardImage.section")
    func committedBoardSchemaMatchesDeclaration() throws {
        let path = Self.packageRoot.appendingPathComponent(ConfigSchemas.boardSchemaFile).path
        let committed = try String(contentsOfFile: path, encoding: .utf8)
        let spliced = try #require(ConfigSchemas.boardSchema(splicingInto: committed), "no $defs.image in \(path)")
        let difference = Self.firstDifference(committed: committed, generated: spliced)
        #expect(difference == nil, "\(path) differs from BoardImage.section at \(difference ?? ""); run `make schemas`")
    }

    /// The first differing line, 1-based, with both versions of it.
    static func firstDifference(committed: String, generated: String) -> String? {
        let old = committed.split(separator: "\n", omittingEmptySubsequences: false)
        let new = generated.split(separator: "\n", omittingEmptySubsequences: false)
        for index in 0..<max(old.count, new.count) {
            let left = index < old.count ? String(old[index]) : "(end of file)"
            let right = index < new.count ? String(new[index]) : "(end of file)"
            if left != right { return "line \(index + 1)\n  committed: \(left)\n  generated: \(right)" }
        }
        return nil
    }

    @Test func firstDifferenceNamesTheLineAndBothVersions() {
        #expect(
            Self.firstDifference(committed: "{\n  \"a\": 1\n}\n", generated: "{\n  \"a\": 2\n}\n")
                == "line 2\n  committed:   \"a\": 1\n  generated:   \"a\": 2")
        #expect(Self.firstDifference(committed: "{}\n", generated: "{}\n") == nil)
        #expect(
            Self.firstDifference(committed: "{}", generated: "{}\n")
                == "line 2\n  committed: (end of file)\n  generated: ")
    }
}
