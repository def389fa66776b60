import CurbsideTestKit
import Foundation
import Testing

/// The shipped example ACL (`Firmware-config/mosquitto/curbside.acl`) with two real daemons under it, each with its
/// own password and the identity's default user name: each works through its own topics and nothing else.
@Suite("Device ACL with the daemons", .serialized, .timeLimit(.minutes(3)))
struct DeviceACLTests {
    static let acl = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Firmware-config/mosquitto/curbside.acl").path
    static let site = "district-7"
    static let kind = "streetlight"
    let userA = "district-7~streetlight~pole-0042"
    let userB = "district-7~streetlight~pole-0043"
    let prefixA = "curb/v1/district-7/streetlight/pole-0042"
    let prefixB = "curb/v1/district-7/streetlight/pole-0043"

    func credentials(_ user: String) -> [String] { ["-u", user, "-P", "pw-\(user)"] }

    /// A daemon for `device` that logs in with its password file (mode 0600) and no `username` key.
    func startDaemon(_ device: String, user: String, brokerPort: Int) throws -> AgentProcess {
        let (config, directory) = try AgentProcess.writeConfig(
            device: device, brokerPort: brokerPort, extra: "device: {heartbeat_s: 1}", site: Self.site,
            kind: Self.kind, mqtt: ", password_file: PASSWORD")
        let secret = directory.appendingPathComponent("mqtt-password").path
        #expect(
            FileManager.default.createFile(
                atPath: secret, contents: Data("pw-\(user)\n".utf8), attributes: [.posixPermissions: 0o600]))
        let text = try String(contentsOf: config, encoding: .utf8).replacingOccurrences(of: "PASSWORD", with: secret)
        try text.write(to: config, atomically: true, encoding: .utf8)
        return try AgentProcess(configFile: config, directory: directory)
    }

    func send(
        _ broker: MosquittoBroker, _ topic: String, _ payload: String, as user: String, responseTopic: String?,
        retain: Bool = false
    ) async throws -> ToolResult {
        try await ToolRun.run(
            "mosquitto_pub",
            ["-p", "\(broker.port)", "-V", "mqttv5", "-q", "1", "-t", topic, "-m", payload] + (retain ? ["-r"] : [])
                + credentials(user)
                + (responseTopic.map { ["-D", "publish", "response-topic", $0] } ?? []))
    }

    @Test(
        "each daemon publishes and answers through its own topics; A's reply aimed at B's requester, and A's writes to B, are denied"
    )
    func daemonsUnderTheACL() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
            "curb-acl-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let passwords = folder.appendingPathComponent("passwd").path
        for (index, user) in ["operator", userA, userB].enumerated() {
            let created = try await ToolRun.run(
                "mosquitto_passwd", (index == 0 ? ["-c"] : []) + ["-b", passwords, user, "pw-\(user)"])
            #expect(created.status == 0, "\(created.output)")
        }
        // A log file is written line by line (stdout is buffered): the denials are read from it while running.
        let brokerLog = folder.appendingPathComponent("broker.log")
        let broker = try MosquittoBroker(extraConfiguration: [
            "listener %PORT% 127.0.0.1", "allow_anonymous false", "password_file \(passwords)",
            "acl_file \(Self.acl)", "log_dest file \(brokerLog.path)",
        ])
        try await broker.start()
        func denied(_ client: String, _ topic: String) -> Bool {
            let log = (try? String(contentsOf: brokerLog, encoding: .utf8)) ?? ""
            return log.split(separator: "\n").contains {
                $0.contains("Denied PUBLISH from \(client) ") && $0.contains("'\(topic)'")
            }
        }
        // Line-buffered, so the SUBACK and each message can be waited for while it runs.
        let operatorView = try SpawnedProcess(
            "stdbuf",
            [
                "-oL", "mosquitto_sub", "-p", "\(broker.port)", "-d", "-v", "-t", "curb/v1/#", "-t", "ops/replies/#",
                "-W", "40",
            ]
                + credentials("operator"))
        #expect(try await waitUntil { operatorView.output.contains("received SUBACK") }, "\(operatorView.output)")
        let daemonA = try startDaemon("pole-0042", user: userA, brokerPort: broker.port)
        let daemonB = try startDaemon("pole-0043", user: userB, brokerPort: broker.port)

        // Its own topics: status, telemetry, events, command results on cmd/…/result and on its reply prefix.
        #expect(
            try await waitUntil {
                operatorView.output.contains("\(prefixA)/status {\"")
                    && operatorView.output.contains("\(prefixB)/status {\"")
                    && operatorView.output.contains("\(prefixA)/telemetry/heartbeat ")
            }, "\(operatorView.output)\n\(daemonA.process.output)")
        var sent = try await send(
            broker, "\(prefixA)/cmd/emit-events", #"{"id":"ev-1","args":{"count":1,"stream":"acl"}}"#, as: "operator",
            responseTopic: nil)
        #expect(sent.status == 0, "\(sent.output)")
        sent = try await send(
            broker, "\(prefixA)/cmd/ping", #"{"id":"own-reply"}"#, as: "operator",
            responseTopic: "ops/replies/\(userA)/r1")
        #expect(sent.status == 0, "\(sent.output)")
        // A request for B whose response topic is B's requester's: A's answer must not get there.
        sent = try await send(
            broker, "\(prefixA)/cmd/ping", #"{"id":"forge"}"#, as: "operator",
            responseTopic: "ops/replies/\(userB)/forged")
        #expect(sent.status == 0, "\(sent.output)")
        sent = try await send(
            broker, "\(prefixB)/cmd/ping", #"{"id":"b-reply"}"#, as: "operator",
            responseTopic: "ops/replies/\(userB)/r2")
        #expect(sent.status == 0, "\(sent.output)")
        // Device A's own credentials against B's command and status topics, and the shared reply root.
        for (topic, payload) in [
            ("\(prefixB)/cmd/reboot-agent", #"{"id":"evil"}"#), ("\(prefixB)/status", "forged-status"),
            ("ops/replies/\(userB)/direct", "forged-direct"),
        ] {
            sent = try await send(broker, topic, payload, as: userA, responseTopic: nil)
            #expect(sent.status != 0 || sent.output.contains("Not authorized"), "\(topic): \(sent.output)")
        }

        #expect(
            try await waitUntil {
                let seen = operatorView.output
                return seen.contains("\(prefixA)/event/acl ") && seen.contains("ops/replies/\(userA)/r1 ")
                    && seen.contains("ops/replies/\(userB)/r2 ")
            }, "\(operatorView.output)")
        #expect(
            try await waitUntil { denied("curb-\(userA)", "ops/replies/\(userB)/forged") },
            "A's forged reply was not denied: \(operatorView.output)")
        #expect(!operatorView.output.contains("ops/replies/\(userB)/forged"), "\(operatorView.output)")
        for text in ["evil", "forged-status", "forged-direct"] {
            #expect(!operatorView.output.contains(text), "device A reached B's topics: \(operatorView.output)")
        }

        // Reading: B's retained status reaches B's credentials at once, never A's (acl_file filters at delivery). The
        // spy's second filter is a retained command of A's own (daemon A answers it as unknown): a SUBSCRIBE's retained
        // messages come in the order of its filters, so once that control is there, B's status would have come first.
        sent = try await send(
            broker, "\(prefixA)/cmd/spy-control", "spy-control-7f", as: "operator", responseTopic: nil, retain: true)
        #expect(sent.status == 0, "\(sent.output)")
        let spy = try await ToolRun.run(
            "mosquitto_sub",
            ["-p", "\(broker.port)", "-t", "\(prefixB)/#", "-t", "\(prefixA)/cmd/spy-control", "-C", "1", "-W", "20"]
                + credentials(userA))
        #expect(spy.output.contains("spy-control-7f"), "control: device A should read its own command: \(spy.output)")
        #expect(!spy.output.contains("online"), "device A read B's topics: \(spy.output)")
        let control = try await ToolRun.run(
            "mosquitto_sub",
            ["-p", "\(broker.port)", "-t", "\(prefixB)/status", "-C", "1", "-W", "20"] + credentials("operator"))
        #expect(control.output.contains("online"), "control: B's status should be retained: \(control.output)")
        #expect(daemonA.process.isRunning && daemonB.process.isRunning)
        await daemonA.process.stop()
        await daemonB.process.stop()
        operatorView.signal(SIGTERM)
    }
}
