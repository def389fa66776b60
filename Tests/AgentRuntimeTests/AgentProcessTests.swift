import CurbsideTestKit
import Foundation
import Testing

/// The example daemon as a process: birth, last will, clean shutdown, commands from independent clients.
@Suite("curb-agent process", .serialized, .timeLimit(.minutes(3)))
struct AgentProcessTests {
    let peers = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("MQTTTransportTests/peers")

    /// The retained `status` as an independent subscriber sees it.
    func status(_ broker: MosquittoBroker, _ device: String) async throws -> [String: Any] {
        let result = try await ToolRun.run(
            "mosquitto_sub",
            ["-p", "\(broker.port)", "-t", "\(AgentProcess.prefix(device))/status", "-C", "1", "-W", "20"])
        #expect(result.status == 0, "\(result.output)")
        let object = try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any]
        return try #require(object, "status is not a JSON object: \(result.output)")
    }

    /// Waits until the retained status says `state`.
    func waitForStatus(_ broker: MosquittoBroker, _ device: String, _ state: String) async throws -> [String: Any] {
        let status = try await broker.readObject("\(AgentProcess.prefix(device))/status") {
            $0["state"] as? String == state
        }
        guard let status else {
            throw TestKitError("status never became \(state): \(try await self.status(broker, device))")
        }
        return status
    }

    @Test("birth is retained on connect with version, board, config revision and boot time")
    func birth() async throws {
        let broker = try MosquittoBroker()
        try await broker.start()
        let agent = try AgentProcess.start(device: "birth", brokerPort: broker.port)
        let birth = try await waitForStatus(broker, "birth", "online")
        #expect(birth["agent"] as? String == "curb-agent")
        #expect(birth["version"] as? String == "0.1.0")
        #expect(birth["board"] as? String == "sim")
        #expect(birth["config_revision"] as? Int == 0)
        #expect((birth["boot_time"] as? String)?.hasSuffix("Z") == true)
        await agent.process.stop()
    }

    @Test("SIGKILL: the broker publishes the offline will")
    func willOnKill() async throws {
        let broker = try MosquittoBroker()
        try await broker.start()
        let agent = try AgentProcess.start(device: "will", brokerPort: broker.port)
        _ = try await waitForStatus(broker, "will", "online")
        agent.process.signal(SIGKILL)
        let offline = try await waitForStatus(broker, "will", "offline")
        #expect(offline["reason"] as? String == "connection-lost")
    }

    @Test("SIGTERM: offline published, exit status 0")
    func cleanShutdown() async throws {
        let broker = try MosquittoBroker()
        try await broker.start()
        let agent = try AgentProcess.start(device: "term", brokerPort: broker.port)
        _ = try await waitForStatus(broker, "term", "online")
        agent.process.signal(SIGTERM)
        let status = await agent.process.wait(timeout: .seconds(30))
        #expect(status == 0, "\(agent.process.output)")
        let offline = try await self.status(broker, "term")
        #expect(offline["state"] as? String == "offline")
        #expect(offline["reason"] as? String == "shutdown")
    }

    @Test("malformed commands from mosquitto_pub get the right rejected result and the daemon keeps serving")
    func malformedCommands() async throws {
        let broker = try MosquittoBroker()
        try await broker.start()
        let agent = try AgentProcess.start(device: "cmds", brokerPort: broker.port)
        _ = try await waitForStatus(broker, "cmds", "online")
        let prefix = AgentProcess.prefix("cmds")
        let cases: [(command: String, payload: String, reason: String)] = [
            ("ping", "not json", "invalid-json"),
            ("ping", #"{"args":{}}"#, "missing-id"),
            ("dance", #"{"id":"u1"}"#, "unknown-command"),
            ("ping", #"{"id":"x1","expires":"2001-01-01T00:00:00Z"}"#, "expired"),
            ("ping", #"{"id":"big","pad":"\#(String(repeating: "x", count: 2000))"}"#, "payload-too-large"),
        ]
        for item in cases {
            let subscriber = try await broker.subscriber(
                ["\(prefix)/cmd/\(item.command)/result"], count: 1, seconds: 30)
            let sent = try await ToolRun.run(
                "mosquitto_pub",
                ["-p", "\(broker.port)", "-q", "1", "-t", "\(prefix)/cmd/\(item.command)", "-m", item.payload])
            #expect(sent.status == 0)
            _ = await subscriber.wait(timeout: .seconds(31))
            let line = subscriber.output.split(separator: "\n").first { $0.hasPrefix("\(prefix)/") } ?? ""
            let payload = line.split(separator: " ", maxSplits: 1).last.map(String.init) ?? ""
            let result = try JSONSerialization.jsonObject(with: Data(payload.utf8)) as? [String: Any]
            #expect(result?["status"] as? String == "rejected", "\(item.payload.prefix(40)): \(subscriber.output)")
            #expect(result?["reason"] as? String == item.reason, "\(item.payload.prefix(40)): \(subscriber.output)")
        }
        #expect(agent.process.isRunning)
        // Still serving: an MQTT 5 request with response topic and correlation data from paho-mqtt.
        let reply = try await ToolRun.run(
            "python3",
            [
                peers.appendingPathComponent("mqtt5_request.py").path, "\(broker.port)", "\(prefix)/cmd/ping",
                "ops/replies/cmds", "0a0b0c", #"{"id":"rr-1"}"#,
            ])
        #expect(reply.status == 0, "\(reply.output)")
        #expect(reply.output.contains("reply 0a0b0c "), "\(reply.output)")
        #expect(reply.output.contains(#""status":"accepted""#), "\(reply.output)")
        await agent.process.stop()
    }

    /// `mosquitto_sub -v` on `topic`, active before this returns; it exits after `count` messages on `topic`.
    func subscribed(_ broker: MosquittoBroker, _ topic: String, count: Int) async throws -> SpawnedProcess {
        try await broker.subscriber([topic], count: count)
    }

    @Test("a retained command left on the broker is answered rejected (retained) at start and not executed")
    func retainedCommand() async throws {
        let broker = try MosquittoBroker()
        try await broker.start()
        let prefix = AgentProcess.prefix("retained")
        let results = try await subscribed(broker, "\(prefix)/cmd/reboot-agent/result", count: 1)
        let stored = try await ToolRun.run(
            "mosquitto_pub",
            ["-p", "\(broker.port)", "-q", "1", "-r", "-t", "\(prefix)/cmd/reboot-agent", "-m", #"{"id":"stale"}"#])
        #expect(stored.status == 0, "\(stored.output)")
        let agent = try AgentProcess.start(device: "retained", brokerPort: broker.port)
        #expect(await results.wait(timeout: .seconds(20)) == 0, "\(results.output)")
        let line = results.output.split(separator: "\n").last { $0.hasPrefix("\(prefix)/cmd/reboot-agent/result ") }
        let json = line.map { Data($0.drop { $0 != " " }.dropFirst().utf8) } ?? Data()
        let result = try JSONSerialization.jsonObject(with: json) as? [String: Any]
        #expect(result?["id"] as? String == "stale", "\(results.output)")
        #expect(result?["status"] as? String == "rejected", "\(results.output)")
        #expect(result?["reason"] as? String == "retained", "\(results.output)")
        // A live command still runs, and the daemon did not stop for the stored reboot.
        let reply = try await ToolRun.run(
            "python3",
            [
                peers.appendingPathComponent("mqtt5_request.py").path, "\(broker.port)", "\(prefix)/cmd/ping",
                "ops/replies/retained", "01", #"{"id":"live-1"}"#,
            ])
        #expect(reply.output.contains(#""status":"accepted""#), "\(reply.output)")
        #expect(agent.process.isRunning, "\(agent.process.output)")
        await agent.process.stop()
    }

    @Test("--check-config prints every error with its path and exits non-zero")
    func checkConfig() async throws {
        let (file, _) = try AgentProcess.writeConfig(device: "bad", brokerPort: 1883)
        var text = try String(contentsOf: file, encoding: .utf8)
        text = text.replacingOccurrences(of: "backend: rig", with: "backend: rigg")
        text = text.replacingOccurrences(of: "max_payload_bytes: 1024", with: "max_payload_bytes: 10, retries: 3")
        text += "device: {heartbeat_s: fast}\noutbox: {max_bytes: 10, drain_rate: 5}\n"
        try text.write(to: file, atomically: true, encoding: .utf8)
        let result = try await ToolRun.run(try AgentProcess.executable(), ["--config", file.path, "--check-config"])
        #expect(result.status == 1)
        #expect(
            result.output.contains(#"$.hal.backend: expected one of "linux", "rig", got "rigg"; did you mean "rig"?"#),
            "\(result.output)")
        #expect(
            result.output.contains("$.commands.max_payload_bytes: expected integer 256…1048576 bytes, got 10"),
            "\(result.output)")
        #expect(result.output.contains(#"$.commands.retries"#), "\(result.output)")
        #expect(
            result.output.contains(#"$.device.heartbeat_s: expected integer 1…86400 s, got "fast""#), "\(result.output)"
        )
        #expect(result.output.contains("$.outbox.max_bytes: expected integer 65536…68719476736 bytes, got 10"))
        #expect(result.output.contains(#"$.outbox.drain_rate: expected a key of $.outbox"#), "\(result.output)")
        let good = try AgentProcess.writeConfig(device: "good", brokerPort: 1883).0
        let ok = try await ToolRun.run(try AgentProcess.executable(), ["--config", good.path, "--check-config"])
        #expect(ok.status == 0, "\(ok.output)")
    }
}
