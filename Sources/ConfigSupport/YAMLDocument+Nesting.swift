extension YAMLDocument {
    /// Documents nested deeper than this are refused before parsing. libyaml's parser and Yams' composer recurse
    /// once per level, and a file of 20 000 nested brackets overflows the stack (SIGSEGV) before any validation
    /// could report it; real configuration, board and rig files nest fewer than ten levels.
    public static let maximumNesting = 64

    /// The first line (1-based) at which `text` nests deeper than `limit`, or nil.
    ///
    /// A cheap pre-scan, not a parser: flow collections count their open brackets (outside quotes and comments),
    /// block collections count indentation levels plus the `- ` entries that start a line. It may overestimate
    /// (never by more than a document's honest depth allows at 64), and it never recurses.
    public static func lineNestingDeeper(than limit: Int, in text: String) -> Int? {
        var indents: [Int] = []
        var flowDepth = 0
        var quote: UInt8?
        /// A block scalar (`|`, `>`) owns the lines indented deeper than its key; their indentation is text.
        var blockScalarIndent: Int?
        var lineNumber = 0
        for line in text.utf8.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            lineNumber += 1
            let bytes = Array(line)
            let indent = bytes.prefix { $0 == UInt8(ascii: " ") }.count
            let isBlank =
                indent == bytes.count || bytes[indent] == UInt8(ascii: "#")
                || bytes[indent] == UInt8(ascii: "\r")
            if let owner = blockScalarIndent {
                if isBlank || indent > owner { continue }
                blockScalarIndent = nil
            }
            var depth = flowDepth
            var index = indent
            if flowDepth == 0, quote == nil, !isBlank {
                while let top = indents.last, top >= indent { indents.removeLast() }
                indents.append(indent)
                // `- - - x` opens one sequence per dash on a single line.
                var dashes = 0
                while index < bytes.count, bytes[index] == UInt8(ascii: "-"),
                    index + 1 == bytes.count || bytes[index + 1] == UInt8(ascii: " ")
                {
                    dashes += 1
                    index += 1
                    while index < bytes.count, bytes[index] == UInt8(ascii: " ") { index += 1 }
                }
                depth = indents.count + dashes
            }
            var previous = UInt8(ascii: " ")
            while index < bytes.count {
                let byte = bytes[index]
                if let open = quote {
                    if byte == open { quote = nil }
                } else if byte == UInt8(ascii: "#"), previous == UInt8(ascii: " ") || previous == UInt8(ascii: "\t") {
                    break
                } else if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'") {
                    // Only at the start of a scalar: the apostrophe in `O'Brien` opens nothing.
                    if " \t[{,:".utf8.contains(previous) { quote = byte }
                } else if byte == UInt8(ascii: "[") || byte == UInt8(ascii: "{") {
                    flowDepth += 1
                    depth += 1
                } else if byte == UInt8(ascii: "]") || byte == UInt8(ascii: "}") {
                    flowDepth = max(0, flowDepth - 1)
                }
                if depth > limit { return lineNumber }
                previous = byte
                index += 1
            }
            if depth > limit { return lineNumber }
            if quote == nil, flowDepth == 0, isBlockScalarHeader(bytes) {
                blockScalarIndent = indent
            }
        }
        return nil
    }

    /// `key: |-`, `- >2`: a block scalar indicator with its chomping and indentation modifiers ending the line.
    private static func isBlockScalarHeader(_ bytes: [UInt8]) -> Bool {
        var end = bytes.count
        while end > 0, bytes[end - 1] == UInt8(ascii: " ") || bytes[end - 1] == UInt8(ascii: "\r") { end -= 1 }
        var start = end
        while start > 0, "+-0123456789".utf8.contains(bytes[start - 1]) { start -= 1 }
        guard start > 0, bytes[start - 1] == UInt8(ascii: "|") || bytes[start - 1] == UInt8(ascii: ">")
        else { return false }
        return start - 1 == 0 || bytes[start - 2] == UInt8(ascii: " ")
    }
}
