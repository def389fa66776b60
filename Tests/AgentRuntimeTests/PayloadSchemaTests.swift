import CurbsideTestKit
import Foundation
import Testing

/// What the real daemon publishes validates against the contract's JSON Schemas (checked by Python's jsonschema,
/// an independent implementation).
@Suite("Payloads match Firmware-config/schema", .serialized, .timeLimit(.minutes(3)))
struct PayloadSchemaTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    func validate(_ schema: String, _ documents: [String]) async throws {
        let result = try await ToolRun.run(
            "python3",
            [
                Self.root.appendingPathComponent("Tools/validate-json.py").path,
                Self.root.appendingPathComponent("Firmware-config/schema/\(schema)").path,
            ] + documents)
        #expect(result.status == 0, "\(schema):\n\(result.output)")
    }

    @Test("birth, offline, telemetry and command results from curb-agent")
    func daemonPayloads() async throws {
        let broker = try MosquittoBroker()
        try await broker.start()
        let agent = try AgentProcess.start(device: "schema", brokerPort: broker.port)
        let prefix = AgentProcess.prefix("schema")
        // Waits on what arrives, not on fixed sleeps: a loaded machine (the whole suite beside it) once took longer
        // than a four-second capture, and the offline status came after the capture had ended.
        let capture = try SpawnedProcess("mosquitto_sub", ["-p", "\(broker.port)", "-v", "-t", "\(prefix)/#"])
        defer { capture.signal(SIGTERM) }
        #expect(try await waitUntil(.seconds(60)) { capture.output.contains(#""state":"online""#) })
        #expect(try await AgentProcess.answersPing(broker, device: "schema"), "\(agent.process.output)")
        for payload in [#"{"id":"s1"}"#, "nope", #"{"id":"s2"}"#] {
            _ = try await ToolRun.run(
                "mosquitto_pub", ["-p", "\(broker.port)", "-t", "\(prefix)/cmd/ping", "-m", payload])
        }
        _ = try await ToolRun.run(
            "mosquitto_pub", ["-p", "\(broker.port)", "-t", "\(prefix)/cmd/warp", "-m", #"{"id":"w"}"#])
        #expect(
            try await waitUntil(.seconds(60)) {
                capture.output.contains("/cmd/warp/result ") && capture.output.contains(#""id":"s2""#)
                    && capture.output.contains("/telemetry/heartbeat ")
            })
        await agent.process.stop()
        #expect(try await waitUntil(.seconds(60)) { capture.output.contains("offline") })
        capture.signal(SIGTERM)
        _ = await capture.wait(timeout: .seconds(5))

        var byTopic: [String: [String]] = [:]
        for line in capture.output.split(separator: "\n") {
            guard let space = line.firstIndex(of: " ") else { continue }
            byTopic[String(line[..<space]), default: []].append(String(line[line.index(after: space)...]))
        }
        let statuses = byTopic["\(prefix)/status"] ?? []
        #expect(
            statuses.contains { $0.contains(#""state":"online""#) } && statuses.contains { $0.contains("offline") },
            "\(capture.output)")
        let results = (byTopic["\(prefix)/cmd/ping/result"] ?? []) + (byTopic["\(prefix)/cmd/warp/result"] ?? [])
        // The readiness pings (`alive-…`) are results too; the four this test sent are counted.
        #expect(results.filter { !$0.contains(#""id":"alive-"#) }.count == 4, "\(capture.output)")
        let telemetry = byTopic["\(prefix)/telemetry/heartbeat"] ?? []
        #expect(!telemetry.isEmpty, "\(capture.output)")
        try await validate("status.schema.json", statuses)
        try await validate("command-result.schema.json", results)
        try await validate("telemetry.schema.json", telemetry)
        try await validate(
            "command.schema.json",
            [#"{"id":"a"}"#, #"{"id":"b","args":{"level":40},"expires":"2026-11-25T03:00:00Z"}"#])
    }

    @Test("the schemas reject what the contract forbids")
    func schemasRejectBadPayloads() async throws {
        let bad: [(String, String)] = [
            ("status.schema.json", #"{"state":"online"}"#),
            ("command-result.schema.json", #"{"command":"ping","status":"rejected","ts":"2026-11-25T02:00:00.000Z"}"#),
            ("telemetry.schema.json", #"{"ts":"yesterday","seq":1}"#),
            ("command.schema.json", #"{"args":{}}"#),
            ("config-desired.schema.json", #"{"revision":0,"config":{}}"#),
        ]
        for (schema, document) in bad {
            let result = try await ToolRun.run(
                "python3",
                [
                    Self.root.appendingPathComponent("Tools/validate-json.py").path,
                    Self.root.appendingPathComponent("Firmware-config/schema/\(schema)").path, document,
                ])
            #expect(result.status == 1, "\(schema) accepted \(document): \(result.output)")
        }
    }
}
