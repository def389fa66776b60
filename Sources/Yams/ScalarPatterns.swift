// Curbside: the default resolver rules' patterns (Resolver.swift, YAML 1.1 types as upstream Yams 5.0.1 has them)
// matched by hand over a plain scalar's UTF-8 bytes, and the timestamp constructor's pattern split by hand. Swift
// Regex built each pattern at start-up (about 2 ms of modbusd's 25 ms `--check-config`) and took microseconds per
// scalar. Each matcher says the pattern it stands for; `YamsResolverEquivalenceTests` holds them to the Regex.

/// Hand-written matchers for the default rules' patterns, over UTF-8 bytes: every pattern is ASCII, so a byte that
/// is not ASCII never matches, as in upstream's NSRegularExpression.
enum ScalarPatterns {
    typealias Bytes = UnsafeBufferPointer<UInt8>

    /// `^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$`
    static func bool(_ bytes: Bytes) -> Bool {
        oneOf(bytes, boolWords)
    }

    /// `^(?:[-+]?0b[0-1_]+|[-+]?0o?[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+`
    /// `|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$`
    static func int(_ bytes: Bytes) -> Bool {
        var cursor = Cursor(bytes)
        cursor.skipSign()
        guard let first = cursor.next() else { return false }
        if first == ascii("0") {
            switch cursor.peek() {
            case nil: return true
            case ascii("b"): return cursor.advanced().restIs(atLeastOne: true, isBinaryDigitOrUnderscore)
            case ascii("x"): return cursor.advanced().restIs(atLeastOne: true, isHexDigitOrUnderscore)
            case ascii("o"): return cursor.advanced().restIs(atLeastOne: true, isOctalDigitOrUnderscore)
            default: return cursor.restIs(atLeastOne: true, isOctalDigitOrUnderscore)
            }
        }
        guard isDigit(first) else { return false }
        cursor.skip(isDigitOrUnderscore)
        if cursor.atEnd { return true }
        return cursor.sexagesimalGroups() && cursor.atEnd
    }

    /// `^(?:[-+]?(?:[0-9][0-9_]*)(?:\.[0-9_]*)?(?:[eE][-+]?[0-9]+)?|\.[0-9_]+(?:[eE][-+][0-9]+)?`
    /// `|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$`
    static func float(_ bytes: Bytes) -> Bool {
        var cursor = Cursor(bytes)
        let signed = cursor.skipSign()
        guard let first = cursor.peek() else { return false }
        if first == ascii(".") {
            let rest = Bytes(rebasing: bytes[(cursor.index + 1)...])
            if oneOf(rest, infinityWords) { return true }
            if signed { return false }
            if oneOf(rest, nanWords) { return true }
            // `\.[0-9_]+(?:[eE][-+][0-9]+)?`: a fraction alone; its exponent's sign is not optional.
            cursor.advance()
            guard cursor.skipSome(isDigitOrUnderscore) else { return false }
            return cursor.atEnd || cursor.exponent(signRequired: true)
        }
        guard isDigit(first) else { return false }
        cursor.advance()
        cursor.skip(isDigitOrUnderscore)
        switch cursor.peek() {
        case ascii(":"):
            // `(?::[0-5]?[0-9])+\.[0-9_]*`
            guard cursor.sexagesimalGroups(), cursor.peek() == ascii(".") else { return false }
            cursor.advance()
            cursor.skip(isDigitOrUnderscore)
            return cursor.atEnd
        case ascii("."):
            cursor.advance()
            cursor.skip(isDigitOrUnderscore)
            return cursor.atEnd || cursor.exponent(signRequired: false)
        default:
            return cursor.atEnd || cursor.exponent(signRequired: false)
        }
    }

    /// `^(?:<<)$`
    static func merge(_ bytes: Bytes) -> Bool {
        bytes.count == 2 && bytes[0] == ascii("<") && bytes[1] == ascii("<")
    }

    /// `^(?:~|null|Null|NULL|)$`
    static func null(_ bytes: Bytes) -> Bool {
        bytes.isEmpty || (bytes.count == 1 && bytes[0] == ascii("~")) || oneOf(bytes, nullWords)
    }

