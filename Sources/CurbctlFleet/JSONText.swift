public import AgentRuntime
import FoundationEssentials

/// JSON text for output: compact for one-line summaries, pretty (sorted keys) for `--json` and results.
public enum JSONText {
    /// Strings without quotes, numbers rounded for reading, anything else as compact JSON.
    public static func compact(_ value: JSONValue) -> String {
        switch value {
        case .string(let text): return text
        case .number(let number): return Text.number(number)
        default: return encode(value, pretty: false)
        }
    }

    /// `value` as JSON with sorted keys.
    public static func encode(_ value: some Encodable, pretty: Bool) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting =
            pretty ? [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
        // Encoding a JSONValue or a struct of plain values cannot fail.
        return (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "null"
    }

    /// Parses a payload; nil when it is not JSON.
    public static func decode(_ bytes: [UInt8]) -> JSONValue? {
        try? JSONDecoder().decode(JSONValue.self, from: Data(bytes))
    }
}
