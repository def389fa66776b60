import AgentRuntime
import ArgumentParser
import ConfigSupport
import DeviceHardware
import Foundation
import HAL
import Logging
import ServiceLifecycle
import StreetlightDevice
import StreetlightLogic
import UnixSignals
import Yams

/// streetlightd: the smart streetlight pole — LED dimming and relay, ambient light, climate, fine dust, lamp health —
/// on the agent runtime. A thin composition: configuration, parts from the board file, the controller, its loops
/// and commands.
@main
struct Streetlightd: AsyncParsableCommand {
    static let version = "0.1.0"
    static let configuration = CommandConfiguration(
        commandName: "streetlightd", abstract: "Curbside streetlight daemon.", version: version)

    @Option(name: .long, help: "Configuration file (YAML); see Firmware-config/examples/streetlightd.yaml.")
    var config: String

    @Flag(name: .long, help: "Validate the configuration file and exit: 0 when valid, 1 with every error otherwise.")
    var checkConfig = false

    func run() async throws {
        let started: (agent: AgentConfiguration, device: StreetlightConfiguration, logger: Logger)?
        do {
            started = try DaemonStart.load(file: config, checkOnly: checkConfig, label: "streetlightd") {
                StreetlightConfiguration.read(&$0, $1, at: $2)
            }
        } catch {
            throw ExitCode(error.status)
        }
        guard let (agent, local, logger) = started else { return }
        let counterStore = LampCounterStore(path: agent.stateDirectory + "/lamp-counters.json")
        let session = try await AgentSession.standard(
            agent, agentName: "streetlightd", version: Self.version, logger: logger)

        let hardware: DeviceHardware
        let parts: StreetlightParts
        do {
            hardware = try await DeviceHardware.open(agent)
            let map = local.hardware
            // The relay starts closed: until the policy has decided, a lit street is the safe guess.
            let relay = try await hardware.output(
                map.relay, usedAt: "$.device.hardware.relay",
                GPIOOutputConfiguration(consumer: "streetlightd", activeLow: map.relayActiveLow, initialValue: .active))
            let motion = try await map.motion.asyncMap {
                try await hardware.input(
                    $0, usedAt: "$.device.hardware.motion",
                    GPIOInputConfiguration(consumer: "streetlightd", edges: .rising, debounce: .milliseconds(50)))
            }
            parts = StreetlightParts(
                bus: try await hardware.i2cBus(map.i2cBus, usedAt: "$.device.hardware.i2c_bus"), relay: relay,
                motion: motion)
        } catch {
            logger.critical("cannot open the parts", metadata: ["error": "\(error)"])
            FileHandle.standardError.write(Data("streetlightd: \(error)\n".utf8))
            throw ExitCode(69)  // EX_UNAVAILABLE
        }

        let controller = StreetlightController(
            configuration: local, parts: parts, sink: SessionSink(session: session, logger: logger),
            counters: counterStore.load(), now: { Timestamp(secondsSinceEpoch: Date().timeIntervalSince1970) })
        await controller.start()

        let device = RemoteStreetlight(controller: controller, hardware: local.hardware)
        let configurator = RemoteConfigurator(
            device: device, baseline: local, stateDirectory: agent.stateDirectory,
            healthWindow: agent.remoteConfigHealthWindow)
        for problem in await configurator.restore() {
            logger.warning("stored configuration not used", metadata: ["problem": "\(problem)"])
        }
        await session.setConfigRevision(await configurator.activeRevision)
        await session.onDesiredConfiguration { payload in await configurator.handleDesired(payload) }
        await session.registerBuiltInCommands()
        await StreetlightCommands.register(on: session.router, controller: controller)

        let loops = StreetlightLoops(
            controller: controller, motion: parts.motion, counters: counterStore,
            environmentInterval: local.environment.interval, logger: logger)
        let health = HealthService(
            session: session, registry: HealthRegistry(), interval: agent.healthInterval, outbox: nil)
        let watchdog = WatchdogService(
            notifier: SystemdNotifier(environment: ProcessInfo.processInfo.environment), session: session)
        // Shutdown runs in reverse: watchdog, health, loops (safe state, counters saved), then the session (offline).
        let group = ServiceGroup(
            configuration: .init(
                services: [
                    .init(service: AgentService(session: session)), .init(service: loops), .init(service: health),
                    .init(service: watchdog),
                ],
                gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        logger.info("starting", metadata: ["broker": "\(agent.mqtt.url)", "backend": "\(agent.hal.backend)"])
        try await group.run()
        logger.info("stopped")
    }
}

extension Optional {
    fileprivate func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async throws -> T? {
        guard let self else { return nil }
        return try await transform(self)
    }
}
