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

    func run() async throws {
        let reader = ExampleDevice(.init())
        let loaded: (AgentConfiguration, ExampleDevice.Settings)
        do {
            loaded = try AgentConfiguration.load(file: config) { reader.read(&$0, $1, at: $2) }
        } catch {
            FileHandle.standardError.write(Data("\(error)\n".utf8))
            throw ExitCode(checkConfig ? 1 : 78)  // 78: EX_CONFIG, so systemd shows a configuration failure
        }
        if checkConfig {
            print("\(config): valid")
            return
        }
        let (configuration, localSettings) = loaded
        let device = ExampleDevice(localSettings)
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
        try FileManager.default.createDirectory(
            atPath: configuration.stateDirectory, withIntermediateDirectories: true)
        let limits = configuration.outbox
        let outbox = try FileOutbox(
            directory: configuration.stateDirectory + "/outbox",
            limits: .init(maxBytes: limits.maxBytes, maxAge: limits.maxAge, maxEntries: limits.maxEntries))
        let session = try AgentSession(
            configuration: configuration, birth: birth, password: password, logger: logger, outbox: outbox,
            drainRatePerSecond: Double(limits.drainRatePerSecond)
        ) { reason in
            // reboot-agent: stop gracefully; the supervisor restarts us.
            kill(getpid(), SIGTERM)
            _ = reason
        }
        let configurator = RemoteConfigurator(
            device: device, baseline: localSettings, stateDirectory: configuration.stateDirectory,
            healthWindow: configuration.remoteConfigHealthWindow)
        try FileManager.default.createDirectory(
            atPath: configuration.stateDirectory, withIntermediateDirectories: true)
        for problem in await configurator.restore() {
            logger.warning("stored configuration not used", metadata: ["problem": "\(problem)"])
        }
        await session.setConfigRevision(await configurator.activeRevision)
        await session.onDesiredConfiguration { payload in await configurator.handleDesired(payload) }
        await session.registerBuiltInCommands()
        // Example agent only: emits a burst of QoS 1 events, to exercise delivery through broker outages.
        await session.router.register("emit-events", arguments: EmitEvents.self) { args in
            guard (1...100_000).contains(args.count), (0...1_000).contains(args.intervalMs ?? 0) else {
                return .rejected(reason: "out-of-range", message: "count 1…100000, interval_ms 0…1000")
            }
            Task {
                for index in 1...args.count {
                    _ = try? await session.publishEvent(args.stream ?? "burst", ["index": .number(Double(index))])
                    if let interval = args.intervalMs, interval > 0 {
                        try? await Task.sleep(for: .milliseconds(interval))
                    }
                }
            }
            return .accepted(["emitting": .number(Double(args.count))])
        }

        let heartbeat = HeartbeatService(session: session, device: device)
        let health = HealthService(
            session: session, registry: HealthRegistry(), interval: configuration.healthInterval, outbox: outbox)
        let watchdog = WatchdogService(
            notifier: SystemdNotifier(environment: ProcessInfo.processInfo.environment), session: session)
        // Shutdown runs in reverse order: watchdog (STOPPING=1), health, heartbeat, then the session (offline).
        let group = ServiceGroup(
            configuration: .init(
                services: [
                    .init(service: AgentService(session: session)), .init(service: heartbeat), .init(service: health),
                    .init(service: watchdog),
                ],
                gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        logger.info("starting", metadata: ["broker": "\(configuration.mqtt.url)"])
        try await group.run()
        logger.info("stopped")
    }
}

/// Arguments of the example agent's `emit-events` command.
struct EmitEvents: Decodable, Sendable {
    var count: Int
    var stream: String?
    var intervalMs: Int?

    enum CodingKeys: String, CodingKey {
        case count, stream
        case intervalMs = "interval_ms"
    }
}

/// Publishes `telemetry/heartbeat` with the uptime every (remotely configurable) interval.
struct HeartbeatService: Service {
    let session: AgentSession
    let device: ExampleDevice

    func run() async throws {
        let start = ContinuousClock.now
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try await Task.sleep(for: device.settings.heartbeat)
                let uptime = ContinuousClock.now - start
                _ = try? await session.publishTelemetry(
                    "heartbeat", ["uptime_s": .number(Double(uptime.components.seconds))])
            }
        }
    }
}
