import AgentRuntime
import Foundation
import Testing

/// Every published document is written by `JSONValue.compactJSON` and every timestamp by `RFC3339.format`, both
/// direct writers in place of `JSONEncoder` and `Date.ISO8601FormatStyle`. The payloads must not change, so both are
/// held to those Foundation implementations, as independent peers, on edge cases and on seeded random input: the JSON
/// byte for byte, the timestamps byte for byte but where the style's floating point loses a millisecond.
@Suite("Published JSON and timestamps, byte for byte as Foundation writes them")
struct JSONValueEncodingTests {
    /// A small seeded generator (SplitMix64), so a failure can be replayed.
    struct SeededGenerator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    func foundation(_ value: JSONValue) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(value))
    }

    func expectSame(_ value: JSONValue, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let mine = try #require(value.compactJSON, sourceLocation: sourceLocation)
        let theirs = try foundation(value)
        #expect(
            String(decoding: mine, as: UTF8.self) == String(decoding: theirs, as: UTF8.self),
            sourceLocation: sourceLocation)
    }

    static let edgeNumbers: [Double] = [
        0, -0.0, 1, -1, 0.1, -0.5, 1.5, 100, 65535, 123.456, -123.456, 1e15, 999_999_999_999_999, 1e16, 1e17,
        9_007_199_254_740_992, 9_007_199_254_740_992.0.nextUp, -9_007_199_254_740_992, 1e-7,
        Double.leastNonzeroMagnitude, 1.5e300,
        Double.greatestFiniteMagnitude, -Double.greatestFiniteMagnitude, Double.leastNormalMagnitude, 0.1 + 0.2,
        Double(Int64.max), Double(Int64.min), 4_294_967_295, -2_147_483_648, 3.0e15 + 0.5,
    ]

    @Test("numbers: whole, fractional, exponents, signed zero, the limits")
    func numbers() throws {
        for number in Self.edgeNumbers { try expectSame(.number(number)) }
        var generator = SeededGenerator(state: 17)
        for _ in 0..<5000 {
            let bits = generator.next()
            let number = Double(bitPattern: bits)
            guard number.isFinite else { continue }
            try expectSame(.number(number))
            // Integers and short decimals, as registers decode to.
            try expectSame(.number(Double(Int64(bitPattern: bits) >> Int(bits % 60))))
            try expectSame(.number(Double(Int32(truncatingIfNeeded: bits)) / 100))
        }
    }

    @Test("strings: every control character, quotes, backslashes, slashes, non-ASCII")
    func strings() throws {
        let controls = String(decoding: (0..<0x20).map { UInt8($0) }, as: UTF8.self)
        for text in [
            "", controls, "say \"hi\"", #"back\slash"#, "a/b/c", "curb/v1/site/kind/dev", "é ü 温度 🚦", "\u{7F}",
            "tab\there\nnew\rline",
        ] {
            try expectSame(.string(text))
        }
    }

    @Test("objects sorted by UTF-8 bytes, nested containers, every kind of value")
    func documents() throws {
        try expectSame([:])
        try expectSame([])
        try expectSame(
            [
                "r10": 1, "r9": 2, "B": 3, "a": 4, "é": 5, "ä": 6, "a/b": "x/y", "_": .null, "Z": true, "z": false,
                "values": ["temperature_c": 21.5, "count": 7, "nested": ["deep": [1, 2.5, "three", [], [:]]]],
                "units": ["temperature_c": "°C"], "list": [.null, true, false, -0.0, 1e16],
            ])
        var generator = SeededGenerator(state: 42)
        for _ in 0..<300 { try expectSame(randomValue(&generator, depth: 0)) }
    }

    @Test("NaN and infinities: nil, where JSONEncoder throws")
    func nonFinite() throws {
        for number in [Double.nan, .infinity, -.infinity] {
            #expect(JSONValue.number(number).compactJSON == nil)
            #expect(throws: (any Error).self) { try foundation(.number(number)) }
            #expect(JSONValue.object(["ok": 1, "bad": .array([.number(number)])]).compactJSON == nil)
        }
    }

    func randomValue(_ generator: inout SeededGenerator, depth: Int) -> JSONValue {
        let keys = ["a", "B", "r1", "r10", "r2", "seq", "ts", "values", "é", "a/b", "x\ny", "q\"", ""]
        switch Int.random(in: 0..<(depth < 3 ? 7 : 5), using: &generator) {
        case 0: return .null
        case 1: return .bool(Bool.random(using: &generator))
        case 2: return .number(Double(Int.random(in: -100_000...100_000, using: &generator)) / 8)
        case 3: return .number(Double.random(in: -1e20...1e20, using: &generator))
        case 4: return .string(keys.randomElement(using: &generator) ?? "")
        case 5:
            return .array(
                (0..<Int.random(in: 0..<4, using: &generator)).map { _ in randomValue(&generator, depth: depth + 1) })
        default:
            var object: [String: JSONValue] = [:]
            for _ in 0..<Int.random(in: 0..<6, using: &generator) {
                object[keys.randomElement(using: &generator) ?? ""] = randomValue(&generator, depth: depth + 1)
            }
            return .object(object)
        }
    }

    @Test("timestamps: the format style's text for edge instants and seeded random ones, 1900 to 2200")
    func timestamps() throws {
        let style = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
        var instants: [Double] = [
            0, -0.001, -0.0005, 0.0005, 0.9995, 0.999_999, 59.999_9, 951_782_400, 951_868_799.999, 1_798_761_599.999,
            4_102_444_800, -2_208_988_800, 1_764_633_600.123_456, 1_764_633_600.000_999_9, 7_258_118_399.999,
        ]
        var generator = SeededGenerator(state: 7)
        for _ in 0..<20000 {
            instants.append(Double.random(in: -2_208_988_800...7_258_118_400, using: &generator))
        }
        // Millisecond steps around now, as a running daemon stamps them.
        let now = Date().timeIntervalSince1970
        for step in 0..<2000 { instants.append(now + Double(step) * 0.000_7) }
        // The style computes the time of day in floating point and truncates: now and then it is one millisecond
        // lower than the instant's own. Every text must be the style's, or the instant truncated exactly where the
        // style is that one millisecond lower; and those must stay rare.
        var lower = 0
        for instant in instants {
            let date = Date(timeIntervalSince1970: instant)
            let mine = RFC3339.format(date)
            let theirs = date.formatted(style)
            guard mine != theirs else { continue }
            lower += 1
            let mineInstant = try #require(RFC3339.parse(mine)).timeIntervalSinceReferenceDate
            let theirInstant = try #require(RFC3339.parse(theirs)).timeIntervalSinceReferenceDate
            #expect(abs(mineInstant - theirInstant - 0.001) < 1e-6, "instant \(instant): \(mine) against \(theirs)")
            let exact = date.timeIntervalSinceReferenceDate
            #expect(mineInstant <= exact && exact - mineInstant < 0.001, "instant \(instant): \(mine)")
        }
        #expect(lower * 100 < instants.count, "\(lower) of \(instants.count) instants differ")
    }
}
