import AgentRuntime
import ConfigSupport
import CurbsideTestKit
import Foundation
import MQTTTransport
import Testing

/// Secrets stay secret: password and key files readable by their owner only, no credentials in the broker URL, a
/// warning for a password sent in the clear, and nothing secret in `get-config`.
@Suite("Secrets", .serialized, .timeLimit(.minutes(3)))
struct SecretsTests {
    /// A file with `text` and `mode` in `folder`.
    func secretFile(_ folder: URL, _ name: String, _ text: String, mode: Int) throws -> String {
        let path = folder.appendingPathComponent(name).path
        #expect(FileManager.default.createFile(atPath: path, contents: Data(text.utf8)))
        // Set after creating: the process umask would narrow a mode given to createFile.
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
        return path
    }

    /// A configuration whose password file (beside it) has `mode`, with `extra` keys for its `mqtt` mapping made from
    /// the folder.
    func configWithPassword(
        _ device: String, mode: Int, extra: (URL) throws -> String = { _ in "" }
    ) throws -> (file: URL, password: String) {
        let (_, folder) = try AgentProcess.writeConfig(device: device, brokerPort: 1883)
        let password = try secretFile(folder, "mqtt-password", "s3cret\n", mode: mode)
        let (file, _) = try AgentProcess.writeConfig(
            device: device, brokerPort: 1883, mqtt: ", password_file: \(password)\(try extra(folder))")
        return (file, password)
    }

    func load(_ file: URL) throws(DocumentError) -> AgentConfiguration {
        try AgentConfiguration.load(file: file.path) { _, _, _ in 0 }.0
    }

