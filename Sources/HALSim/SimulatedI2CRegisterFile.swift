public import HAL
import Locking

/// A generic chip with 256 byte registers and an auto-incrementing register pointer, like the kernel's i2c-stub:
/// the first byte of a write sets the pointer, further bytes are stored at consecutive registers, reads return
/// consecutive registers from the pointer. Backend-neutral tests use it where Linux uses i2c-stub.
public final class SimulatedI2CRegisterFile: SimulatedI2CChip {
    private let state: Lock<(registers: [UInt8], pointer: UInt8)>

    /// - Parameter registers: initial contents; missing registers start at 0x00.
    public init(registers: [UInt8: UInt8] = [:]) {
        var bytes = [UInt8](repeating: 0, count: 256)
        for (register, value) in registers { bytes[Int(register)] = value }
        self.state = Lock((bytes, 0))
    }

    /// The value of one register, for assertions.
    public subscript(register: UInt8) -> UInt8 {
        get { state.withLock { $0.registers[Int(register)] } }
        set { state.withLock { $0.registers[Int(register)] = newValue } }
    }

    /// The first byte sets the register pointer; further bytes are stored at consecutive registers.
    public func received(_ bytes: [UInt8]) throws(SimulatedI2CFault) {
        state.withLock { state in
            guard let first = bytes.first else { return }
            state.pointer = first
            for byte in bytes.dropFirst() {
                state.registers[Int(state.pointer)] = byte
                state.pointer &+= 1
            }
        }
    }

    /// Consecutive registers from the pointer, wrapping from 0xFF to 0x00.
    public func transmit(count: Int) throws(SimulatedI2CFault) -> [UInt8] {
        state.withLock { state in
            (0..<count).map { _ in
                defer { state.pointer &+= 1 }
                return state.registers[Int(state.pointer)]
            }
        }
    }
}
