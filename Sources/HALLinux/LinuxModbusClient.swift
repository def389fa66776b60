import CModbus
import Glibc
public import HAL

/// A Modbus client on libmodbus: one RTU serial port or one TCP connection, any number of units behind it.
///
/// The libmodbus context is not thread-safe, so it has exactly one owner: a dedicated thread that runs requests one at
/// a time, first come first served. On RS-485 that is what keeps frames from interleaving, and what bounds the cost
/// of a silent unit to its own timeout: requests for the other units wait at most one timeout each, never for a
/// reconnect loop. Between transactions on a serial line the thread keeps the inter-frame silence (3.5 characters).
///
/// Failures leave the line clean for the next request: after a timeout, CRC error or unexpected answer on RTU the
/// input is flushed before the next request (a late answer must not be taken for the next one); on TCP the connection
/// is closed and reopened, since a late answer would arrive under a stale transaction ID. The port is opened on first
/// use and again after an I/O failure (an unplugged USB adapter), so a client survives the device coming back.
public final class LinuxModbusClient: ModbusClient {
    public let endpoint: String
    private let worker: SerialWorkerThread
    private let connection: Connection

    /// A client for a serial line. Nothing is opened until the first request.
    public static func rtu(_ configuration: ModbusRTUConfiguration) throws(ModbusError) -> LinuxModbusClient {
        try LinuxModbusClient(.rtu(configuration), endpoint: configuration.endpoint)
    }

    /// A client for a Modbus TCP server. Nothing is connected until the first request.
    public static func tcp(_ configuration: ModbusTCPConfiguration) throws(ModbusError) -> LinuxModbusClient {
        try LinuxModbusClient(.tcp(configuration), endpoint: configuration.endpoint)
    }

    private init(_ transport: Transport, endpoint: String) throws(ModbusError) {
        self.endpoint = endpoint
        do {
            self.worker = try SerialWorkerThread()
        } catch {
            throw ModbusError(.io, endpoint: endpoint, operation: "start owner thread", cause: error.cause)
        }
        self.connection = Connection(transport: transport, endpoint: endpoint)
    }

    deinit {
        let connection = connection
        worker.submit { connection.close() }
        worker.stop()
    }

    /// The owner thread: a poll loop that prefers it runs its own code there, between the transactions, and sleeps
    /// there between ticks (`sleep(until:)`), so a poll costs no thread hand-off.
    public var preferredExecutor: (any TaskExecutor)? { worker }

    /// Sleeps on the owner thread: its wait for the next job is a timed wait until the earliest sleeper's deadline, and
    /// it resumes the caller itself, so a loop that prefers the thread ticks with no other thread in between.
    public func sleep(until deadline: ContinuousClock.Instant) async throws(CancellationError) {
        // The continuous clock is CLOCK_BOOTTIME on Linux, and a condition variable waits only on CLOCK_MONOTONIC (or
        // the wall clock): the deadline is carried over as the time left, the two clocks tick alike while running.
        let left = max(ContinuousClock.now.duration(to: deadline), .zero)
        try await worker.sleep(untilMonotonic: monotonicNanoseconds() + UInt64(left.totalNanoseconds))
    }

    public func readCoils(unit: ModbusUnitID, address: RegisterAddress, count: Int, timeout: Duration?)
        async throws(ModbusError) -> [Bool]
    {
        try await read(.readCoils(address: address, count: count), unit: unit, timeout: timeout, modbus_read_bits)
            .map { $0 != 0 }
    }

    public func readDiscreteInputs(unit: ModbusUnitID, address: RegisterAddress, count: Int, timeout: Duration?)
        async throws(ModbusError) -> [Bool]
    {
        try await read(
            .readDiscreteInputs(address: address, count: count), unit: unit, timeout: timeout, modbus_read_input_bits
        ).map { $0 != 0 }
    }

    public func readHoldingRegisters(unit: ModbusUnitID, address: RegisterAddress, count: Int, timeout: Duration?)
        async throws(ModbusError) -> [UInt16]
    {
        try await read(
            .readHoldingRegisters(address: address, count: count), unit: unit, timeout: timeout, modbus_read_registers)
    }

