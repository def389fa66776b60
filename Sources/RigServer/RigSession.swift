import BoardSupport
import HAL
import HALSim
public import RigProtocol

/// One client connection: the lines it holds, its event subscriptions, and request dispatch.
///
/// Everything a connection requested is released when it goes away, like a process exit releases its lines.
public actor RigSession {
    private enum Held {
        case input(any GPIOInputLine)
        case output(any GPIOOutputLine)
    }

    let rig: VirtualRig
    private let send: @Sendable (RigMessage) async -> Void
    private var held: [Int: Held] = [:]
    private var subscriptions: [Int: Task<Void, Never>] = [:]
    private var nextHandle = 1

    /// A connection to `rig`; `send` writes the events of its subscriptions.
    public init(rig: VirtualRig, send: @escaping @Sendable (RigMessage) async -> Void) {
        self.rig = rig
        self.send = send
    }

    /// The answer to one line received on the connection (without its `\n`), nil for a blank line: a line that is
    /// not a rig message is answered `invalid-request`, never thrown.
    public func respond(toLine bytes: [UInt8]) async -> RigMessage? {
        if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { return nil }
        do {
            return await handle(try RigCodec.decode(bytes))
        } catch {
            return .failure(nil, code: "invalid-request", "not a JSON object: \(error)")
        }
    }

    /// Releases everything the connection holds (its lines, its subscriptions).
    public func close() async {
        for task in subscriptions.values { task.cancel() }
        subscriptions = [:]
        for line in held.values {
            switch line {
            case .input(let input): await input.release()
            case .output(let output): await output.release()
            }
        }
        held = [:]
    }

    func handle(_ request: RigMessage) async -> RigMessage {
        let id = request.id
        switch request.op {
        case "hello", "list": return hello(id)
        case "gpio.request": return await requestLine(request)
        case "gpio.read": return await readLine(request)
        case "gpio.write": return await writeLine(request)
        case "gpio.subscribe": return subscribe(request)
        case "gpio.release": return await release(request)
        case "i2c.write", "i2c.read", "i2c.write-read": return await transfer(request)
        case "set-input": return setInput(request)
        case "get-output": return getOutput(request)
        case "i2c.fault": return i2cFault(request)
        case "gpio.fault": return gpioFault(request)
        case "i2c.unplug", "i2c.plug": return plug(request)
        case "chip.set", "chip.get", "chip.release", "modbus.set", "modbus.get", "modbus.release", "model.set",
            "model.get":
            return quantity(request)
        case "modbus.fault": return modbusFault(request)
        case nil: return .failure(id, code: "invalid-request", "missing \"op\"")
        case let op?:
            return .failure(
                id, code: "invalid-request",
                "unknown op \"\(op)\"; known: hello, gpio.request, gpio.read, gpio.write, gpio.subscribe, "
                    + "gpio.release, i2c.write, i2c.read, i2c.write-read, set-input, get-output, gpio.fault, i2c.fault, "
                    + "i2c.unplug, i2c.plug, chip.set, chip.get, chip.release, modbus.set, modbus.get, "
                    + "modbus.release, modbus.fault, model.set, model.get")
        }
    }

    private func hello(_ id: Int?) -> RigMessage {
        .success(id).with {
            $0.board = rig.board.id
            $0.chips = rig.gpioChips.values.map { .init(name: $0.name, lines: $0.lineCount) }.sorted {
                $0.name < $1.name
            }
            $0.buses = rig.i2cBuses.keys.sorted()
            $0.devices = rig.devices.map {
                .init(bus: $0.bus, address: Int($0.address.rawValue), chip: $0.chipName, name: $0.name)
            }
            $0.modbus = rig.modbusDevices.map {
                .init(
                    name: $0.name, device: $0.kind, unit: Int($0.unit.rawValue), endpoint: $0.endpoint,
                    serialPort: $0.serialPort)
            }
            $0.models = rig.models.map(\.name)
        }
    }

    // MARK: GPIO (the daemon side)

    private func requestLine(_ request: RigMessage) async -> RigMessage {
        let id = request.id
        guard let chipName = request.chip, let chip = rig.gpioChips[chipName] else {
            return .failure(
                id, code: "not-found",
                "no GPIO chip \"\(request.chip ?? "")\"; chips: \(rig.gpioChips.keys.sorted().joined(separator: ", "))")
        }
        guard let offset = request.offset else { return .failure(id, code: "invalid-request", "missing \"offset\"") }
        let debounceMs = request.debounceMs ?? 0
        guard (0...Self.maxDebounceMs).contains(debounceMs) else {
            return .failure(
                id, code: "invalid-request", "debounce_ms must be 0…\(Int(Self.maxDebounceMs)), got \(debounceMs)")
        }
        let consumer = request.consumer ?? "rig-client"
        do throws(GPIOError) {
            switch request.direction {
            case "input":
                let configuration = GPIOInputConfiguration(
                    consumer: consumer, activeLow: request.activeLow ?? false,
                    bias: request.bias.flatMap(GPIOBias.init(rawValue:)) ?? .asIs,
                    edges: request.edges.flatMap(GPIOEdgeDetection.init(rawValue:)) ?? .none,
                    debounce: .microseconds(Int64(debounceMs * 1000)))
                let line = try await chip.requestInput(GPIOLineOffset(offset), configuration)
                return .success(id).with { $0.handle = store(.input(line)) }
            case "output":
                let configuration = GPIOOutputConfiguration(
                    consumer: consumer, activeLow: request.activeLow ?? false,
                    drive: request.drive.flatMap(GPIODrive.init(rawValue:)) ?? .pushPull,
                    initialValue: GPIOValue(request.value ?? false))
                let line = try await chip.requestOutput(GPIOLineOffset(offset), configuration)
                return .success(id).with { $0.handle = store(.output(line)) }
            default:
                return .failure(id, code: "invalid-request", "direction must be \"input\" or \"output\"")
            }
        } catch {
            return .failure(id, code: Self.code(error.code), error.description)
        }
    }

    /// A minute: far beyond any switch's bounce, and it keeps the window's microseconds well within Int64.
    private static let maxDebounceMs = 60_000.0

    private func store(_ line: Held) -> Int {
        let handle = nextHandle
        nextHandle += 1
        held[handle] = line
        return handle
    }

    private func readLine(_ request: RigMessage) async -> RigMessage {
        guard let handle = request.handle, let line = held[handle] else { return unknownHandle(request) }
        do throws(GPIOError) {
            let value: GPIOValue
            switch line {
            case .input(let input): value = try await input.read()
            case .output(let output): value = try await output.read()
            }
            return .success(request.id).with { $0.value = value.isActive }
        } catch {
            return .failure(request.id, code: Self.code(error.code), error.description)
        }
    }

    private func writeLine(_ request: RigMessage) async -> RigMessage {
        guard let handle = request.handle, case .output(let output)? = held[handle] else {
            return unknownHandle(request)
        }
        guard let value = request.value else {
            return .failure(request.id, code: "invalid-request", "missing \"value\"")
        }
        do throws(GPIOError) {
            try await output.write(GPIOValue(value))
            return .success(request.id)
        } catch {
            return .failure(request.id, code: Self.code(error.code), error.description)
        }
    }

    private func subscribe(_ request: RigMessage) -> RigMessage {
        guard let handle = request.handle, case .input(let input)? = held[handle] else { return unknownHandle(request) }
        subscriptions[handle]?.cancel()
        let send = send
        let events = input.events()
        subscriptions[handle] = Task {
            do {
                for try await edge in events {
                    var message = RigMessage()
                    message.event = "gpio.edge"
                    message.handle = handle
                    message.kind = edge.kind == .rising ? "rising" : "falling"
                    message.timestampNs = edge.timestampNanoseconds
                    await send(message)
                }
            } catch {
                var message = RigMessage()
                message.event = "gpio.error"
                message.handle = handle
                message.error = "\(error)"
                await send(message)
            }
        }
        return .success(request.id)
    }

    private func release(_ request: RigMessage) async -> RigMessage {
        guard let handle = request.handle, let line = held.removeValue(forKey: handle) else {
            return unknownHandle(request)
        }
        subscriptions.removeValue(forKey: handle)?.cancel()
        switch line {
        case .input(let input): await input.release()
        case .output(let output): await output.release()
        }
        return .success(request.id)
    }

    private func unknownHandle(_ request: RigMessage) -> RigMessage {
        .failure(request.id, code: "not-found", "no line with handle \(request.handle.map(String.init) ?? "(missing)")")
    }

    private static func code(_ code: GPIOError.Code) -> String {
        switch code {
        case .busy: "busy"
        case .lineNotFound, .chipNotFound: "not-found"
        case .released: "released"
        case .unsupported: "unsupported"
        default: "io"
        }
    }

    // MARK: I2C (the daemon side)

    private func transfer(_ request: RigMessage) async -> RigMessage {
        let id = request.id
        guard let busName = request.bus, let bus = rig.i2cBuses[busName] else {
            return .failure(
                id, code: "not-found",
                "no I2C bus \"\(request.bus ?? "")\"; buses: \(rig.i2cBuses.keys.sorted().joined(separator: ", "))")
        }
        guard let raw = request.address, let byte = UInt8(exactly: raw), let address = I2CAddress(rawValue: byte) else {
            return .failure(id, code: "invalid-request", "address must be a 7-bit integer")
        }
        do throws(I2CError) {
            let device = try await bus.device(at: address)
            switch request.op {
            case "i2c.write":
                try await device.write(request.bytes ?? [])
                return .success(id)
            case "i2c.read":
                let bytes = try await device.read(count: request.count ?? 0)
                return .success(id).with { $0.bytes = bytes }
            default:
                let bytes = try await device.writeRead(request.bytes ?? [], readCount: request.count ?? 0)
                return .success(id).with { $0.bytes = bytes }
            }
        } catch {
            let code =
                switch error.code {
                case .nack: "nack"
                case .invalidArgument: "invalid-request"
                default: "bus-error"
                }
            return .failure(id, code: code, error.description)
        }
    }

    // MARK: Rig control (scenarios and humans)

    private func resolve(_ request: RigMessage) -> (chip: SimulatedGPIOChip, offset: GPIOLineOffset)? {
        request.line.flatMap { rig.line($0) }
    }

    private func unknownLine(_ request: RigMessage) -> RigMessage {
        .failure(
            request.id, code: "not-found",
            "no line \"\(request.line ?? "")\"; names: \(rig.lineNames.joined(separator: ", ")) or chip:offset")
    }

    private func setInput(_ request: RigMessage) -> RigMessage {
        if let kernel = rig.kernelLines {
            guard let name = request.line, let high = request.high else {
                return .failure(request.id, code: "invalid-request", "missing \"line\" or \"high\"")
            }
            do {
                try kernel.setInput(name, high: high)
                return .success(request.id)
            } catch {
                return .failure(request.id, code: "not-found", "\(error)")
            }
        }
        guard let (chip, offset) = resolve(request) else { return unknownLine(request) }
        guard let high = request.high else { return .failure(request.id, code: "invalid-request", "missing \"high\"") }
        chip.setInputLevel(offset, high: high)
        return .success(request.id)
    }

    private func getOutput(_ request: RigMessage) -> RigMessage {
        if let kernel = rig.kernelLines {
            guard let name = request.line else {
                return .failure(request.id, code: "invalid-request", "missing \"line\"")
            }
            do {
                let high = try kernel.outputLevel(name)
                return .success(request.id).with { $0.high = high }
            } catch {
                return .failure(request.id, code: "not-found", "\(error)")
            }
        }
        guard let (chip, offset) = resolve(request) else { return unknownLine(request) }
        guard let high = chip.outputLevel(offset) else {
            return .failure(request.id, code: "not-found", "\(request.line ?? "") is not driven as an output")
        }
        let changedAt = chip.outputHistory(offset).last?.timestampNanoseconds
        return .success(request.id).with {
            $0.high = high
            $0.timestampNs = changedAt
            $0.consumer = chip.consumer(offset)
        }
    }

    private func device(_ request: RigMessage) -> VirtualRig.Device? {
        rig.devices.first { $0.bus == request.bus && Int($0.address.rawValue) == request.address }
    }

    /// The next `count` operations (read, write) on a simulated line fail with an I/O error, as a driver stage that
    /// lost its supply or a cut feedback wire shows to the daemon.
    private func gpioFault(_ request: RigMessage) -> RigMessage {
        guard rig.kernelLines == nil else {
            return .failure(request.id, code: "unsupported", "gpio.fault needs the simulated board, not gpio-sim")
        }
        guard let (chip, offset) = resolve(request) else { return unknownLine(request) }
        guard request.fault == nil || request.fault == "io" else {
            return .failure(request.id, code: "invalid-request", "fault must be \"io\"")
        }
        chip.injectFault(.io, at: offset, count: request.count ?? 1)
        return .success(request.id)
    }

    private func i2cFault(_ request: RigMessage) -> RigMessage {
        guard let bus = request.bus.flatMap({ rig.i2cBuses[$0] }), let raw = request.address,
            let byte = UInt8(exactly: raw), let address = I2CAddress(rawValue: byte)
        else { return .failure(request.id, code: "not-found", "no such bus or address") }
        let fault: SimulatedI2CFault
        switch request.fault {
        case "nack": fault = .nack
        case "bus-error": fault = .busError
        default: return .failure(request.id, code: "invalid-request", "fault must be \"nack\" or \"bus-error\"")
        }
        bus.injectFault(fault, at: address, count: request.count ?? 1)
        return .success(request.id)
    }

    private func plug(_ request: RigMessage) -> RigMessage {
        guard let device = device(request), let bus = rig.i2cBuses[device.bus] else {
            return .failure(
                request.id, code: "not-found", "no rig device on \(request.bus ?? "?") at \(request.address ?? -1)")
        }
        if request.op == "i2c.unplug" {
            bus.detach(at: device.address)
        } else {
            bus.attach(device.chip, at: device.address)
        }
        return .success(request.id)
    }
}