    @Test(
        "a password or key file that group or others can read is refused with its path, the mode and chmod 600",
        arguments: [0o644, 0o640, 0o604])
    func exposedSecretFilesAreRefused(mode: Int) throws {
        var key = ""
        let (file, password) = try configWithPassword("secret", mode: mode) { folder in
            key = try secretFile(folder, "device.key", "-----BEGIN PRIVATE KEY-----\n", mode: mode)
            let certificate = try secretFile(folder, "device.pem", "-----BEGIN CERTIFICATE-----\n", mode: 0o644)
            return ", tls: {cert_file: \(certificate), key_file: \(key)}"
        }
        #expect {
            _ = try load(file)
        } throws: { error in
            let issues = (error as? DocumentError)?.issues ?? []
            let octal = "0" + String(mode, radix: 8)
            return issues.count == 2
                && issues.contains {
                    $0.path == "$.mqtt.password_file" && $0.description.contains("mode \(octal) on \"\(password)\"")
                        && $0.description.contains("chmod 600 \(password)")
                }
                && issues.contains { $0.path == "$.mqtt.tls.key_file" && $0.description.contains("chmod 600 \(key)") }
        }
        // The same files, owner-only, pass.
        for path in [password, key] {
            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
        }
        #expect(try load(file).mqtt.passwordFile == password)
    }

    @Test("--check-config says which secret file is exposed, and exits 1")
    func checkConfigNamesTheExposedFile() async throws {
        let (file, password) = try configWithPassword("secret", mode: 0o644)
        let result = try await ToolRun.run(try AgentProcess.executable(), ["--config", file.path, "--check-config"])
        #expect(result.status == 1)
        #expect(
            result.output.contains(
                "$.mqtt.password_file: expected a password file only its owner can read (chmod 600 \(password)), "
                    + "got mode 0644"), "\(result.output)")
    }

    @Test(
        "credentials in the broker URL are refused, pointing to username and password_file, and never echoed",
        arguments: ["mqtt://dev:hunter2@127.0.0.1:1883", "mqtts://dev:hunter2@broker.example", "mqtt://hunter2@h:1"])
    func credentialsInTheURLAreRefused(url: String) throws {
        let (file, _) = try AgentProcess.writeConfig(device: "url", brokerPort: 1883)
        let text = try String(contentsOf: file, encoding: .utf8).replacingOccurrences(
            of: "mqtt://127.0.0.1:1883", with: url)
        try text.write(to: file, atomically: true, encoding: .utf8)
        #expect {
            _ = try load(file)
        } throws: { error in
            let issues = (error as? DocumentError)?.issues ?? []
            return issues.count == 1 && issues[0].path == "$.mqtt.url"
                && issues[0].description.contains("give the user name as username and the password in password_file")
                && !"\(error)".contains("hunter2")
        }
        #expect(throws: MQTTError.self) { try MQTTConfiguration.parse(url: url) }
    }

    @Test("a password over plain mqtt:// to another host is a warning at start and in --check-config, not an error")
    func plaintextPasswordWarns() async throws {
        let (file, _) = try configWithPassword("plain", mode: 0o600)
        // Loopback: the password never leaves the board.
        #expect(try load(file).securityWarnings.isEmpty)
        for (url, warned) in [
            ("mqtt://broker.example:1883", true), ("mqtts://broker.example:8883", false),
            ("mqtt://localhost:1883", false), ("mqtt://[::1]:1883", false),
        ] {
            let text = try String(contentsOf: file, encoding: .utf8).replacingOccurrences(
                of: #"url: "[^"]*""#, with: "url: \"\(url)\"", options: .regularExpression)
            try text.write(to: file, atomically: true, encoding: .utf8)
            let warnings = try load(file).securityWarnings
            #expect(warnings.isEmpty != warned, "\(url): \(warnings)")
            if warned {
                #expect(warnings.first?.contains("sent in the clear over mqtt:// to broker.example") == true)
                let result = try await ToolRun.run(
                    try AgentProcess.executable(), ["--config", file.path, "--check-config"])
                #expect(result.status == 0, "\(result.output)")
                #expect(result.output.contains("warning: $.mqtt.url: the password"), "\(result.output)")
                // And the daemon itself says it in its log at start, then runs (it keeps trying to connect).
                let agent = try AgentProcess(configFile: file, directory: file.deletingLastPathComponent())
                _ = try await waitUntil(.seconds(30)) { agent.process.output.contains("sent in the clear") }
                #expect(agent.process.output.contains("warning"), "\(agent.process.output)")
                #expect(agent.process.output.contains("sent in the clear over mqtt:// to broker.example"))
                #expect(agent.process.isRunning, "\(agent.process.output)")
                await agent.process.stop()
            }
        }
        // Without a password there is nothing to warn about.
        let (bare, _) = try AgentProcess.writeConfig(device: "plain", brokerPort: 1883)
        let text = try String(contentsOf: bare, encoding: .utf8).replacingOccurrences(
            of: "127.0.0.1", with: "broker.example")
        try text.write(to: bare, atomically: true, encoding: .utf8)
        #expect(try load(bare).securityWarnings.isEmpty)
    }

    @Test("get-config over a real command round trip carries neither the password nor the key's contents")
    func getConfigHasNoSecrets() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
            "curb-getcfg-\(UUID().uuidString.prefix(6))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let pki = try await TestCertificates.make()
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: pki.clientKey)
        let keyText = try String(contentsOfFile: pki.clientKey, encoding: .utf8)
        let keyBody = try #require(keyText.split(separator: "\n").dropFirst().first.map(String.init))
        let passwords = folder.appendingPathComponent("passwd").path
        let user = "t-site~example~getcfg"
        for (index, name) in ["operator", user].enumerated() {
            let created = try await ToolRun.run(
                "mosquitto_passwd", (index == 0 ? ["-c"] : []) + ["-b", passwords, name, "pw-\(name)-Zq9"])
            #expect(created.status == 0, "\(created.output)")
        }
        let broker = try MosquittoBroker(extraConfiguration: [
            "listener %PORT% 127.0.0.1", "allow_anonymous false", "password_file \(passwords)",
            "cafile \(pki.caFile)", "certfile \(pki.serverCertificate)", "keyfile \(pki.serverKey)",
            "require_certificate true",
        ])
        try await broker.start()
        let password = try secretFile(folder, "mqtt-password", "pw-\(user)-Zq9\n", mode: 0o600)
        let tls = "tls: {ca_file: \(pki.caFile), cert_file: \(pki.clientCertificate), key_file: \(pki.clientKey)}"
        let (config, directory) = try AgentProcess.writeConfig(
            device: "getcfg", brokerPort: broker.port, extra: "device: {heartbeat_s: 1}",
            mqtt: ", password_file: \(password), \(tls)")
        let text = try String(contentsOf: config, encoding: .utf8).replacingOccurrences(
            of: "mqtt://127.0.0.1", with: "mqtts://127.0.0.1")
        try text.write(to: config, atomically: true, encoding: .utf8)
        let agent = try AgentProcess(configFile: config, directory: directory)
        let client = [
            "-h", "127.0.0.1", "-p", "\(broker.port)", "--cafile", pki.caFile, "--cert", pki.clientCertificate,
            "--key", pki.clientKey, "-u", "operator", "-P", "pw-operator-Zq9",
        ]
        let prefix = AgentProcess.prefix("getcfg")
        // The retained birth says the daemon logged in (password and client certificate) and took its subscriptions.
        let online = try await broker.read("\(prefix)/status", arguments: client) { $0.contains(#""state":"online""#) }
        #expect(online.contains(#""state":"online""#), "\(online)\n\(agent.process.output)")
        // The operator's requester waits on the device's reply prefix, as the ACL has it.
        let replies = try SpawnedProcess(
            "stdbuf",
            ["-oL", "mosquitto_sub"] + client + [
                "-d", "-V", "mqttv5", "-t", "ops/replies/\(user)/cfg", "-C", "1", "-W", "60",
            ])
        _ = try await waitUntil(.seconds(30)) { replies.output.contains("received SUBACK") }
        let sent = try await ToolRun.run(
            "mosquitto_pub",
            client + [
                "-V", "mqttv5", "-q", "1", "-t", "\(prefix)/cmd/get-config", "-m", #"{"id":"cfg-1"}"#, "-D", "publish",
                "response-topic", "ops/replies/\(user)/cfg",
            ])
        #expect(sent.status == 0, "\(sent.output)")
        _ = await replies.wait(timeout: .seconds(60))
        let answer = replies.output
        // The round trip happened: the reply names this device and its broker.
        #expect(answer.contains(#""status":"accepted""#), "\(answer)\n\(agent.process.output)")
        #expect(answer.contains("mqtts://127.0.0.1:\(broker.port)"), "\(answer)")
        #expect(!answer.contains("Zq9"), "get-config returned the password: \(answer)")
        #expect(!answer.contains(keyBody), "get-config returned the key: \(answer)")
        #expect(!answer.contains("PRIVATE KEY"), "\(answer)")
        await agent.process.stop()
    }
}