    public func readInputRegisters(unit: ModbusUnitID, address: RegisterAddress, count: Int, timeout: Duration?)
        async throws(ModbusError) -> [UInt16]
    {
        try await read(
            .readInputRegisters(address: address, count: count), unit: unit, timeout: timeout,
            modbus_read_input_registers)
    }

    /// libmodbus's four read calls share one shape: context, first address, count, destination buffer.
    private typealias ReadCall<Element> =
        @Sendable (OpaquePointer?, Int32, Int32, UnsafeMutablePointer<Element>?) -> Int32

    private func read<Element: BinaryInteger & Sendable>(
        _ request: ModbusRequest, unit: ModbusUnitID, timeout: Duration?, _ call: @escaping ReadCall<Element>
    ) async throws(ModbusError) -> [Element] {
        let address = Int32(request.address.rawValue)
        let count = request.count
        return try await perform(request, unit: unit, timeout: timeout) { context in
            var values = [Element](repeating: 0, count: count)
            let status = call(context, address, Int32(count), &values)
            return (status, values)
        }
    }

    public func writeSingleCoil(unit: ModbusUnitID, address: RegisterAddress, value: Bool, timeout: Duration?)
        async throws(ModbusError)
    {
        try await perform(.writeSingleCoil(address: address, value: value), unit: unit, timeout: timeout) { context in
            (modbus_write_bit(context, Int32(address.rawValue), value ? 1 : 0), ())
        }
    }

    public func writeSingleRegister(unit: ModbusUnitID, address: RegisterAddress, value: UInt16, timeout: Duration?)
        async throws(ModbusError)
    {
        try await perform(.writeSingleRegister(address: address, value: value), unit: unit, timeout: timeout) {
            context in
            (modbus_write_register(context, Int32(address.rawValue), value), ())
        }
    }

    public func writeMultipleCoils(unit: ModbusUnitID, address: RegisterAddress, values: [Bool], timeout: Duration?)
        async throws(ModbusError)
    {
        try await perform(.writeMultipleCoils(address: address, values: values), unit: unit, timeout: timeout) {
            context in
            let bytes = values.map { UInt8($0 ? 1 : 0) }
            return (modbus_write_bits(context, Int32(address.rawValue), Int32(values.count), bytes), ())
        }
    }

    public func writeMultipleRegisters(
        unit: ModbusUnitID, address: RegisterAddress, values: [UInt16], timeout: Duration?
    ) async throws(ModbusError) {
        try await perform(.writeMultipleRegisters(address: address, values: values), unit: unit, timeout: timeout) {
            context in
            (modbus_write_registers(context, Int32(address.rawValue), Int32(values.count), values), ())
        }
    }

    public func close() async {
        let connection = connection
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let queued = worker.submit {
                connection.close()
                continuation.resume()
            }
            if !queued { continuation.resume() }
        }
    }

    /// Validates, queues the transaction on the owner thread and waits for it.
    private func perform<Value: Sendable>(
        _ request: ModbusRequest, unit: ModbusUnitID, timeout: Duration?,
        _ call: @escaping @Sendable (OpaquePointer) -> (Int32, Value)
    ) async throws(ModbusError) -> Value {
        do throws(ModbusExceptionCode) {
            try request.validate()
        } catch {
            throw ModbusError(
                .invalidArgument, endpoint: endpoint, unit: unit, operation: request.description,
                detail: error == .illegalDataValue
                    ? "count \(request.count) outside the protocol's limit" : "range runs past address 65535")
        }
        guard unit != .broadcast else {
            // libmodbus 3.1.6 waits for a confirmation that a broadcast never gets; refuse rather than time out.
            throw ModbusError(
                .invalidArgument, endpoint: endpoint, unit: unit, operation: request.description,
                detail: "broadcast (unit 0) is not supported by this client")
        }
        let connection = connection
        let endpoint = endpoint
        let result = await withCheckedContinuation {
            (continuation: CheckedContinuation<Result<Value, ModbusError>, Never>) in
            let queued = worker.submit {
                continuation.resume(
                    returning: connection.transact(request, unit: unit, timeout: timeout, call))
            }
            if !queued {
                continuation.resume(
                    returning: .failure(
                        ModbusError(
                            .connection, endpoint: endpoint, unit: unit, operation: request.description,
                            detail: "client closed")))
            }
        }
        return try result.get()
    }
}

