public import ConfigSupport
import FoundationEssentials
import Glibc
import MQTTTransport

extension AgentConfiguration {
    /// Secret files (the MQTT password file, the TLS private key) that group or others can read, refused as ssh
    /// refuses such a key: anyone else on the board could take the device's broker identity.
    ///
    /// A file that cannot be read at all is left to the existence check, which reports it.
    public var exposedSecretFiles: [ConfigIssue] { mqtt.exposedSecretFiles(at: "$.mqtt") }

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

    /// Logged at start and printed by `--check-config` when there is no `security` section: anyone who can publish
    /// on the device's topics may command it, as before signing existed.
    public var unsignedWarning: String? {
        guard !security.isConfigured else { return nil }
        return "$.security: absent; commands and desired configurations are accepted unsigned (anyone who can "
            + "publish on this device's topics can command it; see the README's Security model)"
    }

    /// Whether `host` names this board itself (the password never leaves it).
    static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }
}

extension AgentConfiguration.MQTT {
    /// The password file and TLS private key when group or others can read them, as issues at `path`'s keys
    /// (`$.mqtt.password_file`), refused as ssh refuses such a key: anyone else on the machine could take the
    /// identity. A file that cannot be read at all is left to the existence check, which reports it.
    public func exposedSecretFiles(at path: String) -> [ConfigIssue] {
        [
            (passwordFile, "\(path).password_file", "password file"),
            (tls.keyFile, "\(path).tls.key_file", "private key file"),
        ].compactMap { file, jsonPath, what in
            // The file read is the link's target, so its mode is the one that counts.
            // stat(2) follows the link; FoundationEssentials' attributes carry the mode in a type of their own.
            var info = stat()
            guard let file, stat(file, &info) == 0 else { return nil }
            let mode = Int(info.st_mode)
            guard mode & 0o077 != 0 else { return nil }
            return ConfigIssue(
                .invalidValue, path: jsonPath,
                expected: "a \(what) only its owner can read (chmod 600 \(file))",
                found: "mode 0\(String(mode & 0o777, radix: 8)) on \"\(file)\", readable by group or others")
        }
    }

    /// The password: the first line of `password_file`, nil without one.
    public func password() throws -> String? {
        try passwordFile.map {
            try String(contentsOfFile: $0, encoding: .utf8).split(whereSeparator: \.isNewline).first.map(String.init)
                ?? ""
        }
    }
}
