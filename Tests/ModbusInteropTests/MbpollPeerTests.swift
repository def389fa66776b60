import CurbsideTestKit
import Foundation
import HAL
import HALLinux
import HALSim
import Testing

/// Our Modbus servers (what simulated devices speak) against mbpoll, an independent master, over TCP and RTU.
@Suite("Modbus servers vs mbpoll", .serialized)
struct MbpollPeerTests {
    /// A meter-like unit: holding registers 0…9 read 500+i, input registers 0…3 hold two big-endian floats,
    /// ten coils, four discrete inputs.
    static func meter() -> SimulatedModbusDevice {
        let device = SimulatedModbusDevice()
        device.define(.holdingRegisters, at: 0, registers: (0..<10).map { 500 + $0 })
        device.define(
            .inputRegisters, at: 0,
            registers: ModbusWordOrder.bigEndian.registers(Float(230.5))
                + ModbusWordOrder.bigEndian.registers(Float(-1.25)))
        device.define(.coils, at: 0, bits: Array(repeating: false, count: 10))
        device.define(.discreteInputs, at: 0, bits: [true, false, true, true])
        return device
    }

    /// The same conversation on both transports; `connection` is mbpoll's transport arguments.
    static func exercise(connection: [String], device: SimulatedModbusDevice, unit: Int) async throws {
        let common = ["-a", "\(unit)", "-0", "-o", "2"]
        let holding = try await Peers.mbpoll(common + ["-t", "4", "-r", "2", "-c", "3"] + connection)
        #expect(holding.values == [2: "502", 3: "503", 4: "504"], "\(holding.output)")

        let floats = try await Peers.mbpoll(common + ["-t", "3:float", "-B", "-r", "0", "-c", "2"] + connection)
        #expect(floats.values == [0: "230.5", 2: "-1.25"], "\(floats.output)")

        let inputs = try await Peers.mbpoll(common + ["-t", "1", "-r", "0", "-c", "4"] + connection)
        #expect(inputs.values == [0: "1", 1: "0", 2: "1", 3: "1"], "\(inputs.output)")

        _ = try await Peers.mbpoll(common + ["-t", "4", "-r", "7"] + connection + ["4242", "17"])
        #expect(device.registers(.holdingRegisters, at: 7, count: 2) == [4242, 17])

        _ = try await Peers.mbpoll(common + ["-t", "0", "-r", "3"] + connection + ["1", "0", "1"])
        #expect(device.bits(.coils, at: 3, count: 3) == [true, false, true])

        // An address the device does not define: mbpoll reports the exception by name.
        let result = try await ToolRun.run(
            "mbpoll", common + ["-t", "4", "-r", "40", "-1"] + connection, timeout: .seconds(20))
        #expect(result.output.contains("Illegal data address"), "\(result.output)")
    }

    @Test("TCP server: mbpoll reads registers, floats and inputs, writes registers and coils, sees exceptions")
    func tcp() async throws {
        let line = SimulatedModbusLine()
        let device = Self.meter()
        line.attach(device, as: 17)
        let server = try ModbusTCPServer(port: 0, handler: line)
        defer { server.stop() }
        try await Self.exercise(
            connection: ["-m", "tcp", "-p", "\(server.port)", "127.0.0.1"], device: device, unit: 17)
        // Every request reached the line, addressed to unit 17.
        #expect(line.log.count >= 6)
        #expect(line.log.allSatisfy { $0.unit == 17 })
    }

    @Test("RTU server on a socat pty pair: the same conversation with mbpoll at 19200 8E1")
    func rtu() async throws {
        let pair = try await PseudoTerminalPair()
        let line = SimulatedModbusLine()
        let device = Self.meter()
        line.attach(device, as: 5)
        // A second unit on the line must stay silent when unit 5 is addressed.
        let other = SimulatedModbusDevice()
        other.define(.holdingRegisters, at: 0, registers: Array(repeating: 9, count: 10))
        line.attach(other, as: 6)
        let server = try ModbusRTUServer(
            ModbusRTUConfiguration(device: pair.second, baudRate: 19_200, parity: .even), handler: line)
        try await Self.exercise(
            connection: ["-m", "rtu", "-b", "19200", "-P", "even", pair.first], device: device, unit: 5)
        #expect(other.requestCount == 0)
        let statistics = server.statistics
        #expect(statistics.crcErrors == 0)
        #expect(statistics.framingErrors == 0)
        #expect(statistics.frames == line.log.count)
        server.stop()
        await pair.close()
    }
}
