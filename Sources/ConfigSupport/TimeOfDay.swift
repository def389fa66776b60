/// Local times of day as configuration files write them (`"23:00"`), as minutes after midnight.
public enum TimeOfDay {
    /// `"23:00"` → 1380; nil unless two-digit hours 00…23 and minutes 00…59 (or `"24:00"` → 1440 when
    /// `allowMidnightEnd`, for the end of a window that runs to midnight).
    public static func parse(_ text: String, allowMidnightEnd: Bool = false) -> Int? {
        if allowMidnightEnd, text == "24:00" { return 1_440 }
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count == 2, parts[1].count == 2, let hours = Int(parts[0]),
            let minutes = Int(parts[1]), (0...23).contains(hours), (0...59).contains(minutes)
        else { return nil }
        return hours * 60 + minutes
    }

    /// 1380 → `"23:00"`; 1440 → `"24:00"`.
    public static func format(_ minutes: Int) -> String {
        let hours = minutes / 60
        let rest = minutes % 60
        return (hours < 10 ? "0" : "") + "\(hours):" + (rest < 10 ? "0" : "") + "\(rest)"
    }
}
