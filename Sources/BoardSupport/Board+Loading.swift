import ConfigSupport
internal import Foundation
internal import Yams

extension Board {
    /// Parses and validates a board file's text.
    ///
    /// Every problem is reported at once, each with its JSON path (see ``BoardIssue``).
    ///
    /// - Parameters:
    ///   - yaml: the file's contents.
    ///   - expectedID: the id the file must declare, normally its name without `.yaml`; `nil` skips the check.
    ///   - file: shown in error messages.
    public static func parse(yaml: String, expectedID: String? = nil, file: String? = nil) throws(BoardError) -> Board {
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch {
            throw BoardError(.syntax, file: file, issues: [Self.syntaxIssue(error)])
        }
        guard let root else {
            let issue = BoardIssue(.missingKey, path: "$", expected: "a board mapping", found: "an empty document")
            throw BoardError(.invalid, file: file, issues: [issue])
        }
        var decoder = BoardDecoder()
        guard let board = decoder.decode(root, expectedID: expectedID) else {
            throw BoardError(.invalid, file: file, issues: Self.inFileOrder(decoder.issues))
        }
        return board
    }

    /// Reads, parses and validates one board file; its `board` id must equal the file name without `.yaml`.
    public static func load(file path: String) throws(BoardError) -> Board {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw BoardError(.unreadable, file: path, detail: error.localizedDescription)
        }
        let fileName = path.split(separator: "/").last.map(String.init) ?? path
        let id = fileName.hasSuffix(".yaml") ? String(fileName.dropLast(".yaml".count)) : fileName
        return try parse(yaml: text, expectedID: id, file: path)
    }

    /// Sorts issues by source line so the report reads top to bottom; issues without a line keep their place
    /// at the end, and issues on the same line keep the order they were found in.
    private static func inFileOrder(_ issues: [BoardIssue]) -> [BoardIssue] {
        issues.enumerated()
            .sorted { lhs, rhs in
                let left = lhs.element.sourceLine ?? Int.max
                let right = rhs.element.sourceLine ?? Int.max
                return left != right ? left < right : lhs.offset < rhs.offset
            }
            .map(\.element)
    }

    private static func syntaxIssue(_ error: any Error) -> BoardIssue {
        // libyaml reports the position of the first offending token; keep it so the message points somewhere.
        if let yamlError = error as? YamlError {
            switch yamlError {
            case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _):
                return BoardIssue(
                    .syntax, path: "$", expected: "well-formed YAML",
                    found: [context?.text, problem].compactMap { $0 }.joined(separator: " "), sourceLine: mark.line)
            default:
                break
            }
        }
        return BoardIssue(.syntax, path: "$", expected: "well-formed YAML", found: "\(error)")
    }
}
