import BoardSupport
import DaemonComposition
import FoundationEssentials
public import HAL

/// The wiring helpers behind `curbctl gpio|i2c|modbus`: the board's parts by the names a configuration gives them
/// (`relay`, `climate`, `meter`) or by board line name, on the configuration's backend (the board's character
/// devices, or the rig). Run them with the daemon stopped: they request the same lines and talk to the same chips.
public struct Wiring: Sendable {
    public let file: ConfigFile
    let hardware: DeviceHardware
    static let consumer = "curbctl"

    public init(configFile: String) throws {
        file = try ConfigFile(path: configFile)
        hardware = try DeviceHardware.open(file.agent)
    }

    /// A GPIO line by configured part name or board line name; `safe` is the output's safe level when the
    /// configuration gives it.
    func line(_ name: String) throws(WiringError) -> (line: String, path: String, part: ConfiguredPart?) {
        if let part = file.part(named: name), let line = part.line { return (line, part.configPath, part) }
        if let part = file.part(named: name) {
            throw WiringError("\(name) is not a GPIO line (\(part.configPath))")
        }
        guard hardware.board.gpioLineNames.contains(name) else {
            let known = file.parts.compactMap { $0.line == nil ? nil : $0.name }
            throw WiringError(
                "\(name) is neither a configured line (\(known.joined(separator: ", "))) nor a line of board "
                    + "\(hardware.board.id)")
        }
        return (name, "curbctl gpio \(name)", nil)
    }

    /// Reads an input line once.
    public func readInput(_ name: String) async throws -> GPIOValue {
        let (line, path, part) = try line(name)
        if case .output = part?.kind {
            throw WiringError("\(name) is an output (\(path)); `curbctl gpio pulse \(name)` drives it")
        }
        var activeLow = false
        if case .input(_, let low) = part?.kind { activeLow = low }
        let input = try await hardware.input(
            line, usedAt: path, GPIOInputConfiguration(consumer: Self.consumer, activeLow: activeLow))
        do {
            let value = try await input.read()
            await input.release()
            return value
        } catch {
            await input.release()
            throw error
        }
    }

    /// Drives an output away from its safe level for `duration`, then back; the safe level is the configuration's
    /// (crosswalkd's and streetlightd's safe states), `inactive` for a line the configuration does not use.
    ///
    /// - Returns: the levels read back during and after the pulse.
    public func pulse(_ name: String, for duration: Duration) async throws -> (during: GPIOValue, after: GPIOValue) {
        let (line, path, part) = try line(name)
        var safe = GPIOValue.inactive
        var activeLow = false
        switch part?.kind {
        case .output(_, let low, let level):
            safe = level
            activeLow = low
        case .input:
            throw WiringError("\(name) is an input (\(path)); `curbctl gpio read \(name)` reads it")
        default: break
        }
        let output = try await hardware.output(
            line, usedAt: path,
            GPIOOutputConfiguration(consumer: Self.consumer, activeLow: activeLow, initialValue: safe))
        do {
            try await output.write(safe.toggled)
            let during = try await output.read()
            try await Task.sleep(for: duration)
            try await output.write(safe)
            let after = try await output.read()
            await output.release()
            return (during, after)
        } catch {
            // Whatever failed, the line goes back to its safe level before it is let go.
            try? await output.write(safe)
            await output.release()
            throw error
        }
    }

    /// A configured chip (`climate`) or a bus and address.
    func chipDevice(_ nameOrBus: String, address: I2CAddress?) async throws -> (device: any I2CDevice, chip: String?) {
        if let address {
            let bus = try await hardware.i2cBus(nameOrBus, usedAt: "curbctl i2c \(nameOrBus)")
            return (try await bus.device(at: address), nil)
        }
        guard let part = file.part(named: nameOrBus), case .chip(let busName, let address, let chip) = part.kind else {
            let chips = file.parts.compactMap { part -> String? in
                if case .chip = part.kind { return part.name }
                return nil
            }
            throw WiringError(
                "\(nameOrBus) is not a configured chip (\(chips.joined(separator: ", "))); give a bus and an address "
                    + "instead")
        }
        let bus = try await hardware.i2cBus(busName, usedAt: part.configPath)
        return (try await bus.device(at: address), chip)
    }

    /// Byte registers `range` of a chip, one read each; a register that fails to read is nil (and the error kept).
    public func dump(_ nameOrBus: String, address: I2CAddress? = nil, registers range: ClosedRange<UInt8> = 0...0xFF)
        async throws -> RegisterDump
    {
        let (device, chip) = try await chipDevice(nameOrBus, address: address)
        if chip == "SPS30" {
            throw WiringError("the SPS30 speaks 16-bit commands, not byte registers; `curbctl check` probes it")
        }
        var dump = RegisterDump(bus: device.bus, address: device.address.rawValue, chip: chip, first: range.lowerBound)
        for register in range {
            do {
                dump.values.append(try await device.writeRead([register], readCount: 1)[0])
            } catch {
                dump.values.append(nil)
                if dump.firstError == nil { dump.firstError = "\(error)" }
            }
        }
        return dump
    }

    /// Registers of a configured Modbus device: holding (function 03) or input (function 04).
    public func readRegisters(_ name: String, register: UInt16, count: Int, input: Bool) async throws -> [UInt16] {
        guard let part = file.part(named: name), case .modbus(let settings) = part.kind else {
            let devices = file.parts.compactMap { part -> String? in
                if case .modbus = part.kind { return part.name }
                return nil
            }
            throw WiringError("\(name) is not a configured Modbus device (\(devices.joined(separator: ", ")))")
        }
        let device = try await hardware.modbus(settings, usedAt: part.configPath)
        let address = RegisterAddress(rawValue: register)
        return input
            ? try await device.client.readInputRegisters(
                unit: device.unit, address: address, count: count, timeout: device.timeout)
            : try await device.client.readHoldingRegisters(
                unit: device.unit, address: address, count: count, timeout: device.timeout)
    }
}

/// A byte-register dump, printed like `i2cdump` (`XX` where a read failed).
public struct RegisterDump: Sendable, Hashable, Codable {
    public var bus: String
    public var address: UInt8
    public var chip: String?
    public var first: UInt8
    public var values: [UInt8?] = []
    public var firstError: String?

    public func table() -> String {
        var lines = [
            "\(bus)@\(hex(address))\(chip.map { " \($0)" } ?? "")",
            "    " + (0..<16).map { " \(String($0, radix: 16)) " }.joined(),
        ]
        let start = Int(first) & ~0xF
        for row in stride(from: start, to: Int(first) + values.count, by: 16) {
            var line = String(hex(UInt8(row)).dropFirst(2)).lowercased() + ":  "
            for column in 0..<16 {
                let index = row + column - Int(first)
                if index < 0 || index >= values.count {
                    line += "   "
                } else if let value = values[index] {
                    line += String(hex(value).dropFirst(2)).lowercased() + " "
                } else {
                    line += "XX "
                }
            }
            lines.append(line)
        }
        if let firstError { lines.append("first failed read: \(firstError)") }
        return lines.joined(separator: "\n")
    }
}

/// A wiring command that cannot do what was asked, and why.
public struct WiringError: Error, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}
