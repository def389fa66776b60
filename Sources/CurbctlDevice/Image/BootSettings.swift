public import BoardSupport

/// Adds a board's boot settings (``BoardImage/BootConfig``) to the text of its boot configuration file, leaving every
/// other line as it was.
public enum BootSettings {
    /// `text` with `settings` added in `style`, and the settings that changed something.
    public static func apply(
        _ settings: [String], style: BoardImage.BootConfig.Style, to text: String, comment: String
    ) -> (text: String, added: [String]) {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.last == "" { lines.removeLast() }
        var appended: [String] = []
        var added: [String] = []
        switch style {
        case .lines:
            // config.txt applies a line only in the unconditional part: before the first [filter] or after [all].
            var effective: Set<String> = []
            var applies = true
            for line in lines.map(Self.trimmed) {
                if line.hasPrefix("[") { applies = line == "[all]" } else if applies { effective.insert(line) }
            }
            let missing = settings.filter { !effective.contains($0) }
            guard !missing.isEmpty else { return (text, []) }
            let lastSection = lines.map(Self.trimmed).last { $0.hasPrefix("[") }
            appended = [comment] + (lastSection == nil || lastSection == "[all]" ? [] : ["[all]"]) + missing
            added = missing
        case .assignments:
            for setting in settings {
                let key = setting.prefix { $0 != "=" } + "="
                if let index = lines.lastIndex(where: { Self.trimmed($0).hasPrefix(key) }) {
                    guard Self.trimmed(lines[index]) != setting else { continue }
                    lines[index] = setting
                } else {
                    appended.append(setting)
                }
                added.append(setting)
            }
            guard !added.isEmpty else { return (text, []) }
            if !appended.isEmpty { appended.insert(comment, at: 0) }
        }
        return ((lines + appended).joined(separator: "\n") + "\n", added)
    }

    private static func trimmed(_ line: String) -> String {
        String(
            line.drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" || $0 == "\r" }.reversed())
    }

    /// A kernel command line (one line of space-separated arguments) without `remove`'s arguments, and the ones
    /// that were there.
    public static func removing(_ remove: [String], from text: String) -> (text: String, removed: [String]) {
        let line = text.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        let arguments = line.split(separator: " ").map(String.init)
        let removed = remove.filter(arguments.contains)
        guard !removed.isEmpty else { return (text, []) }
        let rest = text.dropFirst(line.count)
        return (arguments.filter { !remove.contains($0) }.joined(separator: " ") + rest, removed)
    }
}
