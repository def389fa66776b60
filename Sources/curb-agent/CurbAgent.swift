import AgentRuntime
import ArgumentParser
import ConfigSupport
import Foundation
import Logging
import ServiceLifecycle
import UnixSignals
import Yams

/// A minimal daemon on the agent runtime: announces itself, answers the built-in commands and publishes a heartbeat.
/// It is the runtime's end-to-end example and test subject; device daemons compose the same pieces.
@main
struct CurbAgent: AsyncParsableCommand {
    static let version = "0.1.0"
    static let configuration = CommandConfiguration(
        commandName: "curb-agent", abstract: "Curbside example agent (runtime only, no hardware).", version: version)

    @Option(name: .long, help: "Configuration file (YAML).")
    var config: String

    @Flag(name: .long, help: "Validate the configuration file and exit: 0 when valid, 1 with every error otherwise.")
    var checkConfig = false

    struct DeviceSection: Sendable {
        var heartbeat: Duration = .seconds(60)
    }

    static func readDevice(_ reader: inout NodeReader, _ node: Node?, _ path: JSONPath) -> DeviceSection? {
        var section = DeviceSection()
        guard let node else { return section }
        guard let keys = reader.object(node, at: path, required: [], optional: ["heartbeat_s"]) else { return nil }
        if let node = keys["heartbeat_s"] {
            guard let seconds = reader.integer(node, at: path.appending("heartbeat_s"), in: 1...86_400, unit: "s")
            else { return nil }
            section.heartbeat = .seconds(seconds)
        }
        return section
    }

    func run() async throws {
        let loaded: (AgentConfiguration, DeviceSection)
        do {
            loaded = try AgentConfiguration.load(file: config, device: Self.readDevice)
        } catch {
            FileHandle.standardError.write(Data("\(error)\n".utf8))
            throw ExitCode(checkConfig ? 1 : 78)  // 78: EX_CONFIG, so systemd shows a configuration failure
        }
        if checkConfig {
            print("\(config): valid")
            return
        }
        let (configuration, device) = loaded
        var logger = Logger(label: "curb-agent")
        logger.logLevel = .info
        logger[metadataKey: "device"] = "\(configuration.identity)"

        let password = try configuration.mqtt.passwordFile.map {
            try String(contentsOfFile: $0, encoding: .utf8).split(whereSeparator: \.isNewline).first.map(String.init)
                ?? ""
        }
        let birth = AgentSession.BirthDocument(
            agent: "curb-agent", version: Self.version,
            board: URL(fileURLWithPath: configuration.board).deletingPathExtension().lastPathComponent,
            configRevision: 0, bootTime: Date())
        let session = try AgentSession(configuration: configuration, birth: birth, password: password) { reason in
            // reboot-agent: stop gracefully; the supervisor restarts us.
            kill(getpid(), SIGTERM)
            _ = reason
        }
        await session.registerBuiltInCommands()
        await session.router.register("self-test") { .accepted(["checks": [], "passed": true]) }

        let heartbeat = HeartbeatService(session: session, interval: device.heartbeat)
        let group = ServiceGroup(
            configuration: .init(
                services: [.init(service: AgentService(session: session)), .init(service: heartbeat)],
                gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        logger.info("starting", metadata: ["broker": "\(configuration.mqtt.url)"])
        try await group.run()
        logger.info("stopped")
    }
}

/// Publishes `telemetry/heartbeat` with the uptime every interval.
struct HeartbeatService: Service {
    let session: AgentSession
    let interval: Duration

    func run() async throws {
        let start = ContinuousClock.now
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try await Task.sleep(for: interval)
                let uptime = ContinuousClock.now - start
                _ = try? await session.publishTelemetry(
                    "heartbeat", ["uptime_s": .number(Double(uptime.components.seconds))])
            }
        }
    }
}
