public import FoundationEssentials
import HAL

/// RFC 3339 timestamps in UTC with milliseconds (`2026-11-25T02:10:00.123Z`), as every payload carries them.
public enum RFC3339 {
    /// `Date.ISO8601FormatStyle(includingFractionalSeconds: true)`'s text (milliseconds truncated), written from the
    /// whole seconds and the day count directly: every published message carries one, and the format style (a
    /// calendar and its components per call) cost more than the rest of a telemetry message's encoding. The
    /// fraction is taken exactly (the style computes the time of day in floating point and is, about once in a
    /// thousand instants, one millisecond lower).
    public static func format(_ date: Date) -> String {
        let sinceReference = date.timeIntervalSinceReferenceDate
        let whole = sinceReference.rounded(.down)
        // Years 0000...9999 only (a clock gone wrong beyond them): the format style's own words for the rest.
        guard whole.isFinite, (whole + 978_307_200).magnitude < 253_402_300_800 else {
            return date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
        }
        let millisecond = min(999, Int64((sinceReference - whole) * 1000))
        let (days, secondOfDay) = floorDivision(Int64(whole) + 978_307_200, 86_400)
        let civil = CivilDate(daysSinceEpoch: Int(days))
        guard civil.year >= 0 else { return date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true)) }
        var text: [UInt8] = []
        text.reserveCapacity(24)
        append(Int64(civil.year), digits: 4, to: &text)
        text.append(UInt8(ascii: "-"))
        append(Int64(civil.month), digits: 2, to: &text)
        text.append(UInt8(ascii: "-"))
        append(Int64(civil.day), digits: 2, to: &text)
        text.append(UInt8(ascii: "T"))
        append(secondOfDay / 3600, digits: 2, to: &text)
        text.append(UInt8(ascii: ":"))
        append(secondOfDay / 60 % 60, digits: 2, to: &text)
        text.append(UInt8(ascii: ":"))
        append(secondOfDay % 60, digits: 2, to: &text)
        text.append(UInt8(ascii: "."))
        append(millisecond, digits: 3, to: &text)
        text.append(UInt8(ascii: "Z"))
        return String(decoding: text, as: UTF8.self)
    }

    /// Parses RFC 3339 with or without fractional seconds and with `Z` or a numeric offset.
    public static func parse(_ text: String) -> Date? {
        let withFraction = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
        if let date = try? withFraction.parse(text) { return date }
        return try? Date.ISO8601FormatStyle().parse(text)
    }

    private static func floorDivision(_ value: Int64, _ divisor: Int64) -> (quotient: Int64, remainder: Int64) {
        let remainder = value % divisor
        return remainder < 0 ? (value / divisor - 1, remainder + divisor) : (value / divisor, remainder)
    }

    private static func append(_ value: Int64, digits: Int, to text: inout [UInt8]) {
        var divisor: Int64 = 1
        for _ in 1..<digits { divisor *= 10 }
        var rest = value
        while divisor > 0 {
            text.append(UInt8(ascii: "0") + UInt8(rest / divisor % 10))
            rest %= divisor
            divisor /= 10
        }
    }
}
