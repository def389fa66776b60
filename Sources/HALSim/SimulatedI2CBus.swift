public import HAL
import Locking

/// A complete I²C bus in memory: simulated chips attach at addresses, drivers talk to them through `I2CDevice`.
///
/// Transfers are serialised per bus (one lock held for the whole transfer, which never suspends), so a `writeRead`
/// is atomic the way one `I2C_RDWR` ioctl is. An address with nothing attached does not acknowledge, giving
/// `I2CError` `.nack`. Every transfer is logged for tests (`log`), including NACKs and bus errors; the log keeps the
/// newest `logLimit` entries, so a bus that runs for hours (the virtual rig at kHz sample rates) stays bounded.
public final class SimulatedI2CBus: I2CBus {
    /// One event on the wire, in order.
    public enum LogEntry: Sendable, Hashable, CustomStringConvertible {
        /// A write message (START or repeated START, address+W, bytes) that was acknowledged.
        case write(I2CAddress, [UInt8])
        /// A read message (START or repeated START, address+R) and the bytes the chip sent.
        case read(I2CAddress, [UInt8])
        /// The target did not acknowledge (absent, busy, or an injected fault).
        case nack(I2CAddress)
        /// The transfer failed with a bus error (injected).
        case busError(I2CAddress)
        /// A STOP condition ended the transfer.
        case stop

        public var description: String {
            switch self {
            case .write(let address, let bytes): "W \(address) [\(bytes.map(hex).joined(separator: " "))]"
            case .read(let address, let bytes): "R \(address) [\(bytes.map(hex).joined(separator: " "))]"
            case .nack(let address): "NACK \(address)"
            case .busError(let address): "BUS ERROR \(address)"
            case .stop: "P"
            }
        }
    }

    /// The name given at creation, used in errors.
    public let name: String
    /// How many log entries are kept (oldest dropped first).
    public let logLimit: Int
    private let state: Lock<State>

    /// - Parameters:
    ///   - name: reported in errors (`sim-i2c@0x51 read 4 bytes: no acknowledge`).
    ///   - logLimit: how many log entries are kept; 10 000 is a few seconds of a chip read at 1 kHz.
    public init(name: String, logLimit: Int = 10_000) {
        self.name = name
        self.logLimit = logLimit
        state = Lock(State(log: BoundedLog(limit: logLimit)))
    }

    /// A handle for `address`; like `open("/dev/i2c-N")` plus an address, it never touches the bus.
    public func device(at address: I2CAddress) async throws(I2CError) -> any I2CDevice {
        SimulatedI2CDevice(bus: self, address: address)
    }

    /// Plugs a chip in at `address`, replacing whatever was there.
    public func attach(_ chip: any SimulatedI2CChip, at address: I2CAddress) {
        state.withLock { $0.chips[address] = chip }
    }

    /// Unplugs the chip at `address`; later transfers to it get `.nack`.
    public func detach(at address: I2CAddress) {
        state.withLock { _ = $0.chips.removeValue(forKey: address) }
    }

    /// The chip attached at `address`, if any.
    public func chip(at address: I2CAddress) -> (any SimulatedI2CChip)? {
        state.withLock { $0.chips[address] }
    }

    /// Makes the next `count` transfers to `address` fail with `fault` before the chip sees them (a loose wire,
    /// a stuck bus). `.nack` gives `I2CError` `.nack`, `.busError` gives `.busError`.
    public func injectFault(_ fault: SimulatedI2CFault, at address: I2CAddress, count: Int = 1) {
        state.withLock { $0.faults[address, default: []] += Array(repeating: fault, count: max(0, count)) }
    }

    /// What happened on the wire since creation or the last `clearLog()`, oldest first: the newest `logLimit`
    /// entries.
    public var log: [LogEntry] {
        state.withLock { $0.log.entries }
    }

    /// Empties the log.
    public func clearLog() {
        state.withLock { $0.log.removeAll() }
    }