extension LinuxModbusClient {
    enum Transport {
        case rtu(ModbusRTUConfiguration)
        case tcp(ModbusTCPConfiguration)
    }

    /// The libmodbus context and line state. Touched only on the owner thread (`SerialWorkerThread`).
    ///
    /// `@unchecked Sendable`: every method runs on the client's single worker thread; nothing else reads it.
    final class Connection: @unchecked Sendable {
        let transport: Transport
        let endpoint: String
        private var context: OpaquePointer?
        /// Set after a failed RTU transaction: flush stale input before the next request.
        private var needsFlush = false
        /// When the last transaction on the line ended (monotonic nanoseconds), for the inter-frame delay.
        private var lastTransactionEnd: UInt64 = 0

        init(transport: Transport, endpoint: String) {
            self.transport = transport
            self.endpoint = endpoint
        }

        func transact<Value>(
            _ request: ModbusRequest, unit: ModbusUnitID, timeout: Duration?,
            _ call: (OpaquePointer) -> (Int32, Value)
        ) -> Result<Value, ModbusError> {
            let context: OpaquePointer
            switch open(unit: unit, operation: { request.description }) {
            case .success(let opened): context = opened
            case .failure(let error): return .failure(error)
            }
            keepInterFrameSilence()
            if needsFlush {
                modbus_flush(context)
                needsFlush = false
            }
            let limit = timeout ?? configuredTimeout
            modbus_set_slave(context, Int32(unit.rawValue))
            setTimeout(context, limit, byteTimeout: min(limit, .milliseconds(100)))
            let (status, value) = call(context)
            let failure = status < 0 ? errno : 0
            lastTransactionEnd = monotonicNanoseconds()
            guard status < 0 else { return .success(value) }
            let error = Self.error(
                errno: failure, endpoint: endpoint, unit: unit, operation: request.description, timeout: limit)
            recover(after: error.code)
            return .failure(error)
        }

        func close() {
            guard let context else { return }
            modbus_close(context)
            modbus_free(context)
            self.context = nil
        }

        private var configuredTimeout: Duration {
            switch transport {
            case .rtu(let configuration): configuration.responseTimeout
            case .tcp(let configuration): configuration.responseTimeout
            }
        }

        /// `operation` names the request in the error when the port cannot be opened; it is formatted only then.
        private func open(unit: ModbusUnitID, operation: () -> String) -> Result<OpaquePointer, ModbusError> {
            if let context { return .success(context) }
            let created: OpaquePointer?
            var connectTimeout = configuredTimeout
            switch transport {
            case .rtu(let configuration):
                let parity: CChar =
                    switch configuration.parity {
                    case .none: CChar(UInt8(ascii: "N"))
                    case .even: CChar(UInt8(ascii: "E"))
                    case .odd: CChar(UInt8(ascii: "O"))
                    }
                created = modbus_new_rtu(
                    configuration.device, Int32(configuration.baudRate), parity, Int32(configuration.dataBits),
                    Int32(configuration.stopBits))
            case .tcp(let configuration):
                created = modbus_new_tcp_pi(configuration.host, String(configuration.port))
                connectTimeout = configuration.connectTimeout
            }
            guard let created else {
                return .failure(
                    ModbusError(
                        .invalidArgument, endpoint: endpoint, unit: unit, operation: "open", cause: cause(errno),
                        detail: "libmodbus refused the settings"))
            }
            if case .rtu(let configuration) = transport, configuration.rs485,
                modbus_rtu_set_serial_mode(created, CModbus_RTU_RS485) != 0
            {
                let code = errno
                modbus_free(created)
                return .failure(
                    ModbusError(
                        .connection, endpoint: endpoint, unit: unit, operation: "enable RS-485 mode (TIOCSRS485)",
                        cause: cause(code)))
            }
            // libmodbus uses the response timeout as the TCP connect timeout.
            setTimeout(created, connectTimeout, byteTimeout: .milliseconds(100))
            if modbus_connect(created) != 0 {
                let code = errno
                modbus_free(created)
                let error = ModbusError(
                    .connection, endpoint: endpoint, unit: unit, operation: operation(), cause: cause(code))
                return .failure(error)
            }
            if case .rtu = transport {
                // Exclusive use of the tty (TIOCEXCL): a second process opening the same port would interleave frames
                // on the wire. (Root bypasses it; the one-owner rule still holds inside this process.)
                _ = ioctl(modbus_get_socket(created), UInt(TIOCEXCL))
                needsFlush = true
            }
            context = created
            return .success(created)
        }

