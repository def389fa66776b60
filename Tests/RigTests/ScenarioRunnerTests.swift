import CurbsideTestKit
import Foundation
import Testing

/// `curb-rig run` on the scenarios in Tests/Scenarios: they pass, the must-fail one fails, JUnit says so.
@Suite("Scenario runner", .serialized, .timeLimit(.minutes(2)))
struct ScenarioRunnerTests {
    static let scenarios = RigTests.root.appendingPathComponent("Tests/Scenarios")

    func curbRig() throws -> String { try ExecutableLookup.builtProduct("curb-rig") }

    @Test("every scenario in Tests/Scenarios passes, with a JUnit report")
    func scenariosPass() async throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.scenarios.path)
            .filter { $0.hasSuffix(".yaml") }.sorted().map { Self.scenarios.appendingPathComponent($0).path }
        #expect(files.count >= 2)
        let junit = FileManager.default.temporaryDirectory.appendingPathComponent(
            "curb-junit-\(UUID().uuidString.prefix(6)).xml")
        let result = try await ToolRun.run(
            try curbRig(), ["run", "--junit", junit.path] + files, timeout: .seconds(90))
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.contains("\(files.count) passed, 0 failed"), "\(result.output)")
        let xml = try String(contentsOf: junit, encoding: .utf8)
        #expect(xml.contains(#"<testsuites tests="\#(files.count)" failures="0""#), "\(xml)")
        #expect(xml.components(separatedBy: "<testcase ").count == files.count + 1)
        #expect(!xml.contains("<failure"))
    }

    @Test("an expectation that cannot be met makes the run fail, names the step, and JUnit records the failure")
    func unmetExpectationFails() async throws {
        let file = Self.scenarios.appendingPathComponent("must-fail/unmet-expectation.yaml").path
        let junit = FileManager.default.temporaryDirectory.appendingPathComponent(
            "curb-junit-\(UUID().uuidString.prefix(6)).xml")
        let result = try await ToolRun.run(try curbRig(), ["run", "--junit", junit.path, file], timeout: .seconds(60))
        #expect(result.status == 1, "\(result.output)")
        #expect(result.output.contains("FAIL an expectation that cannot be met fails the run"), "\(result.output)")
        #expect(
            result.output.contains(
                "step 2 (expect beacon high within 0.3 seconds): beacon is not driven as an output after 0.3 seconds"),
            "\(result.output)")
        #expect(result.output.contains("- wait 0.01 seconds"), "the step after the failure is reported as skipped")
        let xml = try String(contentsOf: junit, encoding: .utf8)
        #expect(xml.contains(#"failures="1""#))
        #expect(xml.contains("<failure message=\"step 2 (expect beacon high within 0.3 seconds)"), "\(xml)")
    }

    @Test("an invalid scenario file is reported with paths and fails the run")
    func invalidScenario() async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent(
            "bad-\(UUID().uuidString.prefix(6)).yaml")
        try """
        scenario: broken
        rig: \(RigTests.root.appendingPathComponent("Firmware-config/rigs/bench.yaml").path)
        steps:
          - set_input: {line: walkButton, hi: true}
          - expect_ouput: {line: beacon, high: true}
        """.write(to: file, atomically: true, encoding: .utf8)
        let result = try await ToolRun.run(try curbRig(), ["run", file.path])
        #expect(result.status == 1)
        #expect(
            result.output.contains(
                #"$.steps[0].set_input.hi: expected a key of $.steps[0].set_input (high, line), got unknown key "hi"; did you mean "high"?"#
            ), "\(result.output)")
        #expect(result.output.contains(#"did you mean "expect_output"?"#), "\(result.output)")
    }
}
