import FoundationEssentials
import Testing

@testable import Yams

/// The default resolver rules and the timestamp constructor match plain scalars by hand (Sources/Yams/
/// ScalarPatterns.swift); the oracle is each rule's own pattern compiled with Swift Regex, as the rules were before,
/// and the YAML 1.1 types' tags written out for a table of scalars.
@Suite("Yams resolver: hand-written matchers against the rules' regular expressions")
struct YamsResolverEquivalenceTests {
    static var defaultRules: [Resolver.Rule] { [.bool, .int, .float, .merge, .null, .timestamp, .value] }

    /// Scalars and the tag YAML 1.1 (as upstream Yams 5.0.1's rules read it) gives each, edge cases included.
    static var table: [(String, Yams.Tag.Name)] {
        [
            // null
            ("~", .null), ("null", .null), ("Null", .null), ("NULL", .null), ("", .null), ("nULL", .str), ("~~", .str),
            ("nul", .str),
            // bool
            ("yes", .bool), ("Yes", .bool), ("YES", .bool), ("No", .bool), ("no", .bool), ("NO", .bool), ("on", .bool),
            ("On", .bool), ("ON", .bool), ("OFF", .bool), ("off", .bool), ("Off", .bool), ("true", .bool),
            ("True", .bool), ("TRUE", .bool), ("false", .bool), ("False", .bool), ("FALSE", .bool), ("y", .str),
            ("n", .str), ("yEs", .str), ("tRUE", .str), ("True-ish", .str), ("onn", .str), ("o", .str),
            // int: decimal, binary, octal (with and without `o`), hexadecimal, sexagesimal
            ("0", .int), ("-0", .int), ("+0", .int), ("12", .int), ("-12", .int), ("+12", .int), ("1_000", .int),
            ("1__0_", .int), ("0b1010", .int), ("-0b1_0", .int), ("0b", .str), ("0b12", .str), ("0o17", .int),
            ("0o", .str), ("0o8", .str), ("017", .int), ("0_7", .int), ("0_", .int), ("0x1F", .int), ("-0x1f", .int),
            ("+0xAb_cD", .int), ("0x", .str), ("0xG", .str), ("0X1F", .str), ("190:20:30", .int), ("-1:30", .int),
            ("1:7", .int), ("1:59:00", .int), ("1:60", .str), ("1:", .str), ("1:123", .str), ("0:30", .str),
            ("1_0:05", .int), ("-", .str), ("+", .str), ("--1", .str), ("1-", .str), ("١٢", .str), ("１２", .str),
            // float
            ("1.5", .float), ("+12.5", .float), ("-1.", .float), ("08", .float), ("09.5", .float), ("1e3", .float),
            ("1E+3", .float), ("-1.5e-3", .float), ("1_0.0_1e1", .float), ("1.e5", .float), (".5", .float),
            ("._", .float), (".5e+3", .float), (".5e3", .str), ("-.5", .str), ("+.5", .str), (".", .str), ("1e", .str),
            ("1e+", .str), ("1.2.3", .str), ("e3", .str), ("1,5", .str), ("190:20:30.15", .float),
            ("-1:30.", .float), ("1:60.5", .str), ("0:30.5", .float), (".inf", .float), (".Inf", .float),
            (".INF", .float), ("-.INF", .float), ("+.inf", .float), ("-.inF", .str), ("inf", .str), (".nan", .float),
            (".NaN", .float), (".NAN", .float), ("-.nan", .str), ("+.NaN", .str), (".Nan", .str),
            // merge, value
            ("<<", .merge), ("<", .str), ("<<<", .str), ("=", .value), ("==", .str),
            // timestamp
            ("2002-12-14", .timestamp), ("2002-1-14", .str), ("2002-12-4", .str), ("02-12-14", .str),
            ("2001-12-14t21:59:43.10-05:00", .timestamp), ("2001-12-14T21:59:43Z", .timestamp),
            ("2001-12-14 21:59:43.10 -5", .timestamp), ("2001-12-14\t \t21:59:43", .timestamp),
            ("2001-1-4 1:59:43.", .timestamp), ("2001-12-14 21:59:43 Z", .timestamp), ("2001-12-14 21:59:43 ", .str),
            ("2001-12-14 21:59:43z", .str), ("2001-12-14 21:59", .str), ("2001-12-14T21:59:43+05:0", .str),
            ("2001-12-14T121:59:43", .str), ("2001-12-14T21:59:43-05:00:00", .str), ("2001-12-14x21:59:43", .str),
            // strings
            ("12 volts", .str), ("modbus", .str), ("127.0.0.1:502", .str), ("1 ", .str), (" 1", .str), ("1\n", .str),
            ("yes\n", .str), ("1\u{301}", .str), ("é", .str),
        ]
    }

