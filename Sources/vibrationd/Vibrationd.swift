import AgentRuntime
import ArgumentParser
import ConfigSupport
import DeviceHardware
import Foundation
import HAL
import Logging
import ServiceLifecycle
import UnixSignals
import VibrationDevice
import VibrationLogic
import Yams

/// vibrationd: a structural vibration gauge (ADXL355) on the agent runtime — window figures, PPV against DIN 4150-3,
/// triggered captures. A thin composition: configuration, parts from the board file, the controller, its loop and
/// commands.
@main
struct Vibrationd: AsyncParsableCommand {
    static let version = "0.1.0"
    static let configuration = CommandConfiguration(
        commandName: "vibrationd", abstract: "Curbside structural vibration daemon.", version: version)

    @Option(name: .long, help: "Configuration file (YAML); see Firmware-config/examples/vibrationd.yaml.")
    var config: String

    @Flag(name: .long, help: "Validate the configuration file and exit: 0 when valid, 1 with every error otherwise.")
    var checkConfig = false

    func run() async throws {
        let started: (agent: AgentConfiguration, device: VibrationConfiguration, logger: Logger)?
        do {
            started = try DaemonStart.load(file: config, checkOnly: checkConfig, label: "vibrationd") {
                VibrationConfiguration.read(&$0, $1, at: $2)
            }
        } catch {
            throw ExitCode(error.status)
        }
        guard let (agent, local, logger) = started else { return }
        let session = try await AgentSession.standard(
            agent, agentName: "vibrationd", version: Self.version, logger: logger)

        let bus: any I2CBus
        let interrupt: any GPIOInputLine
        do {
            let hardware = try await DeviceHardware.open(agent)
            bus = try await hardware.i2cBus(local.hardware.i2cBus, usedAt: "$.device.hardware.i2c_bus")
            interrupt = try await hardware.input(
                local.hardware.interrupt, usedAt: "$.device.hardware.interrupt",
                GPIOInputConfiguration(consumer: "vibrationd", edges: .rising))
        } catch {
            logger.critical("cannot open the parts", metadata: ["error": "\(error)"])
            FileHandle.standardError.write(Data("vibrationd: \(error)\n".utf8))
            throw ExitCode(69)
        }
        let controller = VibrationController(
            configuration: local, bus: bus, sink: SessionSink(session: session, logger: logger),
            captureDirectory: URL(fileURLWithPath: agent.stateDirectory).appendingPathComponent("captures"),
            now: { Timestamp(secondsSinceEpoch: Date().timeIntervalSince1970) })
        await controller.start()

        let configurator = RemoteConfigurator(
            device: RemoteVibration(controller: controller, hardware: local.hardware), baseline: local,
            stateDirectory: agent.stateDirectory, healthWindow: agent.remoteConfigHealthWindow)
        for problem in await configurator.restore() {
            logger.warning("stored configuration not used", metadata: ["problem": "\(problem)"])
        }
        await session.setConfigRevision(await configurator.activeRevision)
        await session.onDesiredConfiguration { payload in await configurator.handleDesired(payload) }
        await session.registerBuiltInCommands()
        await VibrationCommands.register(on: session.router, controller: controller)

        let health = HealthService(
            session: session, registry: HealthRegistry(), interval: agent.healthInterval, outbox: nil)
        let watchdog = WatchdogService(
            notifier: SystemdNotifier(environment: ProcessInfo.processInfo.environment), session: session)
        let group = ServiceGroup(
            configuration: .init(
                services: [
                    .init(service: AgentService(session: session)),
                    .init(service: VibrationLoop(controller: controller, interrupt: interrupt, logger: logger)),
                    .init(service: health), .init(service: watchdog),
                ],
                gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        logger.info("starting", metadata: ["broker": "\(agent.mqtt.url)", "backend": "\(agent.hal.backend)"])
        try await group.run()
        logger.info("stopped")
    }
}

/// Drains the FIFO on every watermark interrupt edge; a slow timer covers an edge lost while the line stayed high.
struct VibrationLoop: Service {
    let controller: VibrationController
    let interrupt: any GPIOInputLine
    let logger: Logger

    func run() async throws {
        await withDiscardingTaskGroup { group in
            group.addTask {
                do {
                    for try await _ in interrupt.events().cancelOnGracefulShutdown() { await controller.drain() }
                } catch {
                    logger.error("interrupt line events ended", metadata: ["error": "\(error)"])
                }
            }
            group.addTask {
                while !Task.isCancelled {
                    await controller.drain()
                    try? await Task.sleep(for: .milliseconds(250))
                }
            }
            try? await gracefulShutdown()
            group.cancelAll()
        }
    }
}

/// Remote configuration of the `device` section; `hardware` is local only.
struct RemoteVibration: RemotelyConfigurable {
    let controller: VibrationController
    let hardware: VibrationConfiguration.Hardware

    struct HardwareChangeRefused: Error, CustomStringConvertible {
        var description: String { "device.hardware is local configuration; change it on the device" }
    }

    func read(_ reader: inout NodeReader, _ node: Node?, at path: JSONPath) -> VibrationConfiguration? {
        VibrationConfiguration.read(&reader, node, at: path)
    }

    func apply(_ settings: VibrationConfiguration) async throws {
        guard settings.hardware == hardware else { throw HardwareChangeRefused() }
        await controller.apply(settings: settings.settings)
    }

    func isHealthy() async -> Bool { await controller.isHealthy }
}

/// `calibrate`, `self-test`, `capture-now`, `list-captures`, `get-capture`.
enum VibrationCommands {
    struct Calibrate: Decodable, Sendable { var seconds: Double? }
    struct GetCapture: Decodable, Sendable {
        var id: String
        var chunkSize: Int?
        enum CodingKeys: String, CodingKey {
            case id
            case chunkSize = "chunk_size"
        }
    }

    static func register(on router: CommandRouter, controller: VibrationController) async {
        await router.register("calibrate", arguments: Calibrate.self) { args in
            let seconds = args.seconds ?? 2
            guard (0.1...60).contains(seconds) else {
                return .rejected(reason: "out-of-range", message: "seconds must be 0.1…60")
            }
            await controller.calibrate(seconds: seconds)
            return .accepted(["averaging_s": .number(seconds), "note": "result in event/calibrated"])
        }
        await router.register("self-test") {
            let (passed, details) = await controller.selfTest()
            var result = details
            result["passed"] = .bool(passed)
            return .accepted(.object(result))
        }
        await router.register("capture-now") {
            guard await controller.captureNow() else {
                return .rejected(reason: "busy", message: "a capture is already running")
            }
            return .accepted(["note": "result in event/capture-stored"])
        }
        await router.register("list-captures") {
            do {
                let captures = try await controller.listCaptures()
                return .accepted([
                    "captures": .array(
                        captures.map { ["id": .string($0.id), "bytes": .number(Double($0.sizeBytes))] })
                ])
            } catch {
                throw CommandFailure(message: "\(error)")
            }
        }
        await router.register("get-capture", arguments: GetCapture.self) { args in
            let size = args.chunkSize ?? 32_768
            guard (256...262_144).contains(size) else {
                return .rejected(reason: "out-of-range", message: "chunk_size must be 256…262144 bytes")
            }
            guard CaptureStore.isValidID(args.id) else {
                return .rejected(reason: "invalid-arguments", message: "args.id: not a capture id")
            }
            do {
                let sent = try await controller.sendCapture(id: args.id, chunkSize: size)
                return .accepted([
                    "id": .string(args.id), "chunks": .number(Double(sent.chunks)),
                    "bytes": .number(Double(sent.bytes)),
                    "crc32": .number(Double(sent.crc32)), "topic": "telemetry/capture",
                ])
            } catch {
                return .rejected(reason: "not-found", message: "\(error)")
            }
        }
    }
}
