import ConfigSupport
import FoundationEssentials
import Testing
import Yams

/// The Yams kept in Sources/Yams with its Foundation uses replaced (hand-written matchers for NSRegularExpression, C
/// formatting for DateFormatter and NumberFormatter, its own line splitting for NSString's): what the configurations
/// rely on reads as upstream Yams 5.0.1 read it.
@Suite("Yams without Foundation")
struct YamsWithoutFoundationTests {
    @Test(
        "plain scalars resolve to the YAML 1.1 tags through the default rules",
        arguments: [
            ("~", Yams.Tag.Name.null.rawValue), ("null", Yams.Tag.Name.null.rawValue),
            ("", Yams.Tag.Name.null.rawValue), ("true", Yams.Tag.Name.bool.rawValue),
            ("off", Yams.Tag.Name.bool.rawValue), ("12", Yams.Tag.Name.int.rawValue),
            ("-0x1F", Yams.Tag.Name.int.rawValue), ("1_000", Yams.Tag.Name.int.rawValue),
            ("1.5", Yams.Tag.Name.float.rawValue), ("-.inf", Yams.Tag.Name.float.rawValue),
            (".NaN", Yams.Tag.Name.float.rawValue),
            ("2001-12-14t21:59:43.10-05:00", Yams.Tag.Name.timestamp.rawValue),
            ("2002-12-14", Yams.Tag.Name.timestamp.rawValue), ("<<", Yams.Tag.Name.merge.rawValue),
            ("12 volts", Yams.Tag.Name.str.rawValue), ("True-ish", Yams.Tag.Name.str.rawValue),
            ("1.2.3", Yams.Tag.Name.str.rawValue),
        ])
    func resolves(text: String, tag: String) throws {
        let node = try Yams.compose(yaml: "value: \(text)\n")
        #expect(node?["value"]?.tag.description == tag)
    }

    @Test("values construct as upstream: underscores, sexagesimal, timestamps with zone and fraction, null")
    func constructs() throws {
        let node = try #require(
            try Yams.compose(
                yaml: "a: 1_000\nb: 1:30\nc: 2001-12-14t21:59:43.10-05:00\nd: 2002-12-14\ne: ~\nf: 2.5e-3\n"))
        #expect(node["a"]?.int == 1000)
        #expect(node["b"]?.int == 90)
        #expect(abs((node["c"]?.timestamp?.timeIntervalSince1970 ?? 0) - 1_008_385_183.1) < 1e-6)
        #expect(node["d"]?.timestamp == Date(timeIntervalSince1970: 1_039_824_000))
        #expect(node["e"]?.null == YamlNull())
        #expect(node["a"]?.null == nil)
        #expect(node["f"]?.float == 2.5e-3)
    }

    @Test(
        "numbers and dates are written as upstream's formatters wrote them",
        arguments: [
            (1.5, "1.5e+0"), (150, "1.5e+2"), (-2.0625e-3, "-2.0625e-3"), (0, "0e+0"), (1.0 / 3, "3.33333333333333e-1"),
            (.infinity, ".inf"), (-.infinity, "-.inf"), (.nan, ".nan"),
        ])
    func representsDoubles(value: Double, text: String) throws {
        #expect(try Node(value).scalar?.string == text)
    }

    @Test("dates are written in UTC with the fraction's trailing zeros dropped")
    func representsDates() throws {
        #expect(try Node(Date(timeIntervalSince1970: 0)).scalar?.string == "1970-01-01T00:00:00Z")
        #expect(try Node(Date(timeIntervalSince1970: 1_008_385_183.5)).scalar?.string == "2001-12-15T02:59:43.5Z")
    }

    @Test(
        "a syntax error quotes the line it is on, with a caret under the column",
        arguments: ["a: 1\nb: [1, 2\nc: 3\n", "list:\n  - one\n - two\n"])
    func syntaxErrorSnippet(text: String) throws {
        do {
            _ = try Yams.compose(yaml: text)
            Issue.record("\(text.debugDescription) composed")
        } catch let error as YamlError {
            let (mark, description) = try #require(Self.mark(of: error))
            // The oracle: the file's lines split independently here, terminators kept.
            var lines: [Substring] = []
            var start = text.startIndex
            for index in text.indices where text[index] == "\n" || text[index] == "\r\n" {
                lines.append(text[start...index])
                start = text.index(after: index)
            }
            lines.append(text[start...])
            let line = String(lines[mark.line - 1])
            let expected =
                (line.last?.isNewline == true ? line : line + "\n")
                + String(repeating: " ", count: mark.column - 1) + "^"
            #expect(description.hasSuffix(":\n" + expected))
            #expect(description.hasPrefix("\(mark.line):\(mark.column): error: "))
        }
    }

    static func mark(of error: YamlError) -> (Mark, String)? {
        switch error {
        case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _):
            return (mark, error.description)
        default: return nil
        }
    }

    @Test("an unreadable file is reported with the operating system's reason")
    func unreadableReason() {
        do {
            _ = try YAMLDocument.load(file: "/nonexistent/curbside.yaml", what: "test document")
            Issue.record("a missing file loaded")
        } catch {
            #expect(error.code == .unreadable)
            #expect(error.detail == "No such file or directory")
        }
    }
}
