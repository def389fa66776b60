extension JSONValue {
    /// The value as compact JSON text with sorted keys and unescaped slashes: byte for byte what `JSONEncoder` with
    /// `[.sortedKeys, .withoutEscapingSlashes]` writes on Linux (keys in UTF-8 order, whole doubles without `.0`,
    /// control characters as `\b \f \n \r \t` or `\u00xx`), or nil where it would throw (NaN and infinities).
    ///
    /// Every published document goes through here; written directly into one buffer, it costs a fraction of the
    /// `Codable` round (boxes, a copy of every dictionary, a `Data`), which was the largest share of a poll's CPU.
    public var compactJSON: [UInt8]? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(256)
        return Self.write(self, into: &bytes, depth: 0) ? bytes : nil
    }

    /// `JSONEncoder`'s limit on nesting.
    private static let maximumDepth = 512

    private static func write(_ value: JSONValue, into bytes: inout [UInt8], depth: Int) -> Bool {
        switch value {
        case .null: bytes.append(contentsOf: "null".utf8)
        case .bool(let bit): bytes.append(contentsOf: (bit ? "true" : "false").utf8)
        case .number(let number):
            guard number.isFinite else { return false }
            writeNumber(number, into: &bytes)
        case .string(let text): writeString(text, into: &bytes)
        case .array(let elements):
            guard depth + 1 < maximumDepth else { return false }
            bytes.append(UInt8(ascii: "["))
            for (index, element) in elements.enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                guard write(element, into: &bytes, depth: depth + 1) else { return false }
            }
            bytes.append(UInt8(ascii: "]"))
        case .object(let members):
            guard depth + 1 < maximumDepth else { return false }
            bytes.append(UInt8(ascii: "{"))
            let keys = members.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
            for (index, key) in keys.enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                writeString(key, into: &bytes)
                bytes.append(UInt8(ascii: ":"))
                guard let member = members[key], write(member, into: &bytes, depth: depth + 1) else { return false }
            }
            bytes.append(UInt8(ascii: "}"))
        }
        return true
    }

    /// Whole numbers up to 2^53 as integers (what `description` minus `.0` gives: beyond it `description` writes an
    /// exponent); others as `description`.
    private static func writeNumber(_ number: Double, into bytes: inout [UInt8]) {
        if number == number.rounded(.towardZero), abs(number) <= 9_007_199_254_740_992,
            !(number == 0 && number.sign == .minus)
        {
            bytes.append(contentsOf: String(Int64(number)).utf8)
            return
        }
        var text = number.description
        if text.hasSuffix(".0") { text.removeLast(2) }
        bytes.append(contentsOf: text.utf8)
    }

    private static func writeString(_ text: String, into bytes: inout [UInt8]) {
        bytes.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case 0x08: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "b")])
            case 0x0C: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "f")])
            case 0x0A: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case 0x0D: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case 0x09: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0x00...0x1F:
                let hex = Array("0123456789abcdef".utf8)
                bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0")])
                bytes.append(hex[Int(byte >> 4)])
                bytes.append(hex[Int(byte & 0xF)])
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }
}