    /// `^(?:[0-9]{4}-[0-9]{2}-[0-9]{2}|[0-9]{4}-[0-9][0-9]?-[0-9][0-9]?(?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9]`
    /// `(?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$` (the rule's `{n}` written out there)
    static func timestamp(_ bytes: Bytes) -> Bool {
        guard let fields = timestampFields(bytes) else { return false }
        // The date alone must be written in full, `2002-12-14`; with a time, `2002-1-4` will do.
        return fields.hour != nil || (fields.month.count == 2 && fields.day.count == 2)
    }

    /// `^(?:=)$`
    static func value(_ bytes: Bytes) -> Bool {
        bytes.count == 1 && bytes[0] == ascii("=")
    }

    /// The timestamp constructor's fields, each as the bytes it was written with (ranges into the scalar's UTF-8).
    struct TimestampFields {
        var year: Range<Int>, month: Range<Int>, day: Range<Int>
        var hour: Range<Int>?, minute: Range<Int>?, second: Range<Int>?, fraction: Range<Int>?
        /// `Z` or the sign; then the zone's hours and minutes.
        var zone: Range<Int>?, zoneSign: Range<Int>?, zoneHour: Range<Int>?, zoneMinute: Range<Int>?

        /// The fields in the order of the pattern's groups, each as text.
        func groups(in bytes: Bytes) -> [Substring?] {
            [year, month, day, hour, minute, second, fraction, zone, zoneSign, zoneHour, zoneMinute].map { range in
                range.map { Substring(decoding: Bytes(rebasing: bytes[$0]), as: UTF8.self) }
            }
        }
    }

    /// Splits a timestamp as the constructor's pattern did:
    /// `^([0-9]{4})-([0-9][0-9]?)-([0-9][0-9]?)(?:(?:[Tt]|[ \t]+)([0-9][0-9]?):([0-9][0-9]):([0-9][0-9])`
    /// `(?:\.([0-9]*))?(?:[ \t]*(Z|([-+])([0-9][0-9]?)(?::([0-9][0-9]))?))?)?$`
    static func timestampFields(_ bytes: Bytes) -> TimestampFields? {
        var cursor = Cursor(bytes)
        guard let year = cursor.digits(4...4), cursor.take(ascii("-")), let month = cursor.digits(1...2),
            cursor.take(ascii("-")), let day = cursor.digits(1...2)
        else { return nil }
        var fields = TimestampFields(year: year, month: month, day: day)
        if cursor.atEnd { return fields }
        guard cursor.take(ascii("T")) || cursor.take(ascii("t")) || cursor.skipSome(isBlank) else { return nil }
        guard let hour = cursor.digits(1...2), cursor.take(ascii(":")), let minute = cursor.digits(2...2),
            cursor.take(ascii(":")), let second = cursor.digits(2...2)
        else { return nil }
        (fields.hour, fields.minute, fields.second) = (hour, minute, second)
        if cursor.take(ascii(".")) {
            let start = cursor.index
            cursor.skip(isDigit)
            fields.fraction = start..<cursor.index
        }
        if cursor.atEnd { return fields }
        cursor.skip(isBlank)  // blanks only before a zone
        let zoneStart = cursor.index
        if cursor.take(ascii("Z")) {
            fields.zone = zoneStart..<cursor.index
        } else {
            guard cursor.skipSign(), let zoneHour = cursor.digits(1...2) else { return nil }
            fields.zoneSign = zoneStart..<zoneStart + 1
            fields.zoneHour = zoneHour
            if cursor.take(ascii(":")) {
                guard let zoneMinute = cursor.digits(2...2) else { return nil }
                fields.zoneMinute = zoneMinute
            }
            fields.zone = zoneStart..<cursor.index
        }
        return cursor.atEnd ? fields : nil
    }

    private static let boolWords = words(
        "yes", "Yes", "YES", "no", "No", "NO", "true", "True", "TRUE", "false", "False", "FALSE", "on", "On", "ON",
        "off", "Off", "OFF")
    private static let nullWords = words("null", "Null", "NULL")
    private static let infinityWords = words("inf", "Inf", "INF")
    private static let nanWords = words("nan", "NaN", "NAN")

