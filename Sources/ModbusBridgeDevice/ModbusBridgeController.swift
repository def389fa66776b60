public import AgentRuntime
import HAL
public import ModbusBridgeLogic
import Synchronization

/// modbusd's devices under one controller: each polled in its own loop, their online/offline changes reported as
/// events and in the retained state, their counters in `telemetry/devices`, and writes routed to the right device.
public actor ModbusBridgeController {
    public private(set) var configuration: ModbusdConfiguration
    public nonisolated let devices: [PolledDevice]
    let sink: any DeviceSink
    /// Online/offline changes from the devices' loops, reported by `reportChanges`.
    public nonisolated let changes: AsyncStream<PolledDevice.StatusChange>

    public init(
        configuration: ModbusdConfiguration, devices: [PolledDevice], changes: AsyncStream<PolledDevice.StatusChange>,
        sink: any DeviceSink
    ) {
        self.configuration = configuration
        self.devices = devices
        self.changes = changes
        self.sink = sink
        let perEndpoint = Dictionary(grouping: devices, by: \.client.endpoint)
        for device in devices where (perEndpoint[device.client.endpoint]?.count ?? 0) > 1 {
            device.sharesClient.store(true, ordering: .relaxed)
        }
    }

    public func apply(settings: ModbusBridgeSettings) async {
        configuration.settings = settings
        for device in devices { await device.apply(settings) }
    }

    /// Reports every online/offline change as an event (`device-online`, `device-offline`) and in the state; returns
    /// when the stream ends.
    public func reportChanges() async {
        for await change in changes {
            var values: [String: JSONValue] = ["device": .string(change.device)]
            if let error = change.error { values["error"] = .string(error) }
            await sink.event(change.transition == .wentOnline ? "device-online" : "device-offline", values)
            await publishState()
        }
    }

    /// The retained state: each device's link state.
    public func publishState() async {
        var states: [String: JSONValue] = [:]
        for device in devices { states[device.name] = .string(await device.state.rawValue) }
        await sink.state(["devices": .object(states)])
    }

    /// `telemetry/devices`: each device's state and counters.
    public func statusStep() async {
        var figures: [String: JSONValue] = [:]
        for device in devices { figures[device.name] = .object(await device.status) }
        await sink.telemetry("devices", ["devices": .object(figures)])
    }

    /// The devices that have `point`, or the named device when `device` is given.
    public func resolve(point: String, device: String?) throws(PointWriteFailure) -> PolledDevice {
        if let device {
            guard let found = devices.first(where: { $0.name == device }) else {
                throw PointWriteFailure(
                    reason: .unknownPoint,
                    message: "no device \(device) (devices: \(devices.map(\.name).joined(separator: ", ")))")
            }
            return found
        }
        let holders = devices.filter { $0.map.point(named: point) != nil }
        guard let first = holders.first else {
            throw PointWriteFailure(reason: .unknownPoint, message: "no device has a point \(point)")
        }
        guard holders.count == 1 else {
            throw PointWriteFailure(
                reason: .unknownPoint,
                message: "\(point) is a point of \(holders.map(\.name).joined(separator: ", ")); name the device")
        }
        return first
    }

    /// Whether the bridge works: not every device is offline.
    public var isHealthy: Bool {
        get async {
            for device in devices where await device.state != .offline { return true }
            return devices.isEmpty
        }
    }
}

extension ModbusBridgeController: DeviceController {
    public func start() async {
        await publishState()
    }

    public func apply(_ configuration: ModbusdConfiguration) async throws {
        await apply(settings: configuration.settings)
    }

    /// modbusd drives nothing on its own: it writes only when a `write` command asks, and the composition has stopped
    /// taking commands (and cancelled those running) before this is called. The devices keep what they hold; their
    /// own safe behaviour (a fuel-cell controller's communication watchdog) covers a bridge that is gone.
    public func enterSafeState() async {}
}
