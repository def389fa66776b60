import ADS1115
import AgentRuntime
import ChargerDevice
import ChargerLogic
public import DaemonComposition
import FoundationEssentials
import HAL
import Logging
import PCA9685
import SDM630

/// chargerd, for its own executable (Sources/Executables/chargerd) and the multi-call `curbside`.
public let daemon: any DeviceDaemon.Type = Chargerd.self

/// chargerd: an IEC 61851-1 AC charge point — the control pilot (PCA9685 PWM, ADS1115 sampling), contactor with
/// auxiliary feedback, RCD, cable lock with feedback, and the SDM630 energy meter on RS-485. Its parts, its
/// controller, its commands and loops; the shared composition does the rest.
enum Chargerd: DeviceDaemon {
    static let name = "chargerd"
    static let summary = "Curbside AC charge-point daemon (IEC 61851-1)."
    /// Each one closes or opens a 32 A contactor in public, or changes what the vehicle may draw: signed by default.
    static let actuatorCommands: Set<String> = ["authorize", "stop-session", "set-current-limit", "reset-fault"]

    struct Parts: Sendable {
        var parts: ChargerParts
        /// The controller's clock: the edge timestamps' own on Linux, else a monotonic clock of the daemon's own.
        var now: @Sendable () -> Duration
        var edgeTimestampsOnClock: Bool
    }

    static func openParts(_ configuration: ChargerConfiguration, from hardware: DeviceHardware) async throws -> Parts {
        let map = configuration.hardware
        func input(_ line: String, _ key: String) async throws -> any GPIOInputLine {
            try await hardware.input(
                line, usedAt: "$.device.hardware.\(key)", GPIOInputConfiguration(consumer: name, edges: .both))
        }
        // Requested at their safe level (open, released), so they never show anything else before the safe state.
        let contactor = try await hardware.output(
            map.contactor, usedAt: "$.device.hardware.contactor",
            GPIOOutputConfiguration(consumer: name, initialValue: .inactive))
        let lock = try await hardware.output(
            map.lock, usedAt: "$.device.hardware.lock", GPIOOutputConfiguration(consumer: name, initialValue: .inactive)
        )
        let bus = try await hardware.i2cBus(map.i2cBus, usedAt: "$.device.hardware.i2c_bus")
        guard let meterSettings = ModbusDeviceSettings(placement: map.meter) else {
            throw DeviceHardwareError(configPath: "$.device.hardware.meter", detail: "neither serial nor tcp given")
        }
        let meter = try await hardware.modbus(meterSettings, usedAt: "$.device.hardware.meter")
        let clock = hardware.controllerClock()
        return Parts(
            parts: ChargerParts(
                pwm: PCA9685(device: try await bus.device(at: I2CAddress(integerLiteral: map.pwm))),
                adc: ADS1115(device: try await bus.device(at: I2CAddress(integerLiteral: map.adc))),
                contactor: contactor,
                contactorFeedback: try await input(map.contactorFeedback, "contactor_feedback"),
                rcd: try await input(map.rcd, "rcd"), lock: lock,
                lockFeedback: try await input(map.lockFeedback, "lock_feedback"),
                meter: SDM630(client: meter.client, unit: meter.unit, timeout: meter.timeout)),
            now: clock.now, edgeTimestampsOnClock: clock.edgeTimestampsOnClock)
    }

    static func makeController(_ configuration: ChargerConfiguration, parts: Parts, context: DaemonContext) async
        -> ChargerController
    {
        ChargerController(
            configuration: configuration, parts: parts.parts, sink: context.sink,
            store: ChargerSessionStore(path: context.stateDirectory + "/charger-sessions.json"), now: parts.now,
            edgeTimestampsOnClock: parts.edgeTimestampsOnClock, unixTime: { Date().timeIntervalSince1970 },
            newTransactionId: { UUID().uuidString.lowercased() }, stallLimit: configuration.hardware.stallLimit)
    }

    static func registerCommands(on router: CommandRouter, controller: ChargerController, context: DaemonContext)
        async
    {
        await ChargerCommands.register(on: router, controller: controller)
    }

    static func loops(_ controller: ChargerController, parts: Parts, context: DaemonContext) async -> [DeviceLoop] {
        let lines = parts.parts
        let logger = context.logger
        let settings = await controller.configuration.settings
        return [
            .edges(of: lines.rcd, "rcd") { await controller.input(.rcd, $0) },
            .edges(of: lines.contactorFeedback, "contactor feedback") {
                await controller.input(.contactorFeedback, $0)
            },
            .edges(of: lines.lockFeedback, "lock feedback") { await controller.input(.lockFeedback, $0) },
            // Two ADC conversions at 860 SPS take about 2.5 ms (one while the pilot is steady: no low level to check);
            // every 10 ms keeps the reaction to an EV's C → B within a few tens of milliseconds with two confirming
            // samples. The PP resistor is read in this loop too
            // (once a second): the ADC converts one input at a time.
            .every(.milliseconds(10), "pilot") { await controller.pilotStep() },
            .every(.milliseconds(100), "watchdog") {
                if await controller.watchdogCheck() {
                    logger.critical("pilot loop stalled: contactor opened, pilot at +12 V")
                }
            },
            .every(.milliseconds(500), "input levels") { await controller.reconcileInputs() },
            .every(settings.meterInterval, "meter") { await controller.meterStep() },
            .every(settings.telemetryInterval, "telemetry") { await controller.telemetryStep() },
            DeviceLoop(name: "publish") { _ in
                for await _ in controller.publications { await controller.publish() }
            },
        ]
    }

    /// After the safe state: what the loops queued last still goes out while the session is connected.
    static func stopped(_ controller: ChargerController, context: DaemonContext) async {
        await controller.publish()
    }
}
