/// A Modbus client on one transport (one serial port or one TCP connection) serving any number of units.
///
/// All requests through one client are serialised by its owner: on RS-485 several slaves share the wire and
/// must never see interleaved frames. A silent unit costs only its own timeout. `timeout: nil` uses the
/// transport's configured response timeout.
public protocol ModbusClient: Sendable {
    /// `rtu:/dev/serial/by-id/…@9600` or `tcp:host:port`, used in every error.
    var endpoint: String { get }

    /// Function 0x01.
    func readCoils(unit: ModbusUnitID, address: RegisterAddress, count: Int, timeout: Duration?)
        async throws(ModbusError) -> [Bool]
    /// Function 0x02.
    func readDiscreteInputs(unit: ModbusUnitID, address: RegisterAddress, count: Int, timeout: Duration?)
        async throws(ModbusError) -> [Bool]
    /// Function 0x03.
    func readHoldingRegisters(unit: ModbusUnitID, address: RegisterAddress, count: Int, timeout: Duration?)
        async throws(ModbusError) -> [UInt16]
    /// Function 0x04.
    func readInputRegisters(unit: ModbusUnitID, address: RegisterAddress, count: Int, timeout: Duration?)
        async throws(ModbusError) -> [UInt16]
    /// Function 0x05.
    func writeSingleCoil(unit: ModbusUnitID, address: RegisterAddress, value: Bool, timeout: Duration?)
        async throws(ModbusError)
    /// Function 0x06.
    func writeSingleRegister(unit: ModbusUnitID, address: RegisterAddress, value: UInt16, timeout: Duration?)
        async throws(ModbusError)
    /// Function 0x0F.
    func writeMultipleCoils(unit: ModbusUnitID, address: RegisterAddress, values: [Bool], timeout: Duration?)
        async throws(ModbusError)
    /// Function 0x10.
    func writeMultipleRegisters(unit: ModbusUnitID, address: RegisterAddress, values: [UInt16], timeout: Duration?)
        async throws(ModbusError)
    /// Closes the port or connection; later requests reopen it.
    func close() async

    /// The executor this client's requests run on, when it has one of its own (the Linux client's owner thread).
    /// A loop that polls through the client can prefer it (`withTaskExecutorPreference`): its code between requests
    /// then runs on that thread too, instead of hopping to the cooperative pool and back around every request.
    var preferredExecutor: (any TaskExecutor)? { get }

    /// Suspends the caller until `deadline`, for a poll loop's tick. A client with an owner thread keeps the deadline
    /// on that thread and resumes the caller there (a loop that prefers `preferredExecutor` then ticks without a timer
    /// thread or a hop through the shared pool); the default is `Task.sleep`. Throws as soon as the task is cancelled.
    func sleep(until deadline: ContinuousClock.Instant) async throws(CancellationError)
}

extension ModbusClient {
    /// No executor of its own: callers run where they are.
    public var preferredExecutor: (any TaskExecutor)? { nil }

    /// `Task.sleep` on the continuous clock.
    public func sleep(until deadline: ContinuousClock.Instant) async throws(CancellationError) {
        do {
            try await Task.sleep(until: deadline, clock: .continuous)
        } catch {
            throw CancellationError()
        }
    }
}

/// Serial line settings for Modbus RTU.
public struct ModbusRTUConfiguration: Sendable, Hashable {
    public enum Parity: String, Sendable, Hashable, Codable, CaseIterable {
        case none, even, odd
    }

    /// Name serial ports by a stable path (`/dev/serial/by-id/…`): USB adapters renumber across reboots.
    public var device: String
    public var baudRate: Int
    public var parity: Parity
    public var dataBits: Int
    public var stopBits: Int
    /// Ask the kernel to drive the RS-485 transceiver's DE/RE (`TIOCSRS485`); off for RS-232 or auto-direction
    /// adapters.
    public var rs485: Bool
    public var responseTimeout: Duration
    /// Silence kept between the end of one transaction and the next request. `nil`: 3.5 character times,
    /// at least 1.75 ms above 19 200 Bd (Modbus over Serial Line V1.02, 2.5.1.1).
    public var interFrameDelay: Duration?

    public init(
        device: String, baudRate: Int = 9600, parity: Parity = .even, dataBits: Int = 8, stopBits: Int = 1,
        rs485: Bool = false, responseTimeout: Duration = .milliseconds(500), interFrameDelay: Duration? = nil
    ) {
        self.device = device
        self.baudRate = baudRate
        self.parity = parity
        self.dataBits = dataBits
        self.stopBits = stopBits
        self.rs485 = rs485
        self.responseTimeout = responseTimeout
        self.interFrameDelay = interFrameDelay
    }

    public var endpoint: String { "rtu:\(device)@\(baudRate)" }
}

/// Settings for Modbus TCP.
public struct ModbusTCPConfiguration: Sendable, Hashable {
    public var host: String
    public var port: Int
    public var responseTimeout: Duration
    public var connectTimeout: Duration

    public init(
        host: String, port: Int = 502, responseTimeout: Duration = .milliseconds(500),
        connectTimeout: Duration = .seconds(2)
    ) {
        self.host = host
        self.port = port
        self.responseTimeout = responseTimeout
        self.connectTimeout = connectTimeout
    }

    public var endpoint: String { "tcp:\(host):\(port)" }
}
