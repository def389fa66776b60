public import AgentRuntime
public import BoardSupport
public import HAL
import HALLinux
import HALRig
import Locking
import RigProtocol

/// A daemon's parts, opened by board name on the configured backend: the Linux character devices and serial ports of
/// a board, or the virtual rig over its control socket (`hal: {backend: rig}`). The same daemon binary runs on both;
/// only the configuration differs. Every part counts its failed transfers into the health registry.
public final class DeviceHardware: Sendable {
    public let board: Board
    private let backend: Backend
    private let health: HealthRegistry
    private let chips = Lock<[String: any GPIOChip]>([:])
    /// One Modbus client per serial port or TCP endpoint: every unit behind it shares the owner thread, so frames
    /// on one RS-485 line never interleave.
    private let modbusClients = Lock<[String: OpenModbusPort]>([:])

    private struct OpenModbusPort {
        let settings: ModbusDeviceSettings.Transport
        let client: any ModbusClient
        /// The configuration path of the device that opened it, for a conflict's message.
        let openedFor: String
    }

    private enum Backend: Sendable {
        case linux
        case rig(socketPath: String)
    }

    /// The rig connection, made by the first part that needs it (a daemon without GPIO or I²C parts never connects).
    private let rigConnection = Lock<Task<RigConnection, any Error>?>(nil)

    /// Loads the board file; the rig's socket is connected when the first part is opened.
    public static func open(_ configuration: AgentConfiguration, health: HealthRegistry = HealthRegistry())
        throws -> DeviceHardware
    {
        let board = try Board.load(file: configuration.board)
        switch configuration.hal.backend {
        case .linux:
            return DeviceHardware(board: board, backend: .linux, health: health)
        case .rig:
            let socket = configuration.hal.rigSocket ?? "/run/curbside/rig.sock"
            return DeviceHardware(board: board, backend: .rig(socketPath: socket), health: health)
        }
    }

    private func rig(_ socketPath: String) async throws -> RigConnection {
        let task = rigConnection.withLock { task in
            if let task { return task }
            let connecting = Task { () async throws -> RigConnection in
                try await RigConnection.connect(socketPath: socketPath)
            }
            task = connecting
            return connecting
        }
        return try await task.value
    }

    /// The board's parts through the Linux character devices (i2c-dev, the GPIO chardev), without a daemon
    /// configuration: what tests in the kernel-HIL VM use.
    public static func linux(board: Board, health: HealthRegistry = HealthRegistry()) -> DeviceHardware {
        DeviceHardware(board: board, backend: .linux, health: health)
    }

    private init(board: Board, backend: Backend, health: HealthRegistry) {
        self.board = board
        self.backend = backend
        self.health = health
    }

    /// Now, in nanoseconds, on the clock the input lines' edge timestamps use — `CLOCK_MONOTONIC` for the Linux GPIO
    /// character device — so a daemon can tell how long ago an edge happened; nil on the rig, whose timestamps come
    /// from the rig process's own simulated-chip clock.
    public var edgeClock: (@Sendable () -> UInt64)? {
        switch backend {
        case .linux: { monotonicNanoseconds() }
        case .rig: nil
        }
    }

    /// One monotonic clock for a controller and its input edges, made once (two would differ by their origins): the
    /// edge timestamps' own where this process can read it (Linux), else one of the daemon's own (the rig), and then
    /// `edgeTimestampsOnClock` is false and edges are timed from their arrival.
    public func controllerClock() -> (now: @Sendable () -> Duration, edgeTimestampsOnClock: Bool) {
        if let edgeClock { return ({ .nanoseconds(Int64(edgeClock())) }, true) }
        let start = ContinuousClock.now
        return ({ ContinuousClock.now - start }, false)
    }

    /// Requests the board line `name` (`$.device.hardware.relay` in errors) as an output.
    public func output(_ name: String, usedAt configPath: String, _ configuration: GPIOOutputConfiguration)
        async throws -> any GPIOOutputLine
    {
        let line = try board.gpioLine(named: name, usedAt: configPath)
        let chip = try await chip(line.address.chip)
        return CountingGPIOOutputLine(
            base: try await chip.requestOutput(line.address.offset, configuration),
            counter: BusErrorCounter(registry: health, bus: chip.name))
    }

    /// Requests the board line `name` as an input.
    public func input(_ name: String, usedAt configPath: String, _ configuration: GPIOInputConfiguration)
        async throws -> any GPIOInputLine
    {
        let line = try board.gpioLine(named: name, usedAt: configPath)
        let chip = try await chip(line.address.chip)
        return CountingGPIOInputLine(
            base: try await chip.requestInput(line.address.offset, configuration),
            counter: BusErrorCounter(registry: health, bus: chip.name))
    }

    /// Opens the board's I²C bus `name` (`i2c-1`, `sim-i2c-0`).
    public func i2cBus(_ name: String, usedAt configPath: String) async throws -> any I2CBus {
        let bus = try board.i2cBus(named: name, usedAt: configPath)
        let opened: any I2CBus =
            switch backend {
            case .linux: try LinuxI2CBus(path: bus.device)
            case .rig(let socket): try await rig(socket).i2cBus(named: bus.device)
            }
        return CountingI2CBus(base: opened, counter: BusErrorCounter(registry: health, bus: opened.name))
    }

