public import BoardSupport
public import ConfigSupport
public import Foundation
public import HAL
import HALLinux
public import HALSim
import Locking

/// The simulated hardware of one rig: the board's GPIO chips and I²C buses with the rig file's chips attached, the
/// simulated Modbus devices on their TCP ports and pseudo-terminal lines, and the physical models between them.
/// Daemons reach GPIO and I²C through `HALRig` over the control socket and Modbus as they would on a board; scenarios
/// and humans drive the inputs through the same socket.
public final class VirtualRig: Sendable {
    public let file: RigFile
    public let board: Board
    /// By the identifier daemons open them by (label or name, as the board file says).
    public let gpioChips: [String: SimulatedGPIOChip]
    /// By bus device name (`sim-i2c-0`).
    public let i2cBuses: [String: SimulatedI2CBus]
    /// Every attached chip, to plug back in after an unplug.
    public let devices: [Device]
    /// Every Modbus device, with where it answers.
    public let modbusDevices: [ModbusDevice]
    /// This rig's own folder, what `${RUN_DIR}` in the rig file's RTU links stands for.
    public let runDirectory: String
    let models: [any RigModel]
    private let servers: Lock<[ModbusServerHandle]>
    /// For a board of real kernel GPIO (the kernel-HIL VM's `sim-kernel`): scenario inputs and outputs go to the
    /// gpio-sim lines the daemons use through the Linux backend.
    let kernelLines: KernelGPIOLines?

    /// One simulated I²C chip and the physical inputs currently applied to it.
    public final class Device: Sendable {
        public let bus: String
        public let address: I2CAddress
        public let chipName: String
        public let name: String
        public let chip: any SimulatedI2CChip
        let kind: SimulatedChipKind
        let inputs: PhysicalInputs

        init(entry: RigFile.I2CDevice, address: I2CAddress, kind: SimulatedChipKind) {
            self.bus = entry.bus
            self.address = address
            self.chipName = entry.chip
            self.name = entry.name
            self.kind = kind
            self.chip = kind.make()
            self.inputs = PhysicalInputs(kind.inputDefaults)
            kind.apply(chip, kind.inputDefaults)
        }

        /// Sets inputs (unknown names are the caller's error) and applies the whole set to the chip.
        func set(_ values: [String: Double], holding: Bool) {
            kind.apply(chip, inputs.set(values, holding: holding))
        }

        /// Sets inputs on behalf of a model, skipping those a scenario holds.
        func model(_ values: [String: Double]) {
            if let all = inputs.model(values) { kind.apply(chip, all) }
        }

        func value(_ quantity: String) -> Double? {
            inputs.value(quantity) ?? kind.outputs[quantity].map { $0(chip) }
        }

        var quantityNames: [String] { kind.inputNames + kind.outputNames }
    }

    /// One simulated Modbus device and where it answers.
    public final class ModbusDevice: Sendable {
        public let name: String
        public let kind: String
        public let unit: ModbusUnitID
        /// The board serial port this line stands for, when the rig file names one.
        public let serialPort: String?
        public let instance: SimulatedModbusInstance
        let spec: RigFile.ModbusDevice.Endpoint
        let inputs: PhysicalInputs
        private let endpointText: Lock<String>

        init(entry: RigFile.ModbusDevice, instance: SimulatedModbusInstance, runDirectory: String) {
            self.name = entry.name
            self.kind = entry.device
            self.unit = entry.unit
            self.serialPort = entry.serialPort
            self.instance = instance
            self.spec = entry.endpoint.resolved(runDirectory: runDirectory)
            self.inputs = PhysicalInputs(instance.inputDefaults)
            self.endpointText = Lock("")
            instance.apply(instance.inputDefaults)
        }

        /// `tcp:127.0.0.1:40123` or `rtu:/tmp/curb-rig-1a2b3c4d/ttyRS485-0@9600`, once the rig serves it.
        public var endpoint: String {
            get { endpointText.withLock { $0 } }
            set { endpointText.withLock { $0 = newValue } }
        }

