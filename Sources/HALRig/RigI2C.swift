public import HAL
import RigProtocol

/// An I²C bus of the virtual rig, reached over the rig socket: the daemon's `sim` backend for I²C.
public struct RigI2CBus: I2CBus {
    public let name: String
    let connection: RigConnection

    init(connection: RigConnection, name: String) {
        self.connection = connection
        self.name = name
    }

    public func device(at address: I2CAddress) async throws(I2CError) -> any I2CDevice {
        RigI2CDevice(connection: connection, bus: name, address: address)
    }
}

struct RigI2CDevice: I2CDevice {
    let connection: RigConnection
    let bus: String
    let address: I2CAddress

    private func transfer(_ op: String, _ operation: String, bytes: [UInt8]? = nil, count: Int? = nil)
        async throws(I2CError) -> [UInt8]
    {
        var message = RigMessage(op: op)
        message.bus = bus
        message.address = Int(address.rawValue)
        message.bytes = bytes
        message.count = count
        let response = await connection.request(message)
        guard response.ok == true else {
            let code: I2CError.Code =
                switch response.code {
                case "nack": .nack
                case "invalid-request": .invalidArgument
                case "connection": .busUnavailable
                default: .busError
                }
            throw I2CError(code, bus: bus, address: address, operation: operation, detail: response.error)
        }
        return response.bytes ?? []
    }

    func write(_ bytes: [UInt8]) async throws(I2CError) {
        _ = try await transfer("i2c.write", "write \(bytes.count) bytes", bytes: bytes)
    }

    func read(count: Int) async throws(I2CError) -> [UInt8] {
        try await transfer("i2c.read", "read \(count) bytes", count: count)
    }

    func writeRead(_ bytes: [UInt8], readCount: Int) async throws(I2CError) -> [UInt8] {
        let register = bytes.first.map(hex) ?? "-"
        return try await transfer(
            "i2c.write-read", "write-read \(register) \(readCount) bytes", bytes: bytes, count: readCount)
    }
}
