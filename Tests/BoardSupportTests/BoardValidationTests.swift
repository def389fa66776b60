import BoardSupport
import ConfigSupport
import Foundation
import Testing

@Suite("Board validation reports every problem with its path")
struct BoardValidationTests {
    /// Parses `yaml` expecting failure and returns the issues.
    private func issues(_ yaml: String, expectedID: String? = nil) -> [BoardIssue] {
        do {
            let board = try Board.parse(yaml: yaml, expectedID: expectedID, file: "test.yaml")
            Issue.record("expected validation to fail, got board \(board.id)")
            return []
        } catch {
            return error.issues
        }
    }

    private func issue(at path: String, in issues: [BoardIssue]) -> BoardIssue? {
        issues.first { $0.path == path }
    }

    @Test("the minimal fixture is valid")
    func minimalIsValid() throws {
        let board = try Board.parse(yaml: BoardFixtures.minimalBoard, expectedID: "test-board")
        #expect(board.gpioLines["GPIO17"]?.aliases == ["walkButton"])
        #expect(board.statusLEDs["beaconLamp"]?.control == .gpioLine("GPIO27"))
        #expect(board.i2cBuses["i2c-1"]?.speedHz == 100_000)
    }

    @Test("wrong types, an out-of-range offset and an unknown key are all reported in one pass")
    func severalProblemsAtOnce() {
        let yaml = """
            board: test-board
            name: 42
            source:
              - title: invented
            gpio:
              chips:
                main: {name: gpiochip0, lines: "many"}
                other: {name: gpiochip1, lines: 32}
              lines:
                GPIO17: {chip: other, line: 99, pni: 11}
                GPIO18: {chip: other, line: seventeen}
            i2c:
              i2c-1: {device: /dev/i2c-1, speed_hz: fast}
            """
        let found = issues(yaml)
        #expect(found.count == 6, "\(found.map(\.description))")

        let name = issue(at: "$.name", in: found)
        #expect(name?.code == .wrongType)
        #expect(name?.description == "$.name: expected string, got 42 (line 2)")

        #expect(
            issue(at: "$.gpio.chips.main.lines", in: found)?.description.hasPrefix(
                "$.gpio.chips.main.lines: expected integer 1…4096, got \"many\"") == true)

        let offset = issue(at: "$.gpio.lines.GPIO17.line", in: found)
        #expect(offset?.code == .invalidValue)
        #expect(offset?.description == "$.gpio.lines.GPIO17.line: expected integer 0…31, got 99 (line 10)")

        let unknown = issue(at: "$.gpio.lines.GPIO17.pni", in: found)
        #expect(unknown?.code == .unknownKey)
        #expect(unknown?.suggestion == "pin")
        #expect(unknown?.expected.contains("$.gpio.lines.GPIO17") == true, "names the parent")
        #expect(unknown?.description.contains("did you mean \"pin\"?") == true)

