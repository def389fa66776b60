import Locking

/// One Modbus unit in memory: four tables of addresses the device defines, fault injection, and a hook for device
/// models that react to writes (a fuel-cell controller starting when its run coil is set).
///
/// It lives in `HAL`, like `SimulatedI2CChip`, because simulated devices sit in their driver's folder and drivers see
/// only the HAL; `HALSim.SimulatedModbusLine` puts devices on a line and the servers put the line on the wire.
///
/// Reading or writing an address the device does not define is answered `illegalDataAddress`, as real devices do
/// for gaps in their register map. Thread-safe; server threads and test code use it concurrently.
public final class SimulatedModbusDevice: Sendable {
    /// A misbehaviour the device shows for the next requests.
    public enum Fault: Sendable, Hashable {
        /// Never answers: unplugged, unpowered, wrong baud rate.
        case silent
        /// Answers every request with this exception.
        case exception(ModbusExceptionCode)
        /// Answers with a corrupted CRC (RTU) or MBAP header (TCP).
        case badChecksum
        /// Sends these bytes instead of an answer.
        case garbage([UInt8])
        /// Answers correctly, but only after this long.
        case delay(Duration)
    }

    /// Called after a write has been applied, with the table, first address and count, outside the device's lock:
    /// a model may read and set registers from it.
    public typealias WriteObserver = @Sendable (ModbusTable, RegisterAddress, Int) -> Void

    /// Decides whether a write is accepted before it is applied, as a device checks ranges: return the exception to
    /// answer, or nil to accept. Runs under the device's lock, so it must not call back into the device.
    public typealias WriteValidator = @Sendable (ModbusRequest) -> ModbusExceptionCode?

    private struct State {
        var bits: [ModbusTable: [UInt16: Bool]] = [.coils: [:], .discreteInputs: [:]]
        var registers: [ModbusTable: [UInt16: UInt16]] = [.holdingRegisters: [:], .inputRegisters: [:]]
        var fault: Fault?
        var faultRemaining: Int?
        var requests = 0
        var writeObserver: WriteObserver?
        var writeValidator: WriteValidator?
    }

    private let state = Lock(State())

    public init() {}

    // MARK: Register map

    /// Defines registers (holding or input) starting at `address` with their initial values.
    public func define(_ table: ModbusTable, at address: RegisterAddress, registers values: [UInt16]) {
        precondition(table == .holdingRegisters || table == .inputRegisters, "\(table) holds bits, not registers")
        state.withLock { state in
            for (offset, value) in values.enumerated() {
                state.registers[table, default: [:]][address.rawValue + UInt16(offset)] = value
            }
        }
    }

    /// Defines coils or discrete inputs starting at `address` with their initial values.
    public func define(_ table: ModbusTable, at address: RegisterAddress, bits values: [Bool]) {
        precondition(table == .coils || table == .discreteInputs, "\(table) holds registers, not bits")
        state.withLock { state in
            for (offset, value) in values.enumerated() {
                state.bits[table, default: [:]][address.rawValue + UInt16(offset)] = value
            }
        }
    }

    /// Sets defined registers (what the device's own logic does, e.g. a new measurement).
    public func set(_ table: ModbusTable, at address: RegisterAddress, registers values: [UInt16]) {
        define(table, at: address, registers: values)
    }

    /// Sets defined coils or discrete inputs.
    public func set(_ table: ModbusTable, at address: RegisterAddress, bits values: [Bool]) {
        define(table, at: address, bits: values)
    }

    /// Current register values; `nil` where an address is not defined.
    public func registers(_ table: ModbusTable, at address: RegisterAddress, count: Int) -> [UInt16?] {
        state.withLock { state in
            (0..<count).map { state.registers[table]?[address.rawValue &+ UInt16($0)] }
        }
    }

    /// Current bit values; `nil` where an address is not defined.
    public func bits(_ table: ModbusTable, at address: RegisterAddress, count: Int) -> [Bool?] {
        state.withLock { state in
            (0..<count).map { state.bits[table]?[address.rawValue &+ UInt16($0)] }
        }
    }

