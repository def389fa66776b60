import CurbsideTestKit
import Foundation

/// The built `curb-agent` daemon, started as a real process against a test broker.
struct AgentProcess {
    let process: SpawnedProcess
    let configFile: URL
    let directory: URL

    static let site = "t-site"
    static let kind = "example"

    /// `swift build --build-tests` (what `make test` runs) puts the executable next to the test bundle.
    static func executable() throws -> String { try ExecutableLookup.builtProduct("curb-agent") }

    static func boardsDirectory() -> URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Boards")
    }

    /// - Parameters:
    ///   - mqtt: more keys of the `mqtt` flow mapping (`password_file: …`).
    ///   - stateDirectory: `state_dir` (a filesystem of its own, say); `state` in the test's folder by default.
    static func writeConfig(
        device: String, brokerPort: Int, extra: String = "", site: String = site, kind: String = kind,
        mqtt: String = "", stateDirectory: URL? = nil
    ) throws -> (URL, URL) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "curb-agent-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let file = directory.appendingPathComponent("agent.yaml")
        let yaml = """
            identity: {site: \(site), kind: \(kind), device: \(device)}
            mqtt: {url: "mqtt://127.0.0.1:\(brokerPort)", reconnect_min_ms: 200, reconnect_max_ms: 1000\(mqtt)}
            board: \(boardsDirectory().appendingPathComponent("sim.yaml").path)
            hal: {backend: rig, rig_socket: /tmp/curb-rig-unused.sock}
            state_dir: \((stateDirectory ?? directory.appendingPathComponent("state")).path)
            commands: {max_payload_bytes: 1024}
            \(extra)
            """
        try yaml.write(to: file, atomically: true, encoding: .utf8)
        return (file, directory)
    }

    static func start(
        device: String, brokerPort: Int, extra: String = "device: {heartbeat_s: 1}",
        environment: [String: String] = [:]
    ) throws -> AgentProcess {
        let (file, directory) = try writeConfig(device: device, brokerPort: brokerPort, extra: extra)
        return try AgentProcess(configFile: file, directory: directory, environment: environment)
    }

    /// Starts the daemon on an existing configuration (a restart keeps the state directory).
    init(configFile: URL, directory: URL, environment: [String: String] = [:]) throws {
        self.configFile = configFile
        self.directory = directory
        let merged = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        process = try SpawnedProcess(
            try Self.executable(), ["--config", configFile.path], environment: merged,
            outputFile: directory.appendingPathComponent("agent.log"))
    }

    static func prefix(_ device: String) -> String { "curb/v1/\(site)/\(kind)/\(device)" }
}
