/// What a simulated Modbus device answers to one request; the server transport turns it into a frame.
public indirect enum ModbusReply: Sendable, Hashable {
    /// Coil or discrete-input values for a read of that table.
    case bits([Bool])
    /// Register values for a read of holding or input registers.
    case registers([UInt16])
    /// A write was carried out.
    case done
    /// An exception response.
    case exception(ModbusExceptionCode)
    /// No answer at all: a dead or unplugged device, a request for another unit, a broadcast.
    case silence
    /// These bytes, as they are, instead of a frame: line noise, a device talking garbage.
    case raw([UInt8])
    /// The reply, sent after a pause: a slow device.
    case delayed(Duration, ModbusReply)
    /// The reply with a corrupted check: a wrong CRC on RTU, a wrong protocol identifier in the MBAP header on TCP.
    case badChecksum(ModbusReply)
}

/// The logic behind a Modbus server: answers requests for the units it serves.
///
/// Server transports call it from their own thread, one request at a time per port, in arrival order.
public protocol ModbusRequestHandler: Sendable {
    /// The reply to `request` addressed to `unit`. Broadcast requests (unit 0) are executed and never answered,
    /// whatever this returns.
    func reply(to request: ModbusRequest, unit: ModbusUnitID) -> ModbusReply
    /// Whether a device answers to `unit`; a malformed request is answered with an exception only then.
    func serves(_ unit: ModbusUnitID) -> Bool
}
