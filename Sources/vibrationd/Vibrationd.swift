import AgentRuntime
public import DaemonComposition
import FoundationEssentials
import HAL
import VibrationDevice
import VibrationLogic

/// vibrationd, for its own executable (Sources/Executables/vibrationd) and the multi-call `curbside`.
public let daemon: any DeviceDaemon.Type = Vibrationd.self

/// vibrationd: a structural vibration gauge (ADXL355) — window figures, PPV against DIN 4150-3, triggered captures.
/// Its parts, its controller, its commands and loops; the shared composition does the rest.
enum Vibrationd: DeviceDaemon {
    static let name = "vibrationd"
    static let summary = "Curbside structural vibration daemon."

    struct Parts: Sendable {
        let bus: any I2CBus
        /// INT1: FIFO watermark and overrun.
        let interrupt: any GPIOInputLine
    }

    static func openParts(_ configuration: VibrationConfiguration, from hardware: DeviceHardware) async throws -> Parts
    {
        let map = configuration.hardware
        return Parts(
            bus: try await hardware.i2cBus(map.i2cBus, usedAt: "$.device.hardware.i2c_bus"),
            interrupt: try await hardware.input(
                map.interrupt, usedAt: "$.device.hardware.interrupt",
                GPIOInputConfiguration(consumer: name, edges: .rising)))
    }

    static func makeController(_ configuration: VibrationConfiguration, parts: Parts, context: DaemonContext) async
        -> VibrationController
    {
        VibrationController(
            configuration: configuration, bus: parts.bus, sink: context.sink,
            captureDirectory: URL(fileURLWithPath: context.stateDirectory).appendingPathComponent("captures"),
            now: { Timestamp(secondsSinceEpoch: Date().timeIntervalSince1970) })
    }

    static func registerCommands(on router: CommandRouter, controller: VibrationController, context: DaemonContext)
        async
    {
        await VibrationCommands.register(on: router, controller: controller)
    }

    /// The FIFO is drained on every watermark edge; a slow timer covers an edge lost while the line stayed high.
    static func loops(_ controller: VibrationController, parts: Parts, context: DaemonContext) async -> [DeviceLoop] {
        [
            .edges(of: parts.interrupt, "FIFO watermark") { _ in await controller.drain() },
            .every(.milliseconds(250), "FIFO fallback drain") { await controller.drain() },
            // A reset chip raises no interrupt and fails no transfer; the read-back finds it within ten seconds.
            .every(.seconds(10), "configuration read-back") { await controller.verifyConfiguration() },
        ]
    }
}
