import FoundationEssentials
import Glibc

/// A document (board file, agent configuration, rig file) that could not be read, parsed or validated, with every
/// problem found in one pass.
///
/// Reads like `Boards/raspberry-pi-4b.yaml: 2 problems` followed by one ``ConfigIssue`` per line.
public struct DocumentError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What kind of failure; more codes may be added.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        let name: String
        /// The file or directory could not be read; see `detail`.
        public static let unreadable = Code(name: "unreadable")
        /// The file is not valid YAML; see `issues`.
        public static let syntax = Code(name: "YAML syntax error")
        /// Nested deeper than ``YAMLDocument/maximumNesting``; refused before parsing. `detail` names the line.
        public static let tooDeep = Code(name: "nesting too deep")
        /// The YAML is well formed but not valid for its format; see `issues`.
        public static let invalid = Code(name: "invalid")
        /// The code's name, as printed in messages.
        public var description: String { name }
    }

    /// What kind of failure.
    public var code: Code
    /// The file, when loaded from disk.
    public var file: String?
    /// Every problem found, in file order.
    public var issues: [ConfigIssue]
    /// Operating-system detail for `unreadable`.
    public var detail: String?

    /// An error for `file` with the issues found there.
    public init(_ code: Code, file: String?, issues: [ConfigIssue] = [], detail: String? = nil) {
        self.code = code
        self.file = file
        self.issues = issues
        self.detail = detail
    }

    /// The file, the number of problems, then one problem per line.
    public var description: String {
        var text = (file ?? "document") + ": "
        if let detail {
            // `file.yaml: nesting deeper than 64 levels at line 3` says it all; the code would only repeat it.
            text += code == .tooDeep ? detail : "\(code): \(detail)"
        } else {
            text += issues.count == 1 ? "1 problem" : "\(issues.count) problems"
        }
        for issue in issues { text += "\n  " + issue.description }
        return text
    }
}

extension DocumentError {
    /// The operating system's reason a file operation failed (`No such file or directory`), for `detail`:
    /// FoundationEssentials' errors have no `localizedDescription` (that lives in the full Foundation), so the POSIX
    /// cause they carry is spelled out with `strerror`; any other error is written as it describes itself.
    public static func reason(_ error: any Error) -> String {
        let posix = (error as? POSIXError) ?? ((error as? CocoaError)?.userInfo["NSUnderlyingError"] as? POSIXError)
        guard let posix else { return "\(error)" }
        return String(cString: strerror(posix.code.rawValue))
    }
}
