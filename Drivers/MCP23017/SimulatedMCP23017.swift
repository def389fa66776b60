public import HAL
import Locking

/// A register-level model of the MCP23017 for `SimulatedI2CBus` (datasheet DS20001952C).
///
/// Modelled: the 22 registers with their reset values (IOCON once, at 0x0A and 0x0B); the address pointer with
/// sequential mode (increments, rolls over after 0x15) and byte mode (SEQOP = 1, toggles within the A/B pair);
/// pin levels from IODIR, OLAT, external drive and pull-ups; IPOL on input pins; interrupt-on-change against the
/// previous value or DEFVAL, INTF and INTCAP latched by the first event and cleared by reading GPIO or INTCAP of that
/// port (re-asserting at once while a DEFVAL mismatch persists); the INTA/INTB pins with MIRROR, ODR and INTPOL.
/// See README.md for what is not modelled.
public final class SimulatedMCP23017: SimulatedI2CChip {
    public typealias Port = MCP23017.Port
    public typealias Register = MCP23017.Register

    private struct State {
        var registers = [UInt8](repeating: 0, count: MCP23017.registerCount)
        var pointer: UInt8 = 0
        /// External drive per port and pin; nil = not driven.
        var external: [[Bool?]] = Array(repeating: Array(repeating: nil, count: 8), count: 2)
        /// GPIO value at the last evaluation, the reference for interrupt-on-change.
        var previous: [UInt8] = [0, 0]
        var interruptHandler: (@Sendable (Port, Bool) -> Void)?

        init() {
            registers[Int(Register.iodir.address(port: .a))] = MCP23017.iodirResetValue
            registers[Int(Register.iodir.address(port: .b))] = MCP23017.iodirResetValue
            previous = [gpio(.a), gpio(.b)]
        }

        func register(_ register: Register, _ port: Port) -> UInt8 {
            registers[Int(register.address(port: port))]
        }

        var iocon: MCP23017.IOCON { MCP23017.IOCON(rawValue: registers[Int(Register.iocon.rawValue)]) }

        /// The electrical level of a pin: the latch for outputs; the external drive, else the pull-up, else low
        /// (a floating input is undefined on the part; the model reads it as low).
        func pinLevel(_ port: Port, _ pin: Int) -> Bool {
            let mask: UInt8 = 1 << UInt8(pin)
            if register(.iodir, port) & mask == 0 { return register(.olat, port) & mask != 0 }
            if let driven = external[Int(port.rawValue)][pin] { return driven }
            return register(.gppu, port) & mask != 0
        }

        /// GPIO as read: pin levels, inverted by IPOL on input pins.
        func gpio(_ port: Port) -> UInt8 {
            var value: UInt8 = 0
            for pin in 0..<8 where pinLevel(port, pin) { value |= 1 << UInt8(pin) }
            return value ^ (register(.ipol, port) & register(.iodir, port))
        }

        /// Latches a new interrupt if none is pending on the port (datasheet 3.6: only the first event is captured
        /// until the interrupt is cleared).
        mutating func evaluateInterrupts() {
            for port in Port.allCases {
                let now = gpio(port)
                let enabled = register(.gpinten, port)
                let againstDefault = register(.intcon, port)
                let changed = (now ^ previous[Int(port.rawValue)]) & enabled & ~againstDefault
                let differs = (now ^ register(.defval, port)) & enabled & againstDefault
                previous[Int(port.rawValue)] = now
                guard register(.intf, port) == 0, changed | differs != 0 else { continue }
                registers[Int(Register.intf.address(port: port))] = changed | differs
                registers[Int(Register.intcap.address(port: port))] = now
            }
        }

        mutating func clearInterrupt(_ port: Port) {
            registers[Int(Register.intf.address(port: port))] = 0
        }

        /// The level of INTA or INTB (true = high).
        func interruptLine(_ port: Port) -> Bool {
            var active = register(.intf, port) != 0
            if iocon.contains(.mirror) { active = register(.intf, .a) != 0 || register(.intf, .b) != 0 }
            // Open drain: released (pulled high by the board) or pulling low.
            if iocon.contains(.openDrain) { return !active }
            return active == iocon.contains(.interruptActiveHigh)
        }

        var lines: [Bool] { [interruptLine(.a), interruptLine(.b)] }

        mutating func advancePointer() {
            if iocon.contains(.sequentialOperationDisabled) {
                // Byte mode with BANK = 0 toggles within the A/B pair (datasheet 3.2.1).
                pointer ^= 1
            } else {
                pointer = (pointer + 1) % UInt8(MCP23017.registerCount)
            }
        }

