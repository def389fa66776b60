import CurbsideTestKit
import Foundation
import Testing

/// `curb-rig run` on the scenarios in Tests/Scenarios: they pass, the must-fail ones fail for their reasons, JUnit says so.
@Suite("Scenario runner", .serialized, .timeLimit(.minutes(7)))
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
            // About two minutes on a quiet 2-core machine (the fuel-cell ones take 70 s); the margin is for a busy one.
            try curbRig(), ["run", "--junit", junit.path] + files, timeout: .seconds(360))
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

    static let agentResults = "curb/v1/hil/example/agent-1/cmd/ping/result"
    static let lampState = "curb/v1/hil/streetlight/pole-1/state"

    /// Every file in `must-fail/` with what the runner has to report for it: the failed step and why.
    static let mustFail: [(file: String, reported: [String])] = [
        (
            "unmet-expectation.yaml",
            ["→ step 2 (expect beacon high within 0.3 seconds): beacon is not driven as an output after 0.3 seconds"]
        ),
        (
            "stale-message.yaml",
            [
                #"→ step 4 (expect message on \#(lampState) containing "relay":false within 1.0 seconds): no message on"#
                    + #" \#(lampState) containing "relay":false within 1.0 seconds after the previous step"#,
                #"a matching one arrived before the previous step completed: {"layer":"ambient","relay":false}"#,
            ]
        ),
        (
            "unwanted-message.yaml",
            [
                #"→ step 3 (expect no message on \#(agentResults) containing "status":"accepted" for 3.0 seconds):"#
                    + #" unexpected message on \#(agentResults) after "#,
                #" seconds: {"command":"ping","id":"answered","#,
            ]
        ),
    ]

    @Test("every must-fail scenario is checked here")
    func mustFailScenariosAreListed() throws {
        let files = try FileManager.default.contentsOfDirectory(
            atPath: Self.scenarios.appendingPathComponent("must-fail").path
        ).filter { $0.hasSuffix(".yaml") }.sorted()
        #expect(files == Self.mustFail.map(\.file).sorted())
    }

    @Test("a must-fail scenario fails the run and the runner says why", arguments: Self.mustFail)
    func mustFailScenarioFails(file: String, reported: [String]) async throws {
        let path = Self.scenarios.appendingPathComponent("must-fail/\(file)").path
        let result = try await ToolRun.run(try curbRig(), ["run", path], timeout: .seconds(60))
        #expect(result.status == 1, "\(result.output)")
        #expect(result.output.contains("0 passed, 1 failed"), "\(result.output)")
        for text in reported {
            #expect(result.output.contains(text), "\(result.output)")
        }
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
          - expect_no_message: {topic: curb/v1/hil/example/agent-1/status}
        """.write(to: file, atomically: true, encoding: .utf8)
        let result = try await ToolRun.run(try curbRig(), ["run", file.path])
        #expect(result.status == 1)
        #expect(
            result.output.contains(
                #"$.steps[0].set_input.hi: expected a key of $.steps[0].set_input (high, line), got unknown key "hi"; did you mean "high"?"#
            ), "\(result.output)")
        #expect(result.output.contains(#"did you mean "expect_output"?"#), "\(result.output)")
        #expect(
            result.output.contains(#"$.steps[2].expect_no_message.within_ms: expected required key "within_ms""#),
            "a negative expectation names its window: \(result.output)")
    }

    /// A scenario on the bench rig with a local broker and no daemons, its steps given.
    func brokerScenario(_ steps: String) throws -> String {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent(
            "broker-\(UUID().uuidString.prefix(6)).yaml")
        try """
        scenario: the broker goes away and comes back
        rig: \(RigTests.root.appendingPathComponent("Firmware-config/rigs/bench.yaml").path)
        broker: local
        steps:
        \(steps)
        """.write(to: file, atomically: true, encoding: .utf8)
        return file.path
    }

    @Test("broker: stop and start restart the local broker on its port, and messages flow again")
    func brokerStopsAndStarts() async throws {
        let file = try brokerScenario(
            """
              - publish: {topic: t/a, payload: one}
              - expect_message: {topic: t/a, contains: one, within_ms: 30000}
              - broker: stop
              - broker: start
              - publish: {topic: t/b, payload: two}
              - expect_message: {topic: t/b, contains: two, within_ms: 30000}
            """)
        let result = try await ToolRun.run(try curbRig(), ["run", file], timeout: .seconds(60))
        #expect(result.status == 0, "\(result.output)")
        #expect(
            result.output.contains("stop the broker"), "\(result.output)"
        )
    }

    @Test("with the broker stopped, nothing gets through")
    func stoppedBrokerCarriesNothing() async throws {
        let file = try brokerScenario(
            """
              - broker: stop
              - publish: {topic: t/c, payload: three}
              - expect_message: {topic: t/c, contains: three, within_ms: 1000}
            """)
        let result = try await ToolRun.run(try curbRig(), ["run", file], timeout: .seconds(60))
        #expect(result.status == 1, "\(result.output)")
        #expect(
            result.output.contains("step 2 (publish t/c)") || result.output.contains("step 3 (expect message on t/c"),
            "\(result.output)")
    }
}
