import AgentRuntime
public import DaemonComposition
import HAL
import ModbusBridgeDevice
import ModbusBridgeLogic

/// modbusd, for its own executable (Sources/Executables/modbusd) and the multi-call `curbside`.
public let daemon: any DeviceDaemon.Type = Modbusd.self

/// modbusd: the generic Modbus-to-MQTT bridge. Any Modbus RTU or TCP device described by a register map file is
/// polled in its groups and published on `telemetry/{device}/{group}`; `write` sets a writable point and reads it
/// back. Its parts, its controller, its commands and loops; the shared composition does the rest.
enum Modbusd: DeviceDaemon {
    static let name = "modbusd"
    static let summary = "Curbside generic Modbus-to-MQTT bridge."

    struct Parts: Sendable {
        var devices: [(device: ModbusdConfiguration.Device, port: ModbusDevice)]
    }

    static func openParts(_ configuration: ModbusdConfiguration, from hardware: DeviceHardware) async throws -> Parts {
        var devices: [(device: ModbusdConfiguration.Device, port: ModbusDevice)] = []
        for (index, device) in configuration.hardware.devices.enumerated() {
            let path = "$.device.hardware.devices[\(index)]"
            guard let settings = device.settings else {
                throw DeviceHardwareError(configPath: path, detail: "neither a serial port nor a TCP address")
            }
            // Devices on one serial port share its client (one owner thread per port, frames never interleave).
            devices.append((device, try await hardware.modbus(settings, usedAt: path)))
        }
        return Parts(devices: devices)
    }

    static func makeController(_ configuration: ModbusdConfiguration, parts: Parts, context: DaemonContext) async
        -> ModbusBridgeController
    {
        let (changes, continuation) = AsyncStream.makeStream(of: PolledDevice.StatusChange.self)
        let start = ContinuousClock.now
        let now: @Sendable () -> Duration = { ContinuousClock.now - start }
        let devices = parts.devices.compactMap { device, port -> PolledDevice? in
            // The loader loaded a map for every device, or the daemon did not start.
            guard let map = configuration.maps[device.name] else { return nil }
            return PolledDevice(
                name: device.name, map: map, client: port.client, unit: port.unit, timeout: port.timeout,
                settings: configuration.settings, sink: context.sink, now: now, transitions: continuation)
        }
        return ModbusBridgeController(
            configuration: configuration, devices: devices, changes: changes, sink: context.sink)
    }

    static func registerCommands(on router: CommandRouter, controller: ModbusBridgeController, context: DaemonContext)
        async
    {
        await ModbusdCommands.register(on: router, controller: controller)
    }

    static func loops(_ controller: ModbusBridgeController, parts: Parts, context: DaemonContext) async -> [DeviceLoop]
    {
        var loops = controller.devices.map { device in
            DeviceLoop(name: "poll \(device.name)") { _ in await device.run() }
        }
        loops.append(DeviceLoop(name: "link changes") { _ in await controller.reportChanges() })
        loops.append(
            .every(await controller.configuration.settings.statusInterval, "device counters") {
                await controller.statusStep()
            })
        return loops
    }
}
