import FoundationEssentials
public import Yams

/// Parsing a YAML document into nodes for a ``NodeReader``, with syntax errors as ``ConfigIssue``s.
public enum YAMLDocument {
    /// Composes `yaml` into its root node. An empty document is reported as a missing root of kind `what`.
    /// Text nested deeper than ``maximumNesting`` is refused unparsed (`tooDeep`, with the line).
    public static func compose(_ yaml: String, what: String) throws(ConfigIssue) -> Node {
        if let line = lineNestingDeeper(than: maximumNesting, in: yaml) {
            throw ConfigIssue(
                .tooDeep, path: "$", expected: "nesting at most \(maximumNesting) levels deep", found: "deeper",
                sourceLine: line)
        }
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch {
            throw syntaxIssue(error)
        }
        guard let root else { throw ConfigIssue(.missingKey, path: "$", expected: what, found: "an empty document") }
        return root
    }

    /// Sorts issues by source line so a report reads top to bottom; issues without a line keep their place at the
    /// end, and issues on the same line keep the order they were found in.
    public static func inFileOrder(_ issues: [ConfigIssue]) -> [ConfigIssue] {
        issues.enumerated()
            .sorted { lhs, rhs in
                let left = lhs.element.sourceLine ?? Int.max
                let right = rhs.element.sourceLine ?? Int.max
                return left != right ? left < right : lhs.offset < rhs.offset
            }
            .map(\.element)
    }

    private static func syntaxIssue(_ error: any Error) -> ConfigIssue {
        // libyaml reports the position of the first offending token; keep it so the message points somewhere.
        if let yamlError = error as? YamlError {
            switch yamlError {
            case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _):
                return ConfigIssue(
                    .syntax, path: "$", expected: "well-formed YAML",
                    found: [context?.text, problem].compactMap { $0 }.joined(separator: " "), sourceLine: mark.line)
            default:
                break
            }
        }
        return ConfigIssue(.syntax, path: "$", expected: "well-formed YAML", found: "\(error)")
    }
}

extension YAMLDocument {
    /// Composes `text` (from `file`, for messages); a syntax error or an empty document is a `DocumentError`.
    public static func parse(_ text: String, file: String?, what: String) throws(DocumentError) -> Node {
        do {
            return try compose(text, what: what)
        } catch {
            throw documentError(error, file: file)
        }
    }

    /// The document-level error for what `compose` threw; too deep a document is said in one line.
    public static func documentError(_ issue: ConfigIssue, file: String?) -> DocumentError {
        if issue.code == .tooDeep {
            return DocumentError(
                .tooDeep, file: file,
                detail: "nesting deeper than \(maximumNesting) levels at line \(issue.sourceLine ?? 1)")
        }
        return DocumentError(issue.code == .syntax ? .syntax : .invalid, file: file, issues: [issue])
    }

    /// Reads and composes a file; an unreadable file is a `DocumentError` with the operating system's reason.
    public static func load(file: String, what: String) throws(DocumentError) -> Node {
        let text: String
        do {
            text = try String(contentsOfFile: file, encoding: .utf8)
        } catch {
            throw DocumentError(.unreadable, file: file, detail: DocumentError.reason(error))
        }
        return try parse(text, file: file, what: what)
    }
}
