public import HAL
import Locking

/// The simulated devices on one RS-485 line or behind one Modbus TCP server, by unit ID: the request handler a
/// server transport serves.
///
/// Requests for a unit nobody answers to go unanswered, as on a real line. A broadcast (unit 0) write reaches every
/// device and is never answered. Every request is logged in arrival order, so tests can check what reached the line.
public final class SimulatedModbusLine: ModbusRequestHandler {
    /// One request as the line saw it.
    public struct Entry: Sendable, Hashable {
        public var unit: ModbusUnitID
        public var request: ModbusRequest
    }

    private struct State {
        var devices: [ModbusUnitID: SimulatedModbusDevice] = [:]
        var log: BoundedLog<Entry>
    }

    private let state: Lock<State>
    /// How many log entries are kept (oldest dropped first).
    public let logLimit: Int

    public init(logLimit: Int = 10_000) {
        self.logLimit = logLimit
        state = Lock(State(log: BoundedLog(limit: logLimit)))
    }

    /// Puts `device` on the line as `unit` (replacing any device there).
    public func attach(_ device: SimulatedModbusDevice, as unit: ModbusUnitID) {
        precondition(unit != .broadcast, "unit 0 is the broadcast address")
        state.withLock { $0.devices[unit] = device }
    }

    /// Takes the device at `unit` off the line: requests for it go unanswered.
    public func detach(_ unit: ModbusUnitID) {
        state.withLock { _ = $0.devices.removeValue(forKey: unit) }
    }

    public func device(_ unit: ModbusUnitID) -> SimulatedModbusDevice? {
        state.withLock { $0.devices[unit] }
    }

    /// Requests received so far, oldest first.
    public var log: [Entry] { state.withLock { $0.log.entries } }

    public func clearLog() {
        state.withLock { $0.log.removeAll() }
    }

    public func serves(_ unit: ModbusUnitID) -> Bool {
        state.withLock { $0.devices[unit] != nil }
    }

    public func reply(to request: ModbusRequest, unit: ModbusUnitID) -> ModbusReply {
        let targets = state.withLock { state -> [SimulatedModbusDevice] in
            state.log.append(Entry(unit: unit, request: request))
            if unit == .broadcast { return request.isWrite ? Array(state.devices.values) : [] }
            return state.devices[unit].map { [$0] } ?? []
        }
        if unit == .broadcast {
            for device in targets { _ = device.reply(to: request) }
            return .silence
        }
        return targets.first?.reply(to: request) ?? .silence
    }
}
