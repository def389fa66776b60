import AgentRuntime
import ArgumentParser
import FoundationEssentials
import Glibc
import Logging
import ServiceLifecycle
import UnixSignals

/// The command line every daemon shares: `--config FILE`, `--check-config`, `--version`, `--help`.
struct DaemonCommand<Daemon: DeviceDaemon>: AsyncParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(commandName: Daemon.name, abstract: Daemon.summary, version: Daemon.version)
    }

    @Option(name: .long, help: "Configuration file (YAML); see Firmware-config/examples/ for one per daemon.")
    var config: String

    @Flag(name: .long, help: "Validate the configuration file and exit: 0 when valid, 1 with every error otherwise.")
    var checkConfig = false

    func run() async throws {
        do {
            try await DaemonRunner<Daemon>.run(configFile: config, checkOnly: checkConfig)
        } catch {
            throw ExitCode(error.status)
        }
    }
}

/// Composes and runs one daemon; see `DeviceDaemon` for what a daemon supplies.
enum DaemonRunner<Daemon: DeviceDaemon> {
    typealias Configuration = Daemon.Controller.Configuration

    /// - Parameters:
    ///   - shutdownSignals: what starts the graceful stop (tests pass none and use the group instead).
    ///   - started: handed the service group once everything is composed, before it runs.
    static func run(
        configFile: String, checkOnly: Bool, shutdownSignals: [UnixSignal] = [.sigterm, .sigint],
        started: @Sendable (ServiceGroup) async -> Void = { _ in }
    ) async throws(DaemonExit) {
        // Before anything that could write to a socket: a broker reset during a TLS write must end a connection,
        // not the daemon.
        ProcessSignals.ignoreSIGPIPE()
        guard
            let (agent, local, logger) = try DaemonStart.load(
                file: configFile, checkOnly: checkOnly, label: Daemon.name,
                device: { Configuration.read(&$0, $1, at: $2) },
                files: { $0.loadReferencedFiles(configurationFile: configFile) })
        else { return }

        let health = HealthRegistry()
        let session: AgentSession
        do {
            session = try await AgentSession.standard(
                agent, agentName: Daemon.name, version: Daemon.version, logger: logger)
        } catch {
            throw fail(logger, "cannot start the MQTT session", error, status: 78)
        }
        let parts: Daemon.Parts
        do {
            parts = try await Daemon.openParts(local, from: try DeviceHardware.open(agent, health: health))
        } catch {
            throw fail(logger, "cannot open the parts", error, status: 69)  // EX_UNAVAILABLE
        }

        let context = DaemonContext(
            agent: agent, session: session, sink: SessionSink(session: session, logger: logger, health: health),
            health: health,
            logger: logger)
        let controller = await Daemon.makeController(local, parts: parts, context: context)
        // Outputs start safe, before any stored or remote configuration is applied and before any loop runs.
        await controller.enterSafeState()
        await controller.start()

        let signatures = await signatureAuthorizer(agent, session: session, logger: logger)
        let configurator = RemoteConfigurator(
            device: RemoteDevice(controller: controller, local: local), baseline: local,
            stateDirectory: agent.stateDirectory, healthWindow: agent.remoteConfigHealthWindow,
            authorizer: signatures)
        for problem in await configurator.restore() {
            logger.warning("stored configuration not used", metadata: ["problem": "\(problem)"])
        }
        await session.setConfigRevision(await configurator.activeRevision)
        await session.onDesiredConfiguration { payload in await configurator.handleDesired(payload) }
        await session.registerBuiltInCommands()
        await Daemon.registerCommands(on: session.router, controller: controller, context: context)

        let device = DeviceService(
            controller: controller, loops: await Daemon.loops(controller, parts: parts, context: context),
            session: session, health: health, logger: logger,
            stopped: { await Daemon.stopped(controller, context: context) })
        // The group shuts down in reverse order of this list: first the device (stop taking commands and desired
        // configurations, end the loops, safe state — at once on SIGTERM, before anything else), then the watchdog
        // (STOPPING=1), health, and last the session (outbox flushed, `offline`).
        let group = ServiceGroup(
            configuration: .init(
                services: [
                    .init(service: AgentService(session: session)),
                    .init(
                        service: HealthService(
                            session: session, registry: health, interval: agent.healthInterval,
                            outbox: session.outbox)),
                    .init(
                        service: WatchdogService(
                            notifier: SystemdNotifier(environment: ProcessInfo.processInfo.environment),
                            session: session)),
                    .init(service: device),
                ],
                gracefulShutdownSignals: shutdownSignals, logger: logger))
        logger.info("starting", metadata: ["broker": "\(agent.mqtt.url)", "backend": "\(agent.hal.backend)"])
        await started(group)
        do {
            try await group.run()
        } catch {
            throw fail(logger, "stopped on an error", error, status: 70)  // EX_SOFTWARE
        }
        logger.info("stopped")
    }

    /// With a `security` section: the signature checks for commands (installed on the router before any command
    /// can arrive) and for desired configurations, each refusal logged and published on `event/security`.
    private static func signatureAuthorizer(_ agent: AgentConfiguration, session: AgentSession, logger: Logger) async
        -> SignatureAuthorizer?
    {
        guard agent.security.isConfigured else { return nil }
        let authorizer = SignatureAuthorizer(
            settings: agent.security, identity: agent.identity, actuatorCommands: Daemon.actuatorCommands,
            stateDirectory: agent.stateDirectory,
            onRefusal: { refusal in
                logger.warning(
                    "refused a request", metadata: ["request": "\(refusal.request)", "reason": "\(refusal.reason)"])
                do {
                    try await session.publishEvent("security", refusal.fields)
                } catch {
                    logger.error("event/security not recorded", metadata: ["error": "\(error)"])
                }
            })
        if let problem = await authorizer.loadProblem { logger.warning("\(problem)") }
        await session.router.setAuthorizer(authorizer)
        return authorizer
    }

    private static func fail(_ logger: Logger, _ what: String, _ error: any Error, status: Int32) -> DaemonExit {
        logger.critical("\(what)", metadata: ["error": "\(error)"])
        writeToStandardError("\(Daemon.name): \(error)\n")
        return DaemonExit(status: status)
    }
}
