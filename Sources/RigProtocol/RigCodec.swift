import FoundationEssentials

/// JSON encoding of rig messages: compact, one line, keys sorted so transcripts are stable.
public enum RigCodec {
    public static func encode(_ message: RigMessage) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return ((try? Array(encoder.encode(message))) ?? Array(#"{"ok":false,"code":"internal"}"#.utf8)) + [0x0A]
    }

    public static func decode(_ bytes: [UInt8]) throws -> RigMessage {
        try JSONDecoder().decode(RigMessage.self, from: Data(bytes))
    }
}
