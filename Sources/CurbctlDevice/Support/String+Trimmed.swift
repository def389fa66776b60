extension StringProtocol {
    /// Without leading and trailing white space and newlines: `trimmingCharacters(in: .whitespacesAndNewlines)`,
    /// which is only in the full Foundation.
    var trimmed: String {
        String(drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
    }
}
