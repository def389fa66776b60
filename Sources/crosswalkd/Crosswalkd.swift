import AgentRuntime
import CrosswalkDevice
import CrosswalkLogic
public import DaemonComposition
import FoundationEssentials
import HAL
import Logging
import PCA9685

/// crosswalkd, for its own executable (Sources/Executables/crosswalkd) and the multi-call `curbside`.
public let daemon: any DeviceDaemon.Type = Crosswalkd.self

/// crosswalkd: the smart crossing — presence detectors, push buttons, the stop-line detector and the signal
/// controller's walk phase in; RRFB beacons, in-road markers, warning sign, safety bar and voice guidance out.
/// Its parts, its controller, its commands and loops; the shared composition does the rest.
enum Crosswalkd: DeviceDaemon {
    static let name = "crosswalkd"
    static let summary = "Curbside smart-crosswalk daemon."
    /// Clearing a fault puts the crossing's warning lights back in service.
    static let actuatorCommands: Set<String> = ["reset-fault"]

    struct Parts: Sendable {
        var lines: CrosswalkParts
        /// The controller's clock: the edge timestamps' own where this process can read it (Linux), else a monotonic
        /// clock of the daemon's own (the rig), and then edges are timed from their arrival.
        var now: @Sendable () -> Duration
        var edgeTimestampsOnClock: Bool
    }

    static func openParts(_ configuration: CrosswalkConfiguration, from hardware: DeviceHardware) async throws -> Parts
    {
        let map = configuration.hardware
        func input(_ line: String, _ path: String, debounce: Duration = .zero) async throws -> any GPIOInputLine {
            try await hardware.input(
                line, usedAt: "$.device.hardware.\(path)",
                GPIOInputConfiguration(
                    consumer: name, activeLow: map.inputsActiveLow, edges: .both, debounce: debounce))
        }
        func optional(_ line: String?, _ path: String) async throws -> (any GPIOInputLine)? {
            guard let line else { return nil }
            return try await input(line, path)
        }
        var zones: [CrosswalkParts.Zone] = []
        for (index, zone) in map.zones.enumerated() {
            zones.append(
                CrosswalkParts.Zone(
                    presence: try await input(zone.presence, "zones[\(index)].presence"),
                    heartbeat: try await optional(zone.heartbeat, "zones[\(index)].heartbeat")))
        }
        var buttons: [any GPIOInputLine] = []
        for (index, button) in map.buttons.enumerated() {
            buttons.append(try await input(button.line, "buttons[\(index)].line", debounce: map.buttonDebounce))
        }
        var outputs: [String: any GPIOOutputLine] = [:]
        for (key, line) in map.outputs {
            guard let line else { continue }
            // Requested at their safe level, so the lines never show anything else before the safe state is applied.
            outputs[key] = try await hardware.output(
                line, usedAt: "$.device.hardware.\(key)",
                GPIOOutputConfiguration(
                    consumer: name, initialValue: GPIOValue(CrosswalkController.safeOutputs[key] ?? false)))
        }
        let clock = hardware.controllerClock()
        return Parts(
            lines: CrosswalkParts(
                zones: zones, buttons: buttons, stopLine: try await optional(map.stopLine, "stop_line"),
                walkPhase: try await optional(map.walkPhase, "walk_phase"),
                faultReset: try await optional(map.faultReset, "fault_reset"), outputs: outputs,
                pwmOutputs: try await beaconChannels(map.beaconDimmer, from: hardware)),
            now: clock.now, edgeTimestampsOnClock: clock.edgeTimestampsOnClock)
    }

    /// The beacons' PCA9685 channels when the beacon dimmer is configured: the chip started at its frequency and every
    /// beacon channel set fully on at once, as the lines are requested at their safe level.
    private static func beaconChannels(
        _ dimmer: CrosswalkConfiguration.Hardware.BeaconDimmer, from hardware: DeviceHardware
    ) async throws -> [String: CrosswalkParts.PWMChannel] {
        guard let address = dimmer.address else { return [:] }
        let bus = try await hardware.i2cBus(dimmer.i2cBus, usedAt: "$.device.hardware.beacon_dimmer.i2c_bus")
        let chip = PCA9685(device: try await bus.device(at: I2CAddress(integerLiteral: address)))
        let frequency = Double(dimmer.frequencyHz)
        try await chip.start(frequencyHertz: frequency)
        var channels: [String: CrosswalkParts.PWMChannel] = [:]
        for (name, channel) in dimmer.channels {
            try await chip.setDutyCycle(channel: channel, CrosswalkController.safeLevel(name))
            channels[name] = CrosswalkParts.PWMChannel(chip: chip, channel: channel, frequencyHertz: frequency)
        }
        return channels
    }

    static func makeController(_ configuration: CrosswalkConfiguration, parts: Parts, context: DaemonContext) async
        -> CrosswalkController
    {
        CrosswalkController(
            configuration: configuration, parts: parts.lines, sink: context.sink, now: parts.now,
            edgeTimestampsOnClock: parts.edgeTimestampsOnClock, unixTime: { Date().timeIntervalSince1970 },
            stallLimit: configuration.hardware.stallLimit)
    }

    static func registerCommands(on router: CommandRouter, controller: CrosswalkController, context: DaemonContext)
        async
    {
        await CrosswalkCommands.register(on: router, controller: controller)
    }

    static func loops(_ controller: CrosswalkController, parts: Parts, context: DaemonContext) async -> [DeviceLoop] {
        func edges(_ line: any GPIOInputLine, _ input: CrosswalkInput, _ name: String) -> DeviceLoop {
            .edges(of: line, name) { event in await controller.input(input, event) }
        }
        let lines = parts.lines
        var loops: [DeviceLoop] = []
        for (index, zone) in lines.zones.enumerated() {
            loops.append(edges(zone.presence, .zone(index), "zone \(index)"))
            if let heartbeat = zone.heartbeat {
                loops.append(edges(heartbeat, .heartbeat(index), "heartbeat \(index)"))
            }
        }
        for (index, button) in lines.buttons.enumerated() {
            loops.append(edges(button, .button(index), "button \(index)"))
        }
        if let line = lines.stopLine { loops.append(edges(line, .stopLine, "stop line")) }
        if let line = lines.walkPhase { loops.append(edges(line, .walkPhase, "walk phase")) }
        if let line = lines.faultReset { loops.append(edges(line, .faultReset, "fault reset")) }
        let logger = context.logger
        loops += [
            // A fifth of the IA-21 sequence's shortest step (50 ms).
            .every(.milliseconds(10), "flash") { await controller.flashStep() },
            .every(.milliseconds(100), "watchdog") {
                if await controller.watchdogCheck() { logger.critical("flash loop stalled: outputs in the safe state") }
            },
            .every(.seconds(1), "school zone") { await controller.scheduleStep() },
            .every(.seconds(1), "input levels") { await controller.reconcileInputs() },
            .every(.seconds(1), "output read-back") { await controller.verifyOutputs() },
            .every(await controller.configuration.settings.telemetryInterval, "counts") {
                await controller.telemetryStep()
            },
            DeviceLoop(name: "publish") { _ in
                for await _ in controller.publications { await controller.publish() }
            },
        ]
        return loops
    }

    /// After the safe state: what the loops queued last still goes out while the session is connected.
    static func stopped(_ controller: CrosswalkController, context: DaemonContext) async {
        await controller.publish()
    }
}