        #expect(issue(at: "$.gpio.lines.GPIO18.line", in: found)?.found == "\"seventeen\"")
        #expect(issue(at: "$.i2c.i2c-1.speed_hz", in: found)?.code == .wrongType)
    }

    @Test("missing required keys are reported where they belong")
    func missingRequired() {
        let yaml = """
            board: test-board
            gpio:
              chips:
                main: {label: test-gpio}
              lines:
                GPIO17: {line: 17}
            """
        let found = issues(yaml)
        let paths = Set(found.filter { $0.code == .missingKey }.map(\.path))
        #expect(
            paths == [
                "$.name", "$.source", "$.gpio.chips.main.lines", "$.gpio.lines.GPIO17.chip",
            ], "\(found.map(\.description))")
        #expect(
            issue(at: "$.source", in: found)?.description
                == "$.source: expected required key \"source\", got nothing (line 1)")
    }

    @Test("duplicate chip + offset, duplicate header pin and a YAML duplicate key are conflicts")
    func duplicates() {
        let yaml = """
            board: test-board
            name: Test
            source: [{title: invented}]
            gpio:
              chips:
                main: {name: gpiochip0, lines: 32}
              lines:
                GPIO17: {chip: main, line: 17, pin: 11}
                BUTTON: {chip: main, line: 17}
                GPIO18: {chip: main, line: 18, pin: 11}
                GPIO19: {chip: main, line: 19}
                GPIO19: {chip: main, line: 20}
            """
        let found = issues(yaml)
        #expect(found.count == 3, "\(found.map(\.description))")
        let offset = issue(at: "$.gpio.lines.BUTTON.line", in: found)
        #expect(offset?.code == .conflict)
        #expect(offset?.found == "17, already used by GPIO17")
        let pin = issue(at: "$.gpio.lines.GPIO18.pin", in: found)
        #expect(pin?.code == .conflict)
        #expect(pin?.found == "pin 11, already used by GPIO17")
        #expect(issue(at: "$.gpio.lines.GPIO19", in: found)?.code == .duplicateKey)
    }

    @Test("aliases to missing lines, unknown chips, bad device paths and ttyUSB ports are errors")
    func references() {
        let yaml = """
            board: test-board
            name: Test
            source: [{title: invented}]
            gpio:
              chips:
                main: {name: gpiochip0, lines: 32}
              lines:
                GPIO17: {chip: main, line: 17}
                GPIO18: {chip: mian, line: 18}
              aliases:
                walkButton: GPIO71
                GPIO17: GPIO17
            i2c:
              i2c-1: {device: /dev/i2c1}
              sim: {device: sim-i2c-0}
            serial:
              usb: {device: /dev/ttyUSB0}
            leds:
              act: {path: /sys/class/led/ACT}
              both: {path: /sys/class/leds/x, line: GPIO17}
            """
        let found = issues(yaml)
        #expect(found.count == 8, "\(found.map(\.description))")
        let chip = issue(at: "$.gpio.lines.GPIO18.chip", in: found)
        #expect(chip?.code == .unknownReference)
        #expect(chip?.suggestion == "main")
        let alias = issue(at: "$.gpio.aliases.walkButton", in: found)
        #expect(alias?.code == .unknownReference)
        #expect(alias?.suggestion == "GPIO17")
        #expect(issue(at: "$.gpio.aliases.GPIO17", in: found)?.code == .conflict)
        #expect(issue(at: "$.i2c.i2c-1.device", in: found)?.expected == "i2c-dev node \"/dev/i2c-N\"")
        #expect(issue(at: "$.i2c.sim.device", in: found)?.code == .invalidValue, "rig buses only on simulated boards")
        #expect(issue(at: "$.serial.usb.device", in: found)?.expected.contains("/dev/serial/by-id/") == true)
        #expect(issue(at: "$.leds.act.path", in: found)?.code == .invalidValue)
        #expect(issue(at: "$.leds.both", in: found)?.found == "both")
    }

    @Test("the board id must match the file name, and typos in enumerations get suggestions")
    func boardIDAndKind() {
        let yaml = BoardFixtures.minimalBoard.replacingOccurrences(
            of: "name: Test board", with: "name: Test board\nkind: simulted")
        let found = issues(yaml, expectedID: "other-board")
        #expect(issue(at: "$.board", in: found)?.expected == "\"other-board\" (the file name without .yaml)")
        let kind = issue(at: "$.kind", in: found)
        #expect(kind?.suggestion == "simulated")
    }

    @Test("a broken line is reported once, not again at the alias and LED that use it")
    func noCascade() {
        let yaml = BoardFixtures.minimalBoard.replacingOccurrences(
            of: "GPIO27: {chip: main, line: 27, pin: 13}", with: "GPIO27: {chip: main, line: 99, pin: 13}")
        let found = issues(yaml)
        #expect(found.map(\.path) == ["$.gpio.lines.GPIO27.line"], "\(found.map(\.description))")
        #expect(found.first?.description == "$.gpio.lines.GPIO27.line: expected integer 0…31, got 99 (line 11)")
    }

    @Test("YAML syntax errors carry the line")
    func syntax() {
        do {
            _ = try Board.parse(yaml: "board: [unclosed\nname: x\n", file: "broken.yaml")
            Issue.record("expected a syntax error")
        } catch {
            #expect(error.code == .syntax)
            #expect(error.issues.first?.sourceLine != nil)
            #expect(error.description.hasPrefix("broken.yaml: "))
        }
    }

    @Test("a folder with a bad file reports that file and still names it")
    func catalogFailure() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("boards-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try BoardFixtures.minimalBoard.write(
            to: directory.appendingPathComponent("test-board.yaml"), atomically: true, encoding: .utf8)
        try "board: wrong-name\n".write(
            to: directory.appendingPathComponent("bad.yaml"), atomically: true, encoding: .utf8)
        do {
            _ = try BoardCatalog.load(directory: directory.path)
            Issue.record("expected the catalog to fail")
        } catch {
            #expect(error.failures.count == 1)
            #expect(error.failures.first?.file?.hasSuffix("/bad.yaml") == true)
            #expect(error.failures.first?.issues.contains { $0.path == "$.board" } == true)
        }
    }
}