    /// Runs one transfer: a sequence of messages with repeated STARTs between them and one STOP at the end.
    func transfer(_ address: I2CAddress, _ messages: [Message], operation: String) throws(I2CError) -> [UInt8] {
        let outcome = state.withLock { state -> Result<[UInt8], SimulatedI2CFault> in
            state.run(address, messages)
        }
        switch outcome {
        case .success(let bytes): return bytes
        case .failure(.nack): throw I2CError(.nack, bus: name, address: address, operation: operation)
        case .failure(.busError): throw I2CError(.busError, bus: name, address: address, operation: operation)
        }
    }

    enum Message {
        case write([UInt8])
        case read(Int)
    }

    private struct State {
        var chips: [I2CAddress: any SimulatedI2CChip] = [:]
        var faults: [I2CAddress: [SimulatedI2CFault]] = [:]
        var log: BoundedLog<LogEntry>

        mutating func run(_ address: I2CAddress, _ messages: [Message]) -> Result<[UInt8], SimulatedI2CFault> {
            if var pending = faults[address], !pending.isEmpty {
                let fault = pending.removeFirst()
                faults[address] = pending
                return fail(address, fault, chip: nil)
            }
            guard let chip = chips[address] else { return fail(address, .nack, chip: nil) }
            var received: [UInt8] = []
            for message in messages {
                do throws(SimulatedI2CFault) {
                    switch message {
                    case .write(let bytes):
                        try chip.received(bytes)
                        log.append(.write(address, bytes))
                    case .read(let count):
                        let bytes = try chip.transmit(count: count)
                        precondition(
                            bytes.count == count, "a simulated chip sent \(bytes.count) bytes for a \(count)-byte read")
                        log.append(.read(address, bytes))
                        received += bytes
                    }
                } catch {
                    return fail(address, error, chip: chip)
                }
            }
            log.append(.stop)
            chip.stop()
            return .success(received)
        }

        /// The controller ends a failed transfer with STOP; a chip that refused still sees it.
        mutating func fail(_ address: I2CAddress, _ fault: SimulatedI2CFault, chip: (any SimulatedI2CChip)?)
            -> Result<[UInt8], SimulatedI2CFault>
        {
            log.append(fault == .nack ? .nack(address) : .busError(address))
            log.append(.stop)
            chip?.stop()
            return .failure(fault)
        }
    }
}

/// A target on a `SimulatedI2CBus`. SMBus calls use the protocol's defaults (plain I²C transfers).
final class SimulatedI2CDevice: I2CDevice {
    let simulatedBus: SimulatedI2CBus
    let address: I2CAddress

    init(bus: SimulatedI2CBus, address: I2CAddress) {
        self.simulatedBus = bus
        self.address = address
    }

    var bus: String { simulatedBus.name }

    func write(_ bytes: [UInt8]) async throws(I2CError) {
        _ = try simulatedBus.transfer(address, [.write(bytes)], operation: "write \(bytes.count) bytes")
    }

    func read(count: Int) async throws(I2CError) -> [UInt8] {
        let operation = "read \(count) bytes"
        try checkCount(count, operation)
        return try simulatedBus.transfer(address, [.read(count)], operation: operation)
    }

    func writeRead(_ bytes: [UInt8], readCount: Int) async throws(I2CError) -> [UInt8] {
        let operation = "write-read \(bytes.first.map(hex) ?? "[]") \(readCount) bytes"
        try checkCount(readCount, operation)
        return try simulatedBus.transfer(address, [.write(bytes), .read(readCount)], operation: operation)
    }

    /// 1…65535, as the Linux backend: a read is one `i2c_msg`, whose length is 16-bit.
    private func checkCount(_ count: Int, _ operation: String) throws(I2CError) {
        guard count > 0, count <= Int(UInt16.max) else {
            throw I2CError(
                .invalidArgument, bus: bus, address: address, operation: operation, detail: "read length \(count)")
        }
    }
}
