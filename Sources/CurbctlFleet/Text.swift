/// Small text helpers for terminal output (no Foundation formatting needed).
public enum Text {
    /// `text` padded with spaces to `width` characters (longer text is left as it is).
    public static func pad(_ text: String, _ width: Int) -> String {
        let count = visibleLength(text)
        return count >= width ? text : text + String(repeating: " ", count: width - count)
    }

    /// `value` with at most `digits` decimals and no trailing zeros (`21.4`, `3`, `0.012`).
    public static func number(_ value: Double, digits: Int = 3) -> String {
        guard value.isFinite else { return String(value) }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        // Enough significant digits for small readings (0.00042 m/s²) without printing noise.
        let magnitude = abs(value)
        let decimals =
            magnitude >= 100 ? min(digits, 1) : magnitude >= 1 ? digits - 1 : magnitude >= 0.01 ? digits + 1 : 6
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        let rounded = (value * scale).rounded() / scale
        var text = String(rounded)
        if text.contains("e") { return text }
        if text.contains(".") {
            while text.hasSuffix("0") { text.removeLast() }
            if text.hasSuffix(".") { text.removeLast() }
        }
        return text
    }

    /// Characters that take a column: ANSI colour escapes (`ESC [ … m`) take none.
    public static func visibleLength(_ text: String) -> Int {
        var count = 0
        var inEscape = false
        for character in text {
            if character == "\u{1B}" {
                inEscape = true
            } else if inEscape {
                if character == "m" { inEscape = false }
            } else {
                count += 1
            }
        }
        return count
    }

    /// A table: a header row and rows, columns as wide as their widest cell, two spaces apart.
    public static func table(_ header: [String], _ rows: [[String]]) -> String {
        var widths = header.map(\.count)
        for row in rows {
            for (index, cell) in row.enumerated() where index < widths.count {
                widths[index] = max(widths[index], visibleLength(cell))
            }
        }
        func line(_ cells: [String]) -> String {
            var text = ""
            for (index, cell) in cells.enumerated() {
                text += index == cells.count - 1 ? cell : pad(cell, widths[index]) + "  "
            }
            return text
        }
        return ([line(header)] + rows.map(line)).joined(separator: "\n")
    }
}
