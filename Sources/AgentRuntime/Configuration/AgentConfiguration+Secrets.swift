public import ConfigSupport
import Foundation
import MQTTTransport

extension AgentConfiguration {
    /// Secret files (the MQTT password file, the TLS private key) that group or others can read, refused as ssh
    /// refuses such a key: anyone else on the board could take the device's broker identity.
    ///
    /// A file that cannot be read at all is left to the existence check, which reports it.
    public var exposedSecretFiles: [ConfigIssue] {
        [
            (mqtt.passwordFile, "$.mqtt.password_file", "password file"),
            (mqtt.tls.keyFile, "$.mqtt.tls.key_file", "private key file"),
        ].compactMap { path, jsonPath, what in
            // The file read is the link's target, so its mode is the one that counts.
            guard let path,
                let attributes = try? FileManager.default.attributesOfItem(
                    atPath: URL(fileURLWithPath: path).resolvingSymlinksInPath().path),
                let mode = (attributes[.posixPermissions] as? NSNumber)?.intValue, mode & 0o077 != 0
            else { return nil }
            return ConfigIssue(
                .invalidValue, path: jsonPath,
                expected: "a \(what) only its owner can read (chmod 600 \(path))",
                found: "mode 0\(String(mode & 0o777, radix: 8)) on \"\(path)\", readable by group or others")
        }
    }

    /// What is unsafe but allowed, logged at start and printed by `--check-config`: a password sent in the clear
    /// (plain `mqtt://` to a host other than this board itself).
    public var securityWarnings: [String] {
        guard mqtt.passwordFile != nil, let broker = try? MQTTConfiguration.parse(url: mqtt.url), !broker.tls,
            !Self.isLoopback(broker.host)
        else { return [] }
        return [
            "$.mqtt.url: the password from password_file is sent in the clear over mqtt:// to \(broker.host); "
                + "use mqtts:// (TLS) off this board"
        ]
    }

    /// Whether `host` names this board itself (the password never leaves it).
    static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }
}
