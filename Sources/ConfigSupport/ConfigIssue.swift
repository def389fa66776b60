/// One problem found while validating a configuration, board or rig file, located by JSON path.
///
/// Reads like `$.gpio.lines.GPIO17.line: expected integer 0…57, got 99 (line 31)`.
public struct ConfigIssue: Error, Hashable, Sendable, CustomStringConvertible {
    /// What kind of problem; more codes may be added.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        let name: String
        /// The YAML text could not be parsed.
        public static let syntax = Code(name: "syntax")
        /// The text nests deeper than ``YAMLDocument/maximumNesting``; refused before parsing.
        public static let tooDeep = Code(name: "too deep")
        /// A value has the wrong YAML type (a string where an integer belongs).
        public static let wrongType = Code(name: "wrong type")
        /// A value has the right type but is outside its range or pattern.
        public static let invalidValue = Code(name: "invalid value")
        /// A required key is absent.
        public static let missingKey = Code(name: "missing key")
        /// A key that the format does not define.
        public static let unknownKey = Code(name: "unknown key")
        /// The same key twice in one mapping (YAML parsers keep only one; we refuse to guess which).
        public static let duplicateKey = Code(name: "duplicate key")
        /// Two entries claim the same hardware (chip + offset, header pin, device) or the same name.
        public static let conflict = Code(name: "conflict")
        /// A name that should refer to another entry (a chip, a line) refers to nothing.
        public static let unknownReference = Code(name: "unknown reference")
        /// The code's name, as printed in messages.
        public var description: String { name }
    }

    /// What kind of problem.
    public var code: Code
    /// Where in the document: `$.gpio.lines.GPIO17.line`.
    public var path: String
    /// What the format wants there.
    public var expected: String
    /// What the file has there, quoted as written.
    public var found: String
    /// The nearest valid name, for unknown keys and references.
    public var suggestion: String?
    /// 1-based line in the YAML source, when known.
    public var sourceLine: Int?

    /// A problem at `path`: what the format wants there and what the file has.
    public init(
        _ code: Code, path: String, expected: String, found: String, suggestion: String? = nil, sourceLine: Int? = nil
    ) {
        self.code = code
        self.path = path
        self.expected = expected
        self.found = found
        self.suggestion = suggestion
        self.sourceLine = sourceLine
    }

    /// `path: expected …, got …; did you mean "…"? (line N)`.
    public var description: String {
        var text = "\(path): expected \(expected), got \(found)"
        if let suggestion { text += "; did you mean \"\(suggestion)\"?" }
        if let sourceLine { text += " (line \(sourceLine))" }
        return text
    }
}