    /// A Modbus device: the client of its serial port (by board name) or TCP endpoint, shared with every other device
    /// there, and its unit id. The rig serves its Modbus devices on the same ptys and TCP ports a board would, so
    /// both backends use the libmodbus client.
    ///
    /// - Throws: `BoardLookupError` for an unknown port; `DeviceHardwareError` when two devices on one port ask for
    ///   different line settings; `ModbusError` when the port cannot be set up.
    public func modbus(_ settings: ModbusDeviceSettings, usedAt configPath: String) async throws -> ModbusDevice {
        let key: String
        let make: () throws -> any ModbusClient
        switch settings.transport {
        case .serial(let port, let line):
            let device = try await serialDevice(port, usedAt: configPath)
            key = "serial:\(device)"
            make = {
                try LinuxModbusClient.rtu(
                    ModbusRTUConfiguration(
                        device: device, baudRate: line.baudRate, parity: line.parity, dataBits: line.dataBits,
                        stopBits: line.stopBits, rs485: line.rs485, responseTimeout: settings.timeout))
            }
        case .tcp(let configuredHost, let configuredPort):
            let (host, port) = try await tcpEndpoint(configuredHost, configuredPort)
            key = "tcp:\(host):\(port)"
            make = {
                try LinuxModbusClient.tcp(
                    ModbusTCPConfiguration(host: host, port: port, responseTimeout: settings.timeout))
            }
        }
        let client = try modbusClients.withLock { clients throws -> any ModbusClient in
            if let existing = clients[key] {
                guard existing.settings == settings.transport else {
                    throw DeviceHardwareError(
                        configPath: configPath,
                        detail:
                            "\(key) is already open for \(existing.openedFor) with other line settings; every device on one port must agree"
                    )
                }
                return existing.client
            }
            let opened = try make()
            let counted = CountingModbusClient(
                base: opened, counter: BusErrorCounter(registry: health, bus: opened.endpoint))
            clients[key] = OpenModbusPort(settings: settings.transport, client: counted, openedFor: configPath)
            return counted
        }
        return ModbusDevice(client: client, unit: settings.unit, timeout: settings.timeout)
    }

    /// The device path of board serial port `port`: the board file's on Linux; on the rig, the pty link of the line
    /// the rig file put on that port (`rtu: rs485-0`, reported by `hello`), else the board file's path.
    private func serialDevice(_ port: String, usedAt configPath: String) async throws -> String {
        let boardPort = try board.serialPort(named: port, usedAt: configPath)
        guard case .rig(let socket) = backend else { return boardPort.device }
        let connection = try await rig(socket)
        let lines = await connection.hello.modbus ?? []
        guard let line = lines.first(where: { $0.serialPort == port }),
            line.endpoint.hasPrefix("rtu:"), let at = line.endpoint.lastIndex(of: "@")
        else { return boardPort.device }
        return String(line.endpoint[line.endpoint.index(line.endpoint.startIndex, offsetBy: 4)..<at])
    }

    /// Where a TCP device answers: the configured address on Linux; on the rig, where the rig serves the Modbus device
    /// whose rig-file name is the configured host (`tcp: "stack:502"` for `{name: stack, tcp: 0}`, a free port per
    /// run, reported by `hello`), else the configured address.
    private func tcpEndpoint(_ host: String, _ port: Int) async throws -> (String, Int) {
        guard case .rig(let socket) = backend else { return (host, port) }
        let connection = try await rig(socket)
        let devices = await connection.hello.modbus ?? []
        guard let device = devices.first(where: { $0.name == host }), device.endpoint.hasPrefix("tcp:"),
            let served = ModbusDeviceSettings.parseHostPort(String(device.endpoint.dropFirst(4)))
        else { return (host, port) }
        return served
    }

    private func chip(_ identifier: String) async throws -> any GPIOChip {
        if let chip = chips.withLock({ $0[identifier] }) { return chip }
        let opened: any GPIOChip
        switch backend {
        case .linux:
            // Open the way the board file says (a label survives gpiochip renumbering).
            let byLabel = board.gpioChips.values.contains { $0.identifier == identifier && $0.openBy == .label }
            opened = try LinuxGPIOChip(identifier, lookup: byLabel ? .label : .name)
        case .rig(let socket): opened = try await rig(socket).gpioChip(named: identifier)
        }
        chips.withLock { $0[identifier] = opened }
        return opened
    }
}

/// One Modbus device: the shared client of its port and its unit id.
public struct ModbusDevice: Sendable {
    public let client: any ModbusClient
    public let unit: ModbusUnitID
    /// The response timeout the configuration set for this device.
    public let timeout: Duration
}

/// A part that cannot be opened as configured, with the configuration path that asked for it.
public struct DeviceHardwareError: Error, CustomStringConvertible {
    public var configPath: String
    public var detail: String
    public init(configPath: String, detail: String) {
        self.configPath = configPath
        self.detail = detail
    }
    public var description: String { "\(configPath): \(detail)" }
}
