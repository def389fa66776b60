import AgentRuntime
import HAL

/// Counts every failed transfer on one bus into the health registry (`bus_errors` in `telemetry/health`), so an
/// operator sees a flaky I²C bus or a dying RS-485 line before the device degrades. Success costs nothing extra.
struct BusErrorCounter: Sendable {
    let registry: HealthRegistry
    /// The name health reports (`i2c-1`, `gpiochip0`, `rtu:/dev/ttyAMA0@9600`).
    let bus: String

    func count<Value, Failure: Error>(_ transfer: () async throws(Failure) -> Value) async throws(Failure) -> Value {
        do {
            return try await transfer()
        } catch {
            await registry.recordBusError(bus)
            throw error
        }
    }
}

/// An I²C bus whose devices count their failed transfers.
struct CountingI2CBus: I2CBus {
    let base: any I2CBus
    let counter: BusErrorCounter

    var name: String { base.name }

    func device(at address: I2CAddress) async throws(I2CError) -> any I2CDevice {
        CountingI2CDevice(base: try await base.device(at: address), counter: counter)
    }
}

/// Forwards every call, including the SMBus ones the Linux backend implements natively.
struct CountingI2CDevice: I2CDevice {
    let base: any I2CDevice
    let counter: BusErrorCounter

    var bus: String { base.bus }
    var address: I2CAddress { base.address }

    func write(_ bytes: [UInt8]) async throws(I2CError) {
        try await counter.count { () async throws(I2CError) in try await base.write(bytes) }
    }
    func read(count: Int) async throws(I2CError) -> [UInt8] {
        try await counter.count { () async throws(I2CError) in try await base.read(count: count) }
    }
    func writeRead(_ bytes: [UInt8], readCount: Int) async throws(I2CError) -> [UInt8] {
        try await counter.count { () async throws(I2CError) in try await base.writeRead(bytes, readCount: readCount) }
    }
    func readByte(register: UInt8) async throws(I2CError) -> UInt8 {
        try await counter.count { () async throws(I2CError) in try await base.readByte(register: register) }
    }
    func writeByte(register: UInt8, value: UInt8) async throws(I2CError) {
        try await counter.count { () async throws(I2CError) in
            try await base.writeByte(register: register, value: value)
        }
    }
    func readWord(register: UInt8) async throws(I2CError) -> UInt16 {
        try await counter.count { () async throws(I2CError) in try await base.readWord(register: register) }
    }
    func writeWord(register: UInt8, value: UInt16) async throws(I2CError) {
        try await counter.count { () async throws(I2CError) in
            try await base.writeWord(register: register, value: value)
        }
    }
    func readBlock(register: UInt8, count: Int) async throws(I2CError) -> [UInt8] {
        try await counter.count { () async throws(I2CError) in
            try await base.readBlock(register: register, count: count)
        }
    }
    func writeBlock(register: UInt8, bytes: [UInt8]) async throws(I2CError) {
        try await counter.count { () async throws(I2CError) in
            try await base.writeBlock(register: register, bytes: bytes)
        }
    }
}

/// An input line whose failed reads count against its chip.
struct CountingGPIOInputLine: GPIOInputLine {
    let base: any GPIOInputLine
    let counter: BusErrorCounter

    var address: GPIOLineAddress { base.address }
    var configuration: GPIOInputConfiguration { base.configuration }

    func read() async throws(GPIOError) -> GPIOValue {
        try await counter.count { () async throws(GPIOError) in try await base.read() }
    }
    func events() -> AsyncThrowingStream<GPIOEdgeEvent, any Error> { base.events() }
    func release() async { await base.release() }
}

/// An output line whose failed writes and read-backs count against its chip.
struct CountingGPIOOutputLine: GPIOOutputLine {
    let base: any GPIOOutputLine
    let counter: BusErrorCounter

    var address: GPIOLineAddress { base.address }
    var configuration: GPIOOutputConfiguration { base.configuration }

    func write(_ value: GPIOValue) async throws(GPIOError) {
        try await counter.count { () async throws(GPIOError) in try await base.write(value) }
    }
    func read() async throws(GPIOError) -> GPIOValue {
        try await counter.count { () async throws(GPIOError) in try await base.read() }
    }
    func release() async { await base.release() }
}

/// A Modbus client whose failed requests (timeouts, CRC errors, exceptions) count against its port.
struct CountingModbusClient: ModbusClient {
    let base: any ModbusClient
    let counter: BusErrorCounter

    var endpoint: String { base.endpoint }
    var preferredExecutor: (any TaskExecutor)? { base.preferredExecutor }
    func sleep(until deadline: ContinuousClock.Instant) async throws(CancellationError) {
        try await base.sleep(until: deadline)
    }

    func readCoils(unit: ModbusUnitID, address: RegisterAddress, count: Int, timeout: Duration?)
        async throws(ModbusError) -> [Bool]
    {
        try await counter.count { () async throws(ModbusError) in
            try await base.readCoils(unit: unit, address: address, count: count, timeout: timeout)
        }
    }
    func readDiscreteInputs(unit: ModbusUnitID, address: RegisterAddress, count: Int, timeout: Duration?)
        async throws(ModbusError) -> [Bool]
    {
        try await counter.count { () async throws(ModbusError) in
            try await base.readDiscreteInputs(unit: unit, address: address, count: count, timeout: timeout)
        }
    }
    func readHoldingRegisters(unit: ModbusUnitID, address: RegisterAddress, count: Int, timeout: Duration?)
        async throws(ModbusError) -> [UInt16]
    {
        try await counter.count { () async throws(ModbusError) in
            try await base.readHoldingRegisters(unit: unit, address: address, count: count, timeout: timeout)
        }
    }
    func readInputRegisters(unit: ModbusUnitID, address: RegisterAddress, count: Int, timeout: Duration?)
        async throws(ModbusError) -> [UInt16]
    {
        try await counter.count { () async throws(ModbusError) in
            try await base.readInputRegisters(unit: unit, address: address, count: count, timeout: timeout)
        }
    }
    func writeSingleCoil(unit: ModbusUnitID, address: RegisterAddress, value: Bool, timeout: Duration?)
        async throws(ModbusError)
    {
        try await counter.count { () async throws(ModbusError) in
            try await base.writeSingleCoil(unit: unit, address: address, value: value, timeout: timeout)
        }
    }
    func writeSingleRegister(unit: ModbusUnitID, address: RegisterAddress, value: UInt16, timeout: Duration?)
        async throws(ModbusError)
    {
        try await counter.count { () async throws(ModbusError) in
            try await base.writeSingleRegister(unit: unit, address: address, value: value, timeout: timeout)
        }
    }
    func writeMultipleCoils(unit: ModbusUnitID, address: RegisterAddress, values: [Bool], timeout: Duration?)
        async throws(ModbusError)
    {
        try await counter.count { () async throws(ModbusError) in
            try await base.writeMultipleCoils(unit: unit, address: address, values: values, timeout: timeout)
        }
    }
    func writeMultipleRegisters(unit: ModbusUnitID, address: RegisterAddress, values: [UInt16], timeout: Duration?)
        async throws(ModbusError)
    {
        try await counter.count { () async throws(ModbusError) in
            try await base.writeMultipleRegisters(unit: unit, address: address, values: values, timeout: timeout)
        }
    }
    func close() async { await base.close() }
}
