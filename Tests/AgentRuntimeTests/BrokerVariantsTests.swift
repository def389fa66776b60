import CurbsideTestKit
import Foundation
import Testing

/// The daemon against brokers configured the other ways operators run them.
@Suite("Broker variants", .serialized, .timeLimit(.minutes(3)))
struct BrokerVariantsTests {
    func waitOnline(_ broker: MosquittoBroker, _ device: String, extraArgs: [String] = []) async throws -> String {
        let last = try await broker.read("\(AgentProcess.prefix(device))/status", arguments: extraArgs) {
            $0.contains(#""state":"online""#)
        }
        guard last.contains(#""state":"online""#) else { throw TestKitError("never online: \(last)") }
        return last
    }

    @Test("MQTT 3.1.1 with username and password file against a broker that refuses anonymous clients")
    func mqtt311WithPassword() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
            "curb-pw-\(UUID().uuidString.prefix(6))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let passwords = folder.appendingPathComponent("passwd").path
        #expect(try await ToolRun.run("mosquitto_passwd", ["-c", "-b", passwords, "dev-311", "s3cret"]).status == 0)
        let broker = try MosquittoBroker(
            extraConfiguration: ["listener %PORT% 127.0.0.1", "allow_anonymous false", "password_file \(passwords)"])
        try await broker.start()
        let secret = folder.appendingPathComponent("mqtt-password")
        #expect(
            FileManager.default.createFile(
                atPath: secret.path, contents: Data("s3cret\n".utf8), attributes: [.posixPermissions: 0o600]))
        let (config, directory) = try AgentProcess.writeConfig(device: "v311", brokerPort: broker.port)
        var text = try String(contentsOf: config, encoding: .utf8)
        text = text.replacingOccurrences(
            of: "reconnect_min_ms: 200",
            with: "reconnect_min_ms: 200, protocol: \"3.1.1\", username: dev-311, password_file: \(secret.path)")
        try text.write(to: config, atomically: true, encoding: .utf8)
        let agent = try AgentProcess(configFile: config, directory: directory)
        let birth = try await waitOnline(broker, "v311", extraArgs: ["-u", "dev-311", "-P", "s3cret"])
        #expect(birth.contains(#""agent":"curb-agent""#))
        await agent.process.stop()
    }

