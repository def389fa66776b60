/// A one-line progress bar on standard error for long operations (capture download, bulk configuration push):
/// redrawn in place on a terminal, one line per quarter otherwise so logs stay short.
public struct ProgressBar: Sendable {
    /// What is in progress (a capture id, `config push`).
    public var label: String
    /// Whether standard error is a terminal (redraw in place) or a log (a line per quarter).
    public var interactive: Bool
    private var lastQuarter = -1

    /// A bar that has shown nothing yet.
    public init(label: String, interactive: Bool) {
        self.label = label
        self.interactive = interactive
    }

    /// `done` of `total`, with `detail` after the bar (`12.3 kB`).
    public mutating func update(_ done: Int, of total: Int, detail: String = "") -> String? {
        let fraction = total > 0 ? Double(done) / Double(total) : 1
        let width = 24
        let filled = Int((fraction * Double(width)).rounded(.down))
        let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
        let line = "\(label) \(bar) \(done)/\(total) \(Int(fraction * 100))% \(detail)"
        if interactive { return "\r\u{1B}[2K" + line + (done >= total ? "\n" : "") }
        let quarter = Int(fraction * 4)
        guard quarter != lastQuarter else { return nil }
        lastQuarter = quarter
        return line + "\n"
    }
}
