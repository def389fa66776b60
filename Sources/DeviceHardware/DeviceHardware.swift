public import AgentRuntime
public import BoardSupport
public import HAL
import HALLinux
import HALRig
import Synchronization

/// A daemon's parts, opened by board name on the configured backend: the Linux character devices on a board, or the
/// virtual rig over its control socket (`hal: {backend: rig}`). The same daemon binary runs on both; only the
/// configuration differs.
public final class DeviceHardware: Sendable {
    public let board: Board
    private let backend: Backend
    private let chips = Mutex<[String: any GPIOChip]>([:])

    private enum Backend: Sendable {
        case linux
        case rig(RigConnection)
    }

    /// Loads the board file and, for the rig, connects to its socket.
    public static func open(_ configuration: AgentConfiguration) async throws -> DeviceHardware {
        let board = try Board.load(file: configuration.board)
        switch configuration.hal.backend {
        case .linux:
            return DeviceHardware(board: board, backend: .linux)
        case .rig:
            let socket = configuration.hal.rigSocket ?? "/run/curbside/rig.sock"
            return DeviceHardware(board: board, backend: .rig(try await RigConnection.connect(socketPath: socket)))
        }
    }

    /// The board's parts through the Linux character devices (i2c-dev, the GPIO chardev), without a daemon
    /// configuration: what tests in the kernel-HIL VM use.
    public static func linux(board: Board) -> DeviceHardware {
        DeviceHardware(board: board, backend: .linux)
    }

    private init(board: Board, backend: Backend) {
        self.board = board
        self.backend = backend
    }

    /// Requests the board line `name` (`$.device.hardware.relay` in errors) as an output.
    public func output(_ name: String, usedAt configPath: String, _ configuration: GPIOOutputConfiguration)
        async throws -> any GPIOOutputLine
    {
        let line = try board.gpioLine(named: name, usedAt: configPath)
        return try await chip(line.address.chip).requestOutput(line.address.offset, configuration)
    }

    /// Requests the board line `name` as an input.
    public func input(_ name: String, usedAt configPath: String, _ configuration: GPIOInputConfiguration)
        async throws -> any GPIOInputLine
    {
        let line = try board.gpioLine(named: name, usedAt: configPath)
        return try await chip(line.address.chip).requestInput(line.address.offset, configuration)
    }

    /// Opens the board's I²C bus `name` (`i2c-1`, `sim-i2c-0`).
    public func i2cBus(_ name: String, usedAt configPath: String) async throws -> any I2CBus {
        let bus = try board.i2cBus(named: name, usedAt: configPath)
        switch backend {
        case .linux: return try LinuxI2CBus(path: bus.device)
        case .rig(let rig): return try await rig.i2cBus(named: bus.device)
        }
    }

    private func chip(_ identifier: String) async throws -> any GPIOChip {
        if let chip = chips.withLock({ $0[identifier] }) { return chip }
        let opened: any GPIOChip
        switch backend {
        case .linux:
            // Open the way the board file says (a label survives gpiochip renumbering).
            let byLabel = board.gpioChips.values.contains { $0.identifier == identifier && $0.openBy == .label }
            opened = try LinuxGPIOChip(identifier, lookup: byLabel ? .label : .name)
        case .rig(let rig): opened = try await rig.gpioChip(named: identifier)
        }
        chips.withLock { $0[identifier] = opened }
        return opened
    }
}