    private static func words(_ words: StaticString...) -> [[UInt8]] {
        words.map { word in word.withUTF8Buffer { Array($0) } }
    }

    private static func oneOf(_ bytes: Bytes, _ words: [[UInt8]]) -> Bool {
        words.contains { $0.elementsEqual(bytes) }
    }

    private static func ascii(_ character: Unicode.Scalar) -> UInt8 { UInt8(ascii: character) }
    private static func isDigit(_ byte: UInt8) -> Bool { byte &- 0x30 < 10 }
    private static func isDigitOrUnderscore(_ byte: UInt8) -> Bool { isDigit(byte) || byte == ascii("_") }
    private static func isBinaryDigitOrUnderscore(_ byte: UInt8) -> Bool { byte &- 0x30 < 2 || byte == ascii("_") }
    private static func isOctalDigitOrUnderscore(_ byte: UInt8) -> Bool { byte &- 0x30 < 8 || byte == ascii("_") }
    private static func isHexDigitOrUnderscore(_ byte: UInt8) -> Bool {
        isDigitOrUnderscore(byte) || (byte | 0x20) &- ascii("a") < 6
    }
    private static func isBlank(_ byte: UInt8) -> Bool { byte == ascii(" ") || byte == ascii("\t") }

    /// A read position in the scalar's bytes.
    private struct Cursor {
        let bytes: Bytes
        var index = 0

        init(_ bytes: Bytes) { self.bytes = bytes }

        var atEnd: Bool { index == bytes.count }

        func peek() -> UInt8? { index < bytes.count ? bytes[index] : nil }

        mutating func next() -> UInt8? {
            defer { if index < bytes.count { index += 1 } }
            return peek()
        }

        mutating func advance() { index += 1 }

        /// Advances past one byte and returns the cursor, for `cursor.advanced().restIs(...)`.
        mutating func advanced() -> Cursor {
            index += 1
            return self
        }

        mutating func take(_ byte: UInt8) -> Bool {
            guard peek() == byte else { return false }
            index += 1
            return true
        }

        /// `[-+]?`; says whether there was one.
        @discardableResult
        mutating func skipSign() -> Bool { take(ascii("-")) || take(ascii("+")) }

        mutating func skip(_ accepted: (UInt8) -> Bool) {
            while let byte = peek(), accepted(byte) { index += 1 }
        }

        /// `accepted+`: skips them, says whether there was at least one.
        mutating func skipSome(_ accepted: (UInt8) -> Bool) -> Bool {
            let start = index
            skip(accepted)
            return index > start
        }

        /// Whether the rest is made of `accepted` bytes (`+` when `atLeastOne`, else `*`), to the end.
        func restIs(atLeastOne: Bool, _ accepted: (UInt8) -> Bool) -> Bool {
            var cursor = self
            return (cursor.skipSome(accepted) || !atLeastOne) && cursor.atEnd
        }

        /// `(?::[0-5]?[0-9])+`, stopping before whatever follows the last group.
        mutating func sexagesimalGroups() -> Bool {
            var groups = 0
            while take(ascii(":")) {
                guard let group = digits(1...2) else { return false }
                if group.count == 2 && bytes[group.lowerBound] > ascii("5") { return false }
                groups += 1
            }
            return groups > 0
        }

        /// `[eE][-+]?[0-9]+` (the sign required when `signRequired`), to the end.
        mutating func exponent(signRequired: Bool) -> Bool {
            guard take(ascii("e")) || take(ascii("E")) else { return false }
            guard skipSign() || !signRequired else { return false }
            return restIs(atLeastOne: true, isDigit)
        }

        /// As many digits as `count` allows, the fewest `count.lowerBound`; nil (and the cursor kept) for fewer,
        /// or when one more digit follows.
        mutating func digits(_ count: ClosedRange<Int>) -> Range<Int>? {
            let start = index
            var end = start
            while end < bytes.count, end - start < count.upperBound, isDigit(bytes[end]) { end += 1 }
            guard end - start >= count.lowerBound, end == bytes.count || !isDigit(bytes[end]) else { return nil }
            index = end
            return start..<end
        }
    }
}
