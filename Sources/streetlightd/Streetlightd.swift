import AgentRuntime
public import DaemonComposition
import FoundationEssentials
import HAL
import Logging
import StreetlightDevice
import StreetlightLogic

/// streetlightd, for its own executable (Sources/Executables/streetlightd) and the multi-call `curbside`.
public let daemon: any DeviceDaemon.Type = Streetlightd.self

/// streetlightd: the smart streetlight pole — LED dimming and relay, ambient light, climate, fine dust, lamp health.
/// Its parts, its controller, its commands and loops; the shared composition does the rest.
enum Streetlightd: DeviceDaemon {
    static let name = "streetlightd"
    static let summary = "Curbside streetlight daemon."
    /// Each changes what the lamp does (self-test switches it fully on and back).
    static let actuatorCommands: Set<String> = ["set-level", "clear-override", "set-profile", "identify", "self-test"]

    static func openParts(_ configuration: StreetlightConfiguration, from hardware: DeviceHardware) async throws
        -> StreetlightParts
    {
        let map = configuration.hardware
        // The relay starts closed: until the policy has decided, a lit street is the safe guess.
        let relay = try await hardware.output(
            map.relay, usedAt: "$.device.hardware.relay",
            GPIOOutputConfiguration(consumer: name, activeLow: map.relayActiveLow, initialValue: .active))
        var motion: (any GPIOInputLine)?
        if let line = map.motion {
            motion = try await hardware.input(
                line, usedAt: "$.device.hardware.motion",
                GPIOInputConfiguration(consumer: name, edges: .rising, debounce: .milliseconds(50)))
        }
        return StreetlightParts(
            bus: try await hardware.i2cBus(map.i2cBus, usedAt: "$.device.hardware.i2c_bus"), relay: relay,
            motion: motion)
    }

    static func makeController(
        _ configuration: StreetlightConfiguration, parts: StreetlightParts, context: DaemonContext
    ) async -> StreetlightController {
        StreetlightController(
            configuration: configuration, parts: parts, sink: context.sink, counters: counterStore(context).load(),
            now: { Timestamp(secondsSinceEpoch: Date().timeIntervalSince1970) })
    }

    static func registerCommands(on router: CommandRouter, controller: StreetlightController, context: DaemonContext)
        async
    {
        await StreetlightCommands.register(on: router, controller: controller)
    }

    static func loops(_ controller: StreetlightController, parts: StreetlightParts, context: DaemonContext) async
        -> [DeviceLoop]
    {
        var loops: [DeviceLoop] = [
            .every(.milliseconds(200), "control") { await controller.controlStep() },
            .every(.seconds(2), "lux") { await controller.luxStep() },
            .every(.seconds(1), "lamp power") { await controller.powerStep() },
            .every(await controller.configuration.environment.interval, "environment") {
                await controller.environmentStep()
            },
            // A brown-out resets the dimmer without a failed transfer; ten seconds bounds a wrong level at dusk.
            .every(.seconds(10), "output read-back") { await controller.verifyOutputs() },
            .every(.seconds(60), "lamp counters") { await saveCounters(controller, context) },
        ]
        if let motion = parts.motion {
            loops.append(.edges(of: motion, "motion") { _ in await controller.motionDetected() })
        }
        return loops
    }

    /// After the safe state (lamp on at 100 %): the lamp counters survive the restart.
    static func stopped(_ controller: StreetlightController, context: DaemonContext) async {
        await saveCounters(controller, context)
    }

    private static func counterStore(_ context: DaemonContext) -> LampCounterStore {
        LampCounterStore(path: context.stateDirectory + "/lamp-counters.json")
    }

    private static func saveCounters(_ controller: StreetlightController, _ context: DaemonContext) async {
        do {
            try counterStore(context).save(await controller.counters)
        } catch {
            context.logger.error("lamp counters not saved", metadata: ["error": "\(error)"])
        }
    }
}