        mutating func write(_ value: UInt8, at address: UInt8) {
            let port: Port = address & 1 == 0 ? .a : .b
            switch address & ~1 {
            case Register.iocon.rawValue:
                // One register at both addresses; bit 0 is unimplemented.
                let stored = value & MCP23017.IOCON.implementedMask
                registers[Int(Register.iocon.rawValue)] = stored
                registers[Int(Register.iocon.rawValue) + 1] = stored
            case Register.intf.rawValue, Register.intcap.rawValue:
                break  // read-only
            case Register.gpio.rawValue:
                // Writing GPIO writes OLAT.
                registers[Int(Register.olat.address(port: port))] = value
            default:
                registers[Int(address)] = value
            }
        }

        mutating func read(at address: UInt8) -> UInt8 {
            let port: Port = address & 1 == 0 ? .a : .b
            switch address & ~1 {
            case Register.gpio.rawValue:
                let value = gpio(port)
                clearInterrupt(port)
                return value
            case Register.intcap.rawValue:
                let value = registers[Int(address)]
                clearInterrupt(port)
                return value
            default:
                return registers[Int(address)]
            }
        }
    }

    private let state = Lock(State())

    public init() {}

    // MARK: Test hooks

    /// Drives a pin from outside (`true` high, `false` low) or releases it (`nil`); an output pin ignores it.
    public func setInput(port: Port, pin: Int, level: Bool?) {
        precondition((0...7).contains(pin), "MCP23017 pins are numbered 0…7 per port")
        mutate { $0.external[Int(port.rawValue)][pin] = level }
    }

    /// The level the chip drives on an output pin (from OLAT), or nil when the pin is an input.
    public func outputLevel(port: Port, pin: Int) -> Bool? {
        state.withLock { state in
            let mask: UInt8 = 1 << UInt8(pin)
            guard state.register(.iodir, port) & mask == 0 else { return nil }
            return state.register(.olat, port) & mask != 0
        }
    }

    /// The electrical level of any pin (output latch, external drive, pull-up, or low when floating).
    public func pinLevel(port: Port, pin: Int) -> Bool {
        state.withLock { $0.pinLevel(port, pin) }
    }

    /// The level of INTA (`.a`) or INTB (`.b`), true = high, with MIRROR, ODR (released = high through the board's
    /// pull-up) and INTPOL applied.
    public func interruptLine(port: Port) -> Bool {
        state.withLock { $0.interruptLine(port) }
    }

    /// Calls `handler` with the port and new level whenever INTA or INTB changes level, so a rig can wire the pin
    /// to a GPIO line. Called outside the chip's lock, possibly during a bus transfer.
    public func onInterruptLineChange(_ handler: (@Sendable (Port, Bool) -> Void)?) {
        state.withLock { $0.interruptHandler = handler }
    }

    /// A register's value without the side effects of a bus read.
    public func registerValue(_ register: Register, port: Port) -> UInt8 {
        state.withLock { $0.register(register, port) }
    }

    /// The internal address pointer.
    public var addressPointer: UInt8 { state.withLock { $0.pointer } }

    // MARK: SimulatedI2CChip

    /// A write message: the register address, then data bytes written at the advancing pointer.
    public func received(_ bytes: [UInt8]) throws(SimulatedI2CFault) {
        guard let address = bytes.first else { return }
        guard Int(address) < MCP23017.registerCount else { throw .nack }
        mutate { state in
            state.pointer = address
            for value in bytes.dropFirst() {
                state.write(value, at: state.pointer)
                state.advancePointer()
            }
        }
    }

    /// A read message: bytes from the advancing pointer.
    public func transmit(count: Int) throws(SimulatedI2CFault) -> [UInt8] {
        mutate { state in
            (0..<count).map { _ in
                let value = state.read(at: state.pointer)
                // A cleared interrupt re-asserts at once while a DEFVAL mismatch persists.
                state.evaluateInterrupts()
                state.advancePointer()
                return value
            }
        }
    }

    /// Runs a state change, re-evaluates the interrupt logic and reports INT line changes outside the lock.
    private func mutate<T: Sendable>(_ body: (inout State) -> T) -> T {
        let (result, changes, handler) = state.withLock { state in
            let before = state.lines
            let result = body(&state)
            state.evaluateInterrupts()
            let after = state.lines
            let changes = Port.allCases.filter { before[Int($0.rawValue)] != after[Int($0.rawValue)] }
                .map { ($0, after[Int($0.rawValue)]) }
            return (result, changes, state.interruptHandler)
        }
        if let handler { for (port, level) in changes { handler(port, level) } }
        return result
    }
}
