/// The one byte encoding of a JSON value that signatures are made over, so that the operator's tool and the device
/// agree on the bytes without agreeing on a JSON library.
///
/// - Objects: members sorted by the UTF-8 bytes of their keys, `{"a":1,"b":2}`, no whitespace anywhere.
/// - Strings: UTF-8 as is, except `"` → `\"`, `\` → `\\` and U+0000…U+001F → `\u00xx` (lowercase hex).
/// - Numbers: an integral value of magnitude at most 2^53 as a plain integer (`30`, `-2`, never `30.0` or `3e1`);
///   any other number as Swift's shortest round-trip form (`0.5`, `1e-07`). JSON has no NaN or infinity.
/// - `true`, `false`, `null` as written.
public enum CanonicalJSON {
    /// The canonical bytes of `value`.
    public static func encode(_ value: JSONValue) -> [UInt8] {
        var out: [UInt8] = []
        append(value, to: &out)
        return out
    }

    private static func append(_ value: JSONValue, to out: inout [UInt8]) {
        switch value {
        case .null: out += Array("null".utf8)
        case .bool(let flag): out += Array((flag ? "true" : "false").utf8)
        case .number(let number): out += Array(format(number).utf8)
        case .string(let text): appendString(text, to: &out)
        case .array(let items):
            out.append(UInt8(ascii: "["))
            for (index, item) in items.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                append(item, to: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            out.append(UInt8(ascii: "{"))
            let sorted = members.keys.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
            for (index, key) in sorted.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                appendString(key, to: &out)
                out.append(UInt8(ascii: ":"))
                append(members[key] ?? .null, to: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    /// 2^53: beyond it a Double no longer holds every integer, so the integer form would not round-trip.
    private static let largestExactInteger = 9_007_199_254_740_992.0

    static func format(_ number: Double) -> String {
        if number == number.rounded(), abs(number) <= largestExactInteger { return String(Int64(number)) }
        return "\(number)"
    }

    private static func appendString(_ text: String, to out: inout [UInt8]) {
        let hex = Array("0123456789abcdef".utf8)
        out.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"):
                out.append(UInt8(ascii: "\\"))
                out.append(byte)
            case 0x00..<0x20:
                out += Array("\\u00".utf8)
                out.append(hex[Int(byte >> 4)])
                out.append(hex[Int(byte & 0x0F)])
            default:
                out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