        func set(_ values: [String: Double], holding: Bool) {
            instance.apply(inputs.set(values, holding: holding))
        }

        /// Sets inputs on behalf of a model, skipping those a scenario holds.
        func model(_ values: [String: Double]) {
            if let all = inputs.model(values) { instance.apply(all) }
        }

        func value(_ quantity: String) -> Double? {
            inputs.value(quantity) ?? instance.outputs[quantity].map { $0() }
        }

        var quantityNames: [String] { instance.inputNames + instance.outputNames }
    }

    private enum ModbusServerHandle: Sendable {
        case tcp(ModbusTCPServer)
        case rtu(ModbusRTUServer, link: String)
    }

    /// - Parameter runDirectory: where `${RUN_DIR}` links go; nil makes a fresh folder under the temporary directory
    ///   when the Modbus servers start, so two rigs from one file never collide.
    /// `board`: the file's board, already loaded (the fuzz target starts rigs thousands of times; most of a start was
    /// parsing the same board file again).
    public init(file: RigFile, board preloaded: Board? = nil, runDirectory: String? = nil) throws(DocumentError) {
        self.file = file
        let runDirectory =
            runDirectory
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("curb-rig-\(UUID().uuidString.prefix(8))")
            .path
        self.runDirectory = runDirectory
        if let preloaded { board = preloaded } else { board = try Board.load(file: file.board) }
        var chips: [String: SimulatedGPIOChip] = [:]
        for chip in board.gpioChips.values {
            var names: [GPIOLineOffset: String] = [:]
            for line in board.gpioLines.values where line.chipID == chip.id { names[line.address.offset] = line.name }
            chips[chip.identifier] = SimulatedGPIOChip(
                name: chip.identifier, lineCount: chip.lineCount, lineNames: names)
        }
        gpioChips = chips
        var buses: [String: SimulatedI2CBus] = [:]
        for bus in board.i2cBuses.values { buses[bus.device] = SimulatedI2CBus(name: bus.device) }
        var devices: [Device] = []
        var issues: [ConfigIssue] = []
        for (index, entry) in file.modbusDevices.enumerated() {
            guard let port = entry.serialPort, board.serialPorts[port] == nil else { continue }
            issues.append(
                ConfigIssue(
                    .unknownReference, path: "$.modbus[\(index)].rtu",
                    expected: "a serial port of board \(board.id) ("
                        + board.serialPorts.keys.sorted().joined(separator: ", ") + ")",
                    found: "\"\(port)\""))
        }
        for (index, entry) in file.i2cDevices.enumerated() {
            guard let bus = buses[entry.bus], let address = I2CAddress(rawValue: entry.address),
                let kind = SimulatedChipCatalog.kinds[entry.chip]
            else {
                issues.append(
                    ConfigIssue(
                        .unknownReference, path: "$.i2c[\(index)].bus",
                        expected: "a bus of board \(board.id) (" + buses.keys.sorted().joined(separator: ", ") + ")",
                        found: "\"\(entry.bus)\"",
                        suggestion: NearestMatch.suggestion(for: entry.bus, among: buses.keys)))
                continue
            }
            let device = Device(entry: entry, address: address, kind: kind)
            bus.attach(device.chip, at: address)
            devices.append(device)
        }
        i2cBuses = buses
        self.devices = devices
        modbusDevices = file.modbusDevices.compactMap { entry in
            SimulatedModbusCatalog.factories[entry.device].map {
                ModbusDevice(entry: entry, instance: $0(entry.design), runDirectory: runDirectory)
            }
        }
        var models: [any RigModel] = []
        for (index, model) in file.models.enumerated() {
            do throws(ConfigIssue) {
                models.append(
                    try Self.makeModel(
                        model, index: index, devices: devices, modbusDevices: modbusDevices, gpioChips: chips,
                        board: board))
            } catch {
                issues.append(error)
            }
        }
        self.models = models
        servers = Lock([])
        kernelLines = board.kind == .hardware ? KernelGPIOLines(board: board) : nil
        guard issues.isEmpty else { throw DocumentError(.invalid, file: nil, issues: issues) }
    }

