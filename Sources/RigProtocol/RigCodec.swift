import FoundationEssentials

/// JSON encoding of rig messages: compact, one line, keys sorted so transcripts are stable. Flat messages take a
/// direct path (`RigCodec+Compact.swift`) that writes and reads the same bytes; the Foundation coders do the rest.
public enum RigCodec {
    public static func encode(_ message: RigMessage) -> [UInt8] {
        if var line = compactEncode(message) {
            line.append(0x0A)
            return line
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return ((try? Array(encoder.encode(message))) ?? Array(#"{"ok":false,"code":"internal"}"#.utf8)) + [0x0A]
    }

    public static func decode(_ bytes: [UInt8]) throws -> RigMessage {
        if let message = compactDecode(bytes) { return message }
        return try JSONDecoder().decode(RigMessage.self, from: Data(bytes))
    }
}
