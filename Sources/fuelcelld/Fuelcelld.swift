import ADS1115
import AgentRuntime
public import DaemonComposition
import FuelCellController
import FuelCellDevice
import FuelCellLogic
import HAL
import Logging

/// fuelcelld, for its own executable (Sources/Executables/fuelcelld) and the multi-call `curbside`.
public let daemon: any DeviceDaemon.Type = Fuelcelld.self

/// fuelcelld: a stationary fuel-cell CHP plant — the controller on Modbus, the H₂ detector (ADS1115 analog and an
/// alarm contact), the emergency stop in; the H₂ shut-off valve and the ventilation fan out. Its parts, its
/// controller, its commands and loops; the shared composition does the rest.
enum Fuelcelld: DeviceDaemon {
    static let name = "fuelcelld"
    static let summary = "Curbside fuel-cell CHP daemon."
    /// Each one starts, stops or ramps a hydrogen plant, or clears a latched trip: signed by default.
    static let actuatorCommands: Set<String> = ["start", "stop", "set-power", "reset-fault"]

    struct Parts: Sendable {
        var plant: FuelCellParts
        /// The plant's clock: the edge timestamps' own where this process can read it (Linux), else a monotonic clock
        /// of the daemon's own (the rig), and then edges are timed from their arrival.
        var now: @Sendable () -> Duration
        var edgeTimestampsOnClock: Bool
    }

    static func openParts(_ configuration: FuelCellConfiguration, from hardware: DeviceHardware) async throws -> Parts {
        let map = configuration.hardware
        func input(_ line: String, _ key: String) async throws -> any GPIOInputLine {
            try await hardware.input(
                line, usedAt: "$.device.hardware.\(key)",
                GPIOInputConfiguration(consumer: name, activeLow: map.inputsActiveLow, edges: .both))
        }
        func output(_ line: String, _ key: String, safe: Bool) async throws -> any GPIOOutputLine {
            // Requested at their safe level, so the lines never show anything else before the safe state is applied.
            try await hardware.output(
                line, usedAt: "$.device.hardware.\(key)",
                GPIOOutputConfiguration(consumer: name, initialValue: GPIOValue(safe)))
        }
        let valve = try await output(map.valve, "valve", safe: FuelCellOutputs.safe.valveOpen)
        let ventilation = try await output(map.ventilation, "ventilation", safe: FuelCellOutputs.safe.ventilation)
        guard let placement = ModbusDeviceSettings(placement: map.controller) else {
            throw DeviceHardwareError(configPath: "$.device.hardware.controller", detail: "neither serial nor tcp")
        }
        let modbus = try await hardware.modbus(placement, usedAt: "$.device.hardware.controller")
        let bus = try await hardware.i2cBus(map.h2Sensor.bus, usedAt: "$.device.hardware.h2_sensor.bus")
        let adc = ADS1115(device: try await bus.device(at: I2CAddress(integerLiteral: map.h2Sensor.address)))
        let plant = FuelCellParts(
            controller: FuelCellController(client: modbus.client, unit: modbus.unit, timeout: modbus.timeout),
            h2Sensor: adc, h2Input: .singleEnded(map.h2Sensor.channel),
            leakContact: try await input(map.leakContact, "leak_contact"),
            emergencyStop: try await input(map.emergencyStop, "e_stop"),
            faultReset: try await map.faultReset.asyncMap { try await input($0, "fault_reset") }, valve: valve,
            ventilation: ventilation)
        return Parts(
            plant: plant, now: clock(hardware.edgeClock), edgeTimestampsOnClock: hardware.edgeClock != nil)
    }

    static func makeController(_ configuration: FuelCellConfiguration, parts: Parts, context: DaemonContext) async
        -> FuelCellPlant
    {
        FuelCellPlant(
            configuration: configuration, parts: parts.plant, sink: context.sink, now: parts.now,
            edgeTimestampsOnClock: parts.edgeTimestampsOnClock, stallLimit: configuration.hardware.stallLimit)
    }

    /// One clock for the plant and the edges, made once: two would differ by their origins.
    private static func clock(_ edgeClock: (@Sendable () -> UInt64)?) -> @Sendable () -> Duration {
        if let edgeClock { return { .nanoseconds(Int64(edgeClock())) } }
        let start = ContinuousClock.now
        return { ContinuousClock.now - start }
    }

    static func registerCommands(on router: CommandRouter, controller: FuelCellPlant, context: DaemonContext) async {
        await FuelCellCommands.register(on: router, plant: controller)
    }

    static func loops(_ controller: FuelCellPlant, parts: Parts, context: DaemonContext) async -> [DeviceLoop] {
        func edges(_ line: any GPIOInputLine, _ input: FuelCellInput) -> DeviceLoop {
            .edges(of: line, input.rawValue) { event in await controller.input(input, event) }
        }
        let lines = parts.plant
        var loops = [edges(lines.emergencyStop, .emergencyStop), edges(lines.leakContact, .leakContact)]
        if let line = lines.faultReset { loops.append(edges(line, .faultReset)) }
        let hardware = await controller.configuration.hardware
        let logger = context.logger
        loops += [
            .every(hardware.sensorPeriod, "h2 sensor") { await controller.sensorStep() },
            .every(hardware.poll, "controller poll") { await controller.pollStep() },
            .every(.milliseconds(100), "control") { await controller.controlStep() },
            .every(.milliseconds(100), "watchdog") {
                if await controller.watchdogCheck() {
                    logger.critical("control loop stalled: valve closed, ventilation on")
                }
            },
            .every(.seconds(1), "input levels") { await controller.reconcileInputs() },
            .every(await controller.configuration.settings.telemetryInterval, "telemetry") {
                await controller.telemetryStep()
            },
            DeviceLoop(name: "publish") { _ in
                for await _ in controller.publications { await controller.publish() }
            },
        ]
        return loops
    }

    /// After the safe state: what the loops queued last still goes out while the session is connected.
    static func stopped(_ controller: FuelCellPlant, context: DaemonContext) async {
        await controller.publish()
    }
}

extension Optional {
    fileprivate func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        guard let self else { return nil }
        return try await transform(self)
    }
}