    /// Starts the Modbus servers: one TCP server per port, one pseudo-terminal line per RTU link (devices sharing a
    /// link share the line, as on RS-485). The link is a symlink to the terminal a daemon opens.
    public func startModbus() throws(ModbusError) {
        var lines: [RigFile.ModbusDevice.Endpoint: SimulatedModbusLine] = [:]
        var order: [RigFile.ModbusDevice.Endpoint] = []
        for device in modbusDevices {
            if lines[device.spec] == nil {
                lines[device.spec] = SimulatedModbusLine()
                order.append(device.spec)
            }
            lines[device.spec]?.attach(device.instance.device, as: device.unit)
        }
        var started: [ModbusServerHandle] = []
        for endpoint in order {
            guard let line = lines[endpoint] else { continue }
            let text: String
            switch endpoint {
            case .tcp(let port):
                let server = try ModbusTCPServer(port: port, handler: line)
                started.append(.tcp(server))
                text = "tcp:127.0.0.1:\(server.port)"
            case .rtu(let link, let baudRate, let parity):
                let server = try ModbusRTUServer(
                    pseudoTerminal: ModbusRTUConfiguration(device: link, baudRate: baudRate, parity: parity),
                    handler: line)
                try? FileManager.default.createDirectory(
                    atPath: URL(fileURLWithPath: link).deletingLastPathComponent().path,
                    withIntermediateDirectories: true)
                try? FileManager.default.removeItem(atPath: link)
                do {
                    try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: server.device)
                } catch {
                    server.stop()
                    throw ModbusError(
                        .io, endpoint: "rtu:\(link)@\(baudRate)", operation: "link \(link) → \(server.device)",
                        detail: "\(error)")
                }
                started.append(.rtu(server, link: link))
                text = "rtu:\(link)@\(baudRate)"
            }
            for device in modbusDevices where device.spec == endpoint { device.endpoint = text }
        }
        servers.withLock { $0 += started }
    }

    /// Stops the Modbus servers and removes the RTU links.
    public func stopModbus() {
        let running = servers.withLock { servers in
            defer { servers.removeAll() }
            return servers
        }
        for server in running {
            switch server {
            case .tcp(let tcp): tcp.stop()
            case .rtu(let rtu, let link):
                rtu.stop()
                try? FileManager.default.removeItem(atPath: link)
            }
        }
        // The run folder goes only when the links were all it held.
        if (try? FileManager.default.contentsOfDirectory(atPath: runDirectory))?.isEmpty == true {
            try? FileManager.default.removeItem(atPath: runDirectory)
        }
    }

    /// Advances every Modbus device and model by real time, every `period`, until the task is cancelled.
    public func runModels(period: Duration = .milliseconds(100)) async {
        let fast = models.filter(\.needsFastTicks)
        await withDiscardingTaskGroup { group in
            if !fast.isEmpty {
                group.addTask {
                    let clock = ContinuousClock()
                    var last = clock.now
                    while !Task.isCancelled {
                        try? await Task.sleep(for: .milliseconds(4))
                        let now = clock.now
                        self.stepStreaming(by: now - last)
                        last = now
                    }
                }
            }
            let clock = ContinuousClock()
            var last = clock.now
            while !Task.isCancelled {
                try? await Task.sleep(for: period)
                let now = clock.now
                step(by: now - last, at: Date())
                last = now
            }
            group.cancelAll()
        }
    }

    /// One step of the streaming models (the accelerometer's samples and its interrupt line), which `runModels` runs
    /// every few milliseconds.
    public func stepStreaming(by elapsed: Duration) {
        for model in models where model.needsFastTicks { model.tick(at: Date(), elapsed: elapsed) }
    }

    /// One step of simulated physics: Modbus devices advance, models recompute their outputs.
    public func step(by elapsed: Duration, at date: Date) {
        for device in modbusDevices { device.instance.advance(elapsed) }
        for model in models where !model.needsFastTicks { model.tick(at: date, elapsed: elapsed) }
    }

    /// A line by board name or alias (`walkButton`, `SIM0`) or by `chip:offset`.
    public func line(_ name: String) -> (chip: SimulatedGPIOChip, offset: GPIOLineOffset)? {
        Self.line(name, board: board, gpioChips: gpioChips)
    }

    static func line(_ name: String, board: Board, gpioChips: [String: SimulatedGPIOChip]) -> (
        chip: SimulatedGPIOChip, offset: GPIOLineOffset
    )? {
        if let line = try? board.gpioLine(named: name, usedAt: "line"), let chip = gpioChips[line.address.chip] {
            return (chip, line.address.offset)
        }
        let parts = name.split(separator: ":")
        if parts.count == 2, let chip = gpioChips[String(parts[0])], let offset = UInt32(parts[1]),
            offset < chip.lineCount
        {
            return (chip, GPIOLineOffset(offset))
        }
        return nil
    }

    public func device(named name: String) -> Device? { devices.first { $0.name == name } }
    public func modbusDevice(named name: String) -> ModbusDevice? { modbusDevices.first { $0.name == name } }
    func model(named name: String) -> (any RigModel)? { models.first { $0.name == name } }

    /// The simulated board's id (`sim`).
    public var boardID: String { board.id }

    /// Every name `line(_:)` accepts, for error messages.
    public var lineNames: [String] { board.gpioLineNames }
}

