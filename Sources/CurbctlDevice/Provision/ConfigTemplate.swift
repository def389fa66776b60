/// Line-level edits of an example configuration that keep its comments ("customize to suit your situation"): whole
/// top-level blocks are replaced, everything else stays as written. The result is validated afterwards with the
/// daemon's own parser, so an edit that broke the document never reaches the disk.
struct ConfigTemplate {
    var lines: [String]

    init(_ text: String) { lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) }

    var text: String { lines.joined(separator: "\n") }

    /// The lines of top-level `key`: its own line and the indented (or blank/comment) lines below it.
    func block(_ key: String) -> Range<Int>? {
        guard let start = lines.firstIndex(where: { $0.hasPrefix("\(key):") }) else { return nil }
        var end = start + 1
        while end < lines.count, lines[end].isEmpty || lines[end].hasPrefix(" ") || lines[end].hasPrefix("#") {
            end += 1
        }
        // Trailing blank and comment lines belong to what follows.
        while end > start + 1, lines[end - 1].isEmpty || lines[end - 1].hasPrefix("#") { end -= 1 }
        return start..<end
    }

    /// Replaces top-level `key`'s block (or appends one) with `replacement`.
    mutating func replace(_ key: String, with replacement: [String]) {
        if let range = block(key) {
            lines.replaceSubrange(range, with: replacement)
        } else {
            let at = lines.last == "" ? lines.count - 1 : lines.count
            lines.insert(contentsOf: replacement, at: at)
        }
    }

    /// The value of a `  name: value` line inside top-level `key`'s block (block style only).
    func value(_ name: String, in key: String) -> String? {
        guard let range = block(key) else { return nil }
        for line in lines[range] where line.hasPrefix("  \(name):") {
            return line.dropFirst(name.count + 3).trimmingSpaces
        }
        return nil
    }

    /// A top-level `key: value` line's value.
    func value(_ key: String) -> String? {
        lines.first { $0.hasPrefix("\(key):") }.map { $0.dropFirst(key.count + 1).trimmingSpaces }
    }

    /// `value` as a YAML scalar: plain when it is a plain word, else double-quoted.
    static func scalar(_ value: String) -> String {
        let plain =
            value.allSatisfy { $0.isLetter || $0.isNumber || "._-/:".contains($0) } && !value.isEmpty
            && !value.hasPrefix("-") && !value.hasSuffix(":")
        if plain { return value }
        return "\"" + value.replacing("\\", with: "\\\\").replacing("\"", with: "\\\"") + "\""
    }
}

extension Substring {
    var trimmingSpaces: String {
        var text = self
        while text.first == " " { text.removeFirst() }
        while text.last == " " { text.removeLast() }
        return String(text)
    }
}
