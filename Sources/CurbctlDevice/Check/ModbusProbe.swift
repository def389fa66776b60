import DaemonComposition
import HAL

/// A poll that proves a Modbus device is on the line without knowing its register map.
enum ModbusProbe {
    /// Reads holding register 0. An exception reply from the unit counts as an answer: it heard the request, its
    /// CRC was right and it replied — the wiring, line settings and unit id are correct, only register 0 is not in
    /// its map. A gateway's exception does not: the unit behind it was not reached.
    static func poll(_ device: ModbusDevice) async throws(ModbusError) -> String {
        do {
            let value = try await device.client.readHoldingRegisters(
                unit: device.unit, address: 0, count: 1, timeout: device.timeout)
            return "answers on \(device.client.endpoint) (holding register 0 = \(value[0]))"
        } catch let error where error.code.isException {
            return "answers on \(device.client.endpoint) (\(error.code) to a read of holding register 0)"
        }
    }
}

extension ModbusError.Code {
    /// An exception from the unit itself; a gateway's "path unavailable" or "target failed to respond" says the
    /// unit behind it did not answer.
    var isException: Bool {
        guard case .exception(let code) = self else { return false }
        return code != .gatewayPathUnavailable && code != .gatewayTargetFailedToRespond
    }
}