/// The physical inputs of one simulated device: current values and which of them a scenario holds (models leave held
/// inputs alone until released).
final class PhysicalInputs: Sendable {
    private let state: Lock<(values: [String: Double], held: Set<String>)>

    init(_ defaults: [String: Double]) {
        state = Lock((defaults, []))
    }

    var names: [String] { state.withLock { $0.values.keys.sorted() } }

    func value(_ name: String) -> Double? { state.withLock { $0.values[name] } }

    func set(_ values: [String: Double], holding: Bool) -> [String: Double] {
        state.withLock { state in
            for (name, value) in values {
                state.values[name] = value
                if holding { state.held.insert(name) }
            }
            return state.values
        }
    }

    func release(_ name: String) {
        _ = state.withLock { $0.held.remove(name) }
    }

    /// Applies model values except held ones; nil when nothing changed.
    func model(_ values: [String: Double]) -> [String: Double]? {
        state.withLock { state in
            var changed = false
            for (name, value) in values where !state.held.contains(name) && state.values[name] != value {
                state.values[name] = value
                changed = true
            }
            return changed ? state.values : nil
        }
    }
}

/// A rig device or model whose physical quantities scenarios read and set (`chip.*`, `modbus.*`, `model.*`).
protocol RigQuantities: Sendable {
    var name: String { get }
    var quantityNames: [String] { get }
    func value(_ quantity: String) -> Double?
    /// Sets quantities, held against the models until released; false (and nothing set) when one is not settable.
    func hold(_ values: [String: Double]) -> Bool
    func release(_ quantity: String)
}

extension VirtualRig.Device: RigQuantities {
    func hold(_ values: [String: Double]) -> Bool {
        guard values.keys.allSatisfy(kind.inputNames.contains) else { return false }
        set(values, holding: true)
        return true
    }

    func release(_ quantity: String) { inputs.release(quantity) }
}

extension VirtualRig.ModbusDevice: RigQuantities {
    func hold(_ values: [String: Double]) -> Bool {
        guard values.keys.allSatisfy(instance.inputNames.contains) else { return false }
        set(values, holding: true)
        return true
    }

    func release(_ quantity: String) { inputs.release(quantity) }
}
