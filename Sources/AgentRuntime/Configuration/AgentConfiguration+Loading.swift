public import ConfigSupport
import FoundationEssentials
import MQTTTransport
public import Yams

extension AgentConfiguration {
    /// Validates a configuration document: the runtime sections here, the `device` section through `device`.
    /// Every problem is reported at once.
    ///
    /// - Parameter device: reads the device section (nil when absent) with the same reader, so its problems join
    ///   the same report with their JSON paths.
    public static func parse<Device>(
        yaml: String, file: String? = nil,
        device: (inout NodeReader, Node?, JSONPath) -> Device?
    ) throws(DocumentError) -> (AgentConfiguration, Device) {
        let root = try YAMLDocument.parse(yaml, file: file, what: "a configuration mapping")
        var reader = NodeReader()
        let (configuration, deviceNode) = decode(root, reader: &reader)
        let deviceConfiguration = device(&reader, deviceNode, JSONPath.root.appending("device"))
        guard reader.issues.isEmpty, let configuration, let deviceConfiguration else {
            throw DocumentError(.invalid, file: file, issues: YAMLDocument.inFileOrder(reader.issues))
        }
        return (configuration, deviceConfiguration)
    }

    /// Reads and validates a configuration file, then checks what it points to on disk (board file, TLS files,
    /// password file; the password and key files readable by their owner only) and resolves relative paths against
    /// the file's folder.
    public static func load<Device>(
        file: String, device: (inout NodeReader, Node?, JSONPath) -> Device?
    ) throws(DocumentError) -> (AgentConfiguration, Device) {
        let text: String
        do {
            text = try String(contentsOfFile: file, encoding: .utf8)
        } catch {
            throw DocumentError(.unreadable, file: file, detail: DocumentError.reason(error))
        }
        var (configuration, deviceConfiguration) = try parse(yaml: text, file: file, device: device)
        let folder = URL(fileURLWithPath: file).deletingLastPathComponent()
        func resolve(_ path: String) -> String {
            path.hasPrefix("/") ? path : folder.appendingPathComponent(path).standardizedFileURL.path
        }
        configuration.board = resolve(configuration.board)
        var missing: [ConfigIssue] = []
        func mustExist(_ path: String?, at jsonPath: String, what: String) {
            guard let path, !FileManager.default.isReadableFile(atPath: path) else { return }
            missing.append(
                ConfigIssue(.invalidValue, path: jsonPath, expected: "a readable \(what)", found: "\"\(path)\""))
        }
        mustExist(configuration.board, at: "$.board", what: "board file")
        mustExist(configuration.mqtt.passwordFile, at: "$.mqtt.password_file", what: "password file")
        mustExist(configuration.mqtt.tls.caFile, at: "$.mqtt.tls.ca_file", what: "CA file")
        mustExist(configuration.mqtt.tls.certificateFile, at: "$.mqtt.tls.cert_file", what: "certificate file")
        mustExist(configuration.mqtt.tls.keyFile, at: "$.mqtt.tls.key_file", what: "key file")
        missing += configuration.exposedSecretFiles
        guard missing.isEmpty else { throw DocumentError(.invalid, file: file, issues: missing) }
        return (configuration, deviceConfiguration)
    }
}