    @Test("the default resolver gives each scalar its YAML 1.1 tag, as the Regex-built rules do")
    func tableTags() throws {
        let regexResolver = try Self.defaultRules.reduce(Resolver.basic) { try $0.appending($1.tag, $1.pattern) }
        for (text, tag) in Self.table {
            #expect(Resolver.default.resolveTag(of: Node(text)) == tag, "\(text.debugDescription)")
            #expect(regexResolver.resolveTag(of: Node(text)) == tag, "\(text.debugDescription) (Regex)")
        }
    }

    @Test(
        "each rule matches what its pattern matches, on the table and on mutations of it",
        arguments: ["bool", "int", "float", "merge", "null", "timestamp", "value"])
    func ruleMatchesItsPattern(name: String) throws {
        let rule = try #require(Self.defaultRules.first { $0.tag.rawValue == "tag:yaml.org,2002:\(name)" })
        let handWritten = Resolver.basic.appending(rule)
        let regex = try Resolver.basic.appending(rule.tag, rule.pattern)
        var disagreements: [String] = []
        for text in Self.mutations() where handWritten.resolveTag(of: Node(text)) != regex.resolveTag(of: Node(text)) {
            disagreements.append(text)
        }
        #expect(disagreements.isEmpty, "\(rule.tag): \(disagreements.prefix(20).map(\.debugDescription))")
    }

    @Test("the timestamp constructor's fields are its pattern's groups, on the table and on mutations of it")
    func timestampFields() throws {
        let pattern = try Regex(
            "^([0-9][0-9][0-9][0-9])-([0-9][0-9]?)-([0-9][0-9]?)(?:(?:[Tt]|[ \\t]+)([0-9][0-9]?):([0-9][0-9])"
                + ":([0-9][0-9])(?:\\.([0-9]*))?(?:[ \\t]*(Z|([-+])([0-9][0-9]?)(?::([0-9][0-9]))?))?)?$")
        var disagreements: [String] = []
        for text in Self.mutations() {
            let groups = try pattern.firstMatch(in: text).map { match in
                (1..<match.output.count).map { match.output[$0].substring.map(String.init) }
            }
            var utf8 = text
            let fields = utf8.withUTF8 { bytes in
                ScalarPatterns.timestampFields(bytes)?.groups(in: bytes).map { $0.map(String.init) }
            }
            if groups != fields { disagreements.append(text) }
        }
        #expect(disagreements.isEmpty, "\(disagreements.prefix(20).map(\.debugDescription))")
    }

    @Test("timestamps construct to the instants they name")
    func timestamps() throws {
        let cases: [(String, Double)] = [
            ("2001-12-14t21:59:43.10-05:00", 1_008_385_183.1), ("2001-12-14 21:59:43.10 -5", 1_008_385_183.1),
            ("2001-12-15T02:59:43.1Z", 1_008_385_183.1), ("2002-12-14", 1_039_824_000),
            ("2001-12-14 21:59:43 +05:30", 1_008_347_383), ("2001-1-4 1:02:03.", 978_570_123),
        ]
        for (text, seconds) in cases {
            let date = try #require(Node(text).timestamp, "\(text)")
            #expect(abs(date.timeIntervalSince1970 - seconds) < 1e-6, "\(text)")
        }
        #expect(Node("2001-12-14 21:59").timestamp == nil)
    }

    /// The table's scalars, and each with one and with two characters inserted, deleted or replaced (from an alphabet
    /// of the patterns' own characters), drawn by a fixed generator so every run sees the same strings.
    static func mutations() -> [String] {
        let alphabet = Array("0159_:.-+eExXbBoOtTZz \taAfFnNlLuUsSyY~<=\u{301}é")
        var state: UInt64 = 0x2545_F491_4F6C_DD1D
        func random(_ bound: Int) -> Int {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            return Int(state % UInt64(bound))
        }
        func mutated(_ text: [Character]) -> [Character] {
            var text = text
            let index = random(text.count + 1)
            switch random(3) {
            case 0: text.insert(alphabet[random(alphabet.count)], at: index)
            case 1 where index < text.count: text.remove(at: index)
            default:
                if index < text.count { text[index] = alphabet[random(alphabet.count)] }
            }
            return text
        }
        var texts = table.map(\.0)
        for (text, _) in table {
            for _ in 0..<24 {
                let once = mutated(Array(text))
                texts.append(String(once))
                texts.append(String(mutated(once)))
            }
        }
        return texts
    }
}