        private func keepInterFrameSilence() {
            guard case .rtu(let configuration) = transport else { return }
            let delay = configuration.interFrameDelay ?? Self.defaultInterFrameDelay(baudRate: configuration.baudRate)
            pause(until: lastTransactionEnd + UInt64(delay.totalNanoseconds))
        }

        /// 3.5 character times of 11 bits; a fixed 1.75 ms above 19 200 Bd (Modbus over Serial Line V1.02, 2.5.1.1).
        static func defaultInterFrameDelay(baudRate: Int) -> Duration {
            guard baudRate <= 19_200 else { return .microseconds(1750) }
            return .nanoseconds(Int64(3.5 * 11 * 1_000_000_000 / Double(max(baudRate, 1))))
        }

        private func recover(after code: ModbusError.Code) {
            switch (transport, code) {
            case (_, .exception), (_, .invalidArgument):
                return
            case (.rtu, .timeout), (.rtu, .badCRC), (.rtu, .invalidResponse):
                needsFlush = true
            case (.rtu, _), (.tcp, _):
                close()
            }
        }

        private func setTimeout(_ context: OpaquePointer, _ timeout: Duration, byteTimeout: Duration) {
            let (seconds, micros) = Self.secondsAndMicroseconds(timeout)
            modbus_set_response_timeout(context, seconds, micros)
            let (byteSeconds, byteMicros) = Self.secondsAndMicroseconds(byteTimeout)
            modbus_set_byte_timeout(context, byteSeconds, byteMicros)
        }

        static func secondsAndMicroseconds(_ duration: Duration) -> (UInt32, UInt32) {
            let micros = max(duration.totalNanoseconds / 1000, 1)
            return (UInt32(clamping: micros / 1_000_000), UInt32(micros % 1_000_000))
        }

        private func cause(_ code: Int32) -> SystemCause {
            SystemCause(errno: code, message: String(cString: modbus_strerror(code)))
        }

        /// Maps libmodbus's errno (system values plus its `EMB*` codes) to a `ModbusError`.
        static func error(
            errno code: Int32, endpoint: String, unit: ModbusUnitID, operation: String, timeout: Duration
        ) -> ModbusError {
            let cause = SystemCause(errno: code, message: String(cString: modbus_strerror(code)))
            let kind: ModbusError.Code
            var detail: String?
            switch code {
            case CModbus_EMBXILFUN...CModbus_EMBXGTAR:
                guard let exception = ModbusExceptionCode(rawValue: UInt8(code - MODBUS_ENOBASE)) else {
                    return ModbusError(
                        .invalidResponse, endpoint: endpoint, unit: unit, operation: operation, cause: cause)
                }
                return ModbusError(.exception(exception), endpoint: endpoint, unit: unit, operation: operation)
            case CModbus_EMBBADCRC:
                kind = .badCRC
            case CModbus_EMBBADDATA, CModbus_EMBBADEXC, CModbus_EMBUNKEXC, CModbus_EMBMDATA, CModbus_EMBBADSLAVE:
                kind = .invalidResponse
            case ETIMEDOUT:
                kind = .timeout
                detail = "no answer within \(timeout.milliseconds) ms"
            case ECONNRESET, ECONNREFUSED, ECONNABORTED, EPIPE, ENOTCONN, EBADF, EHOSTUNREACH, ENETUNREACH:
                kind = .connection
            case EINVAL:
                kind = .invalidArgument
            default:
                kind = .io
            }
            return ModbusError(
                kind, endpoint: endpoint, unit: unit, operation: operation, cause: kind == .timeout ? nil : cause,
                detail: detail)
        }
    }
}

extension Duration {
    var milliseconds: Int64 { totalNanoseconds / 1_000_000 }
}