    /// Installs the write observer (one per device; a later call replaces it). The device keeps the observer: one that
    /// uses the device captures it weakly, or the two are never freed.
    public func onWrite(_ observer: @escaping WriteObserver) {
        state.withLock { $0.writeObserver = observer }
    }

    /// Installs the write validator (one per device; a later call replaces it).
    public func validateWrites(_ validator: @escaping WriteValidator) {
        state.withLock { $0.writeValidator = validator }
    }

    // MARK: Faults

    /// Shows `fault` for the next `count` requests, or until `clearFault()` when `count` is nil.
    public func inject(_ fault: Fault, count: Int? = nil) {
        state.withLock {
            $0.fault = fault
            $0.faultRemaining = count
        }
    }

    public func clearFault() {
        state.withLock {
            $0.fault = nil
            $0.faultRemaining = nil
        }
    }

    /// Requests received so far, answered or not.
    public var requestCount: Int { state.withLock { $0.requests } }

    // MARK: Serving

    /// Executes `request` and returns the reply, fault included. Writes apply even when a fault hides the answer
    /// (`.silent` aside): a device whose reply is lost on the line has still acted.
    public func reply(to request: ModbusRequest) -> ModbusReply {
        let (reply, observer) = state.withLock { state -> (ModbusReply, WriteObserver?) in
            state.requests += 1
            let fault = Self.takeFault(&state)
            if case .silent = fault { return (.silence, nil) }
            if case .exception(let code) = fault { return (.exception(code), nil) }
            let refusal = request.isWrite ? state.writeValidator?(request) : nil
            let reply = refusal.map { ModbusReply.exception($0) } ?? Self.execute(request, on: &state)
            let observer = request.isWrite && reply == .done ? state.writeObserver : nil
            switch fault {
            case .badChecksum: return (.badChecksum(reply), observer)
            case .garbage(let bytes): return (.raw(bytes), observer)
            case .delay(let duration): return (.delayed(duration, reply), observer)
            case .silent, .exception, nil: return (reply, observer)
            }
        }
        observer?(request.table, request.address, request.count)
        return reply
    }

    private static func takeFault(_ state: inout State) -> Fault? {
        guard let fault = state.fault else { return nil }
        if let remaining = state.faultRemaining {
            if remaining <= 1 {
                state.fault = nil
                state.faultRemaining = nil
            } else {
                state.faultRemaining = remaining - 1
            }
        }
        return fault
    }

    private static func execute(_ request: ModbusRequest, on state: inout State) -> ModbusReply {
        let addresses = (0..<request.count).map { request.address.rawValue &+ UInt16($0) }
        switch request {
        case .readCoils, .readDiscreteInputs:
            let table = state.bits[request.table] ?? [:]
            let values = addresses.compactMap { table[$0] }
            return values.count == addresses.count ? .bits(values) : .exception(.illegalDataAddress)
        case .readHoldingRegisters, .readInputRegisters:
            let table = state.registers[request.table] ?? [:]
            let values = addresses.compactMap { table[$0] }
            return values.count == addresses.count ? .registers(values) : .exception(.illegalDataAddress)
        case .writeSingleCoil(_, let value):
            return write(bits: [value], at: addresses, in: &state)
        case .writeMultipleCoils(_, let values):
            return write(bits: values, at: addresses, in: &state)
        case .writeSingleRegister(_, let value):
            return write(registers: [value], at: addresses, in: &state)
        case .writeMultipleRegisters(_, let values):
            return write(registers: values, at: addresses, in: &state)
        }
    }

    private static func write(bits values: [Bool], at addresses: [UInt16], in state: inout State) -> ModbusReply {
        guard addresses.allSatisfy({ state.bits[.coils]?[$0] != nil }) else { return .exception(.illegalDataAddress) }
        for (address, value) in zip(addresses, values) { state.bits[.coils]?[address] = value }
        return .done
    }

    private static func write(registers values: [UInt16], at addresses: [UInt16], in state: inout State)
        -> ModbusReply
    {
        guard addresses.allSatisfy({ state.registers[.holdingRegisters]?[$0] != nil }) else {
            return .exception(.illegalDataAddress)
        }
        for (address, value) in zip(addresses, values) { state.registers[.holdingRegisters]?[address] = value }
        return .done
    }
}
