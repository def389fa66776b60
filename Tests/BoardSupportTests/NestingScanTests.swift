import ConfigSupport
import Foundation
import Testing

/// The pre-scan that bounds nesting before the parser recurses: exact on what it must refuse, silent on every YAML
/// file in the repository.
@Suite("YAML nesting pre-scan")
struct NestingScanTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    @Test(
        "the first line past the limit is named",
        arguments: [
            ("a: [[x]]", 3, nil),
            ("a: [[[x]]]", 3, 1),
            ("a:\n  b: {c: [1, 2]}\n", 4, nil),
            ("a:\n  b: {c: [[1], 2]}\n", 4, 2),
            ("- - - x\n", 4, nil),
            ("- - - - x\n", 4, 1),
            ("a:\n b:\n  c:\n   d: 1\n", 3, 4),
            ("a: \"[[[[[\"\nb: '{{{{'\nc: x # [[[[[\nd: O'Brien [[ ]]\n", 3, nil),
            ("a: |\n  [[[[[[\n      - - - - -\nb: 1\n", 3, nil),
            ("a: >-\n  {{{{{{\nb: [[[[x]]]]\n", 3, 3),
        ] as [(String, Int, Int?)])
    func scan(text: String, limit: Int, line: Int?) {
        #expect(YAMLDocument.lineNestingDeeper(than: limit, in: text) == line)
    }

    @Test("no YAML file in the repository comes near the limit")
    func repositoryFiles() throws {
        let folders = ["Boards", "Firmware-config", "Tests/Scenarios"]
        var checked = 0
        for folder in folders {
            let base = Self.root.appendingPathComponent(folder)
            let files = FileManager.default.enumerator(atPath: base.path)?.compactMap { $0 as? String } ?? []
            for name in files where name.hasSuffix(".yaml") {
                let text = try String(contentsOf: base.appendingPathComponent(name), encoding: .utf8)
                #expect(YAMLDocument.lineNestingDeeper(than: 12, in: text) == nil, "\(folder)/\(name)")
                checked += 1
            }
        }
        #expect(checked > 20)
    }

    @Test("compose refuses deep text before parsing, with the line")
    func compose() {
        let deep = "ok: 1\nx: " + String(repeating: "[", count: 100_000)
        #expect(throws: ConfigIssue.self) { try YAMLDocument.compose(deep, what: "a mapping") }
        let error = YAMLDocument.documentError(
            ConfigIssue(.tooDeep, path: "$", expected: "", found: "", sourceLine: 2), file: "f.yaml")
        #expect(error.description == "f.yaml: nesting deeper than 64 levels at line 2")
    }
}
