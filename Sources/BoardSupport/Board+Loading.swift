public import ConfigSupport
internal import FoundationEssentials
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
        let root = try YAMLDocument.parse(yaml, file: file, what: "a board mapping")
        var decoder = BoardDecoder()
        guard let board = decoder.decode(root, expectedID: expectedID) else {
            throw BoardError(.invalid, file: file, issues: YAMLDocument.inFileOrder(decoder.issues))
        }
        return board
    }

    /// Reads, parses and validates one board file; its `board` id must equal the file name without `.yaml`.
    public static func load(file path: String) throws(BoardError) -> Board {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw BoardError(.unreadable, file: path, detail: DocumentError.reason(error))
        }
        let fileName = path.split(separator: "/").last.map(String.init) ?? path
        let id = fileName.hasSuffix(".yaml") ? String(fileName.dropLast(".yaml".count)) : fileName
        return try parse(yaml: text, expectedID: id, file: path)
    }
}
