public import AgentRuntime
import HAL
public import ModbusBridgeLogic

/// Why a write was not done, or not done as asked.
public struct PointWriteFailure: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Reason: String, Sendable {
        /// No such point, or not writable.
        case unknownPoint = "unknown-point"
        case notWritable = "not-writable"
        /// The value is outside the point's range or does not fit its type.
        case outOfRange = "out-of-range"
        /// The device refused or did not answer.
        case device = "device-error"
        /// The device took the write but reads back something else.
        case readBack = "read-back-mismatch"
    }

    public var reason: Reason
    public var message: String
    public var description: String { "\(reason.rawValue): \(message)" }
}

extension PolledDevice {
    /// Writes `value` to point `pointName` (function 05 for a coil, 06 for one holding register, 16 for several),
    /// after the map's range checks, then reads the point back and returns what the device holds.
    public func write(_ pointName: String, _ value: WriteValue) async throws(PointWriteFailure) -> JSONValue {
        guard let point = map.point(named: pointName) else {
            throw PointWriteFailure(reason: .unknownPoint, message: "\(name) has no point \(pointName)")
        }
        guard point.writable else {
            throw PointWriteFailure(reason: .notWritable, message: "\(name).\(pointName) is not writable in its map")
        }
        if case .number(let number) = value {
            if let minimum = point.minimum, number < minimum {
                throw PointWriteFailure(
                    reason: .outOfRange, message: "\(pointName): \(number) is below min \(minimum)")
            }
            if let maximum = point.maximum, number > maximum {
                throw PointWriteFailure(
                    reason: .outOfRange, message: "\(pointName): \(number) is above max \(maximum)")
            }
        }
        let codec = point.codec(defaults: map.orders)
        let address = RegisterAddress(UInt16(point.address))
        do {
            if point.register == .coil {
                let bit = try codec.encodeBit(value)
                try await client.writeSingleCoil(unit: unit, address: address, value: bit, timeout: timeout)
                let back = try await client.readCoils(unit: unit, address: address, count: 1, timeout: timeout)
                guard back == [bit] else {
                    throw PointWriteFailure(reason: .readBack, message: "\(pointName): wrote \(bit), reads \(back[0])")
                }
                return .bool(back[0])
            }
            let registers = try codec.encode(value)
            if registers.count == 1 {
                try await client.writeSingleRegister(
                    unit: unit, address: address, value: registers[0], timeout: timeout)
            } else {
                try await client.writeMultipleRegisters(
                    unit: unit, address: address, values: registers, timeout: timeout)
            }
            let back = try await client.readHoldingRegisters(
                unit: unit, address: address, count: registers.count, timeout: timeout)
            let readBack = Self.json(codec.decode(registers: back[...]))
            guard back == registers else {
                throw PointWriteFailure(
                    reason: .readBack,
                    message:
                        "\(pointName): wrote \(Self.json(codec.decode(registers: registers[...]))), reads \(readBack)")
            }
            return readBack
        } catch let error as PointWriteError {
            throw PointWriteFailure(reason: .outOfRange, message: "\(pointName): \(error)")
        } catch let error as ModbusError {
            throw PointWriteFailure(reason: .device, message: "\(error)")
        } catch let error as PointWriteFailure {
            throw error
        } catch {
            throw PointWriteFailure(reason: .device, message: "\(error)")
        }
    }
}