    @Test("two devices with the same identity flap, and the log says why")
    func duplicateIdentity() async throws {
        let broker = try MosquittoBroker()
        try await broker.start()
        let first = try AgentProcess.start(device: "dup", brokerPort: broker.port)
        _ = try await waitOnline(broker, "dup")
        // A second device configured with the same identity (a copied configuration file).
        let second = try AgentProcess.start(device: "dup", brokerPort: broker.port)
        let deadline = ContinuousClock.now + .seconds(60)
        func explained(_ agent: AgentProcess) -> Bool { agent.process.output.contains("session taken over") }
        while ContinuousClock.now < deadline, !explained(first), !explained(second) {
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(explained(first) || explained(second), "\(first.process.output)\n---\n\(second.process.output)")
        #expect((first.process.output + second.process.output).contains("duplicate device identity"))
        await first.process.stop()
        await second.process.stop()
    }

    /// mosquitto's dynamic-security plugin (shipped with the broker): unlike `acl_file`, which grants every
    /// SUBSCRIBE and filters at delivery, it refuses a denied subscription in the SUBACK.
    static func dynamicSecurityPlugin() throws -> String {
        let libraries = (try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib")) ?? []
        for folder in ["/usr/lib"] + libraries.map({ "/usr/lib/\($0)" }) {
            let candidate = "\(folder)/mosquitto_dynamic_security.so"
            if FileManager.default.fileExists(atPath: candidate) { return candidate }
        }
        throw TestKitError(
            "mosquitto_dynamic_security.so not found under /usr/lib: install mosquitto (Tools/bootstrap)")
    }

    @Test("a broker that refuses the command subscription (SUBACK 0x87): logged, retried, and reported in health")
    func refusedSubscription() async throws {
        let prefix = AgentProcess.prefix("deaf")
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
            "curb-dynsec-\(UUID().uuidString.prefix(6))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let security = folder.appendingPathComponent("dynamic-security.json")
        try """
        {"defaultACLAccess": {"publishClientSend": true, "publishClientReceive": true, "subscribe": true,
          "unsubscribe": true},
         "clients": [], "anonymousGroup": "devices",
         "groups": [{"groupname": "devices", "roles": [{"rolename": "no-commands"}]}],
         "roles": [{"rolename": "no-commands",
                    "acls": [{"acltype": "subscribePattern", "topic": "\(prefix)/cmd/#", "allow": false}]}]}
        """.write(to: security, atomically: true, encoding: .utf8)
        let broker = try MosquittoBroker(
            extraConfiguration: [
                "listener %PORT% 127.0.0.1", "allow_anonymous true", "plugin \(try Self.dynamicSecurityPlugin())",
                "plugin_opt_config_file \(security.path)",
            ])
        try await broker.start()
        let agent = try AgentProcess.start(
            device: "deaf", brokerPort: broker.port, extra: "health: {interval_s: 1}\ndevice: {heartbeat_s: 60}")
        var subscriptions: [String: [String: Any]] = [:]
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            let health = try await ToolRun.run(
                "mosquitto_sub", ["-p", "\(broker.port)", "-t", "\(prefix)/telemetry/health", "-C", "1", "-W", "30"])
            let object = try? JSONSerialization.jsonObject(with: Data(health.output.utf8)) as? [String: Any]
            subscriptions = object?["subscriptions"] as? [String: [String: Any]] ?? [:]
            if (subscriptions["cmd/+"]?["attempts"] as? Int ?? 0) >= 2 { break }
        }
        let commands = subscriptions["cmd/+"] ?? [:]
        #expect(commands["state"] as? String == "refused", "\(subscriptions)\n\(agent.process.output)")
        #expect(commands["reason_code"] as? Int == 0x87, "\(subscriptions)")
        #expect(commands["reason"] as? String == "Not authorized", "\(subscriptions)")
        #expect(commands["attempts"] as? Int ?? 0 >= 2, "retried: \(subscriptions)")
        #expect(subscriptions["config/desired"]?["state"] as? String == "active", "\(subscriptions)")
        #expect(agent.process.output.contains("broker refused the subscription"), "\(agent.process.output)")
        await agent.process.stop()
    }

    @Test("mqtts: the broker killed three times while events flow; the daemon reconnects, delivers and stays alive")
    func tlsBrokerRestarts() async throws {
        let pki = try await TestCertificates.make()
        let broker = try MosquittoBroker(
            extraConfiguration: [
                "listener %PORT% 127.0.0.1", "allow_anonymous true", "cafile \(pki.caFile)",
                "certfile \(pki.serverCertificate)", "keyfile \(pki.serverKey)",
            ])
        try await broker.start()
        let device = "tls-restart"
        let prefix = AgentProcess.prefix(device)
        let (config, directory) = try AgentProcess.writeConfig(
            device: device, brokerPort: broker.port,
            extra: "outbox: {drain_rate_per_s: 5000}\ndevice: {heartbeat_s: 1}")
        var text = try String(contentsOf: config, encoding: .utf8)
        text = text.replacingOccurrences(of: "mqtt://", with: "mqtts://")
            .replacingOccurrences(
                of: "reconnect_max_ms: 1000", with: "reconnect_max_ms: 1000, tls: {ca_file: \(pki.caFile)}")
        try text.write(to: config, atomically: true, encoding: .utf8)
        let agent = try AgentProcess(configFile: config, directory: directory)
        let tls = ["-h", "127.0.0.1", "--cafile", pki.caFile]
        _ = try await waitOnline(broker, device, extraArgs: tls)
        for round in 1...3 {
            let sent = try await ToolRun.run(
                "mosquitto_pub",
                [
                    "-p", "\(broker.port)", "-q", "1", "-t", "\(prefix)/cmd/emit-events", "-m",
                    #"{"id":"burst-\#(round)","args":{"count":20000}}"#,
                ] + tls)
            #expect(sent.status == 0, "\(sent.output)")
            // Kill the broker mid-stream, with our publishes unread in its socket: the connection ends in a reset.
            let flowing = try await ToolRun.run(
                "mosquitto_sub", ["-p", "\(broker.port)", "-t", "\(prefix)/event/#", "-C", "20", "-W", "30"] + tls)
            #expect(flowing.status == 0, "round \(round): no events: \(flowing.output)\n\(agent.process.output)")
            await broker.kill()
            try await broker.start()
        }
        let heartbeat = try await ToolRun.run(
            "mosquitto_sub",
            ["-p", "\(broker.port)", "-t", "\(prefix)/telemetry/heartbeat", "-C", "1", "-W", "30"] + tls)
        #expect(heartbeat.output.contains("uptime_s"), "no delivery after the restarts: \(heartbeat.output)")
        #expect(agent.process.isRunning, "the daemon died: \(agent.process.output.suffix(2000))")
        await agent.process.stop()
    }
}
