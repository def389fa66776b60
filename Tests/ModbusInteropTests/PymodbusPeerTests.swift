import CurbsideTestKit
import Foundation
import HAL
import HALLinux
import HALSim
import Testing

/// Our libmodbus client against pymodbus, an independent implementation, over TCP and over RTU on a socat pty pair.
@Suite("Modbus client vs pymodbus", .serialized)
struct PymodbusPeerTests {
    /// The same conversation on both transports: every function code, typed exceptions, decoded 32-bit values.
    static func exercise(_ client: LinuxModbusClient) async throws {
        let timeout: Duration? = .seconds(10)  // a bound for a loaded machine; every request here is answered
        #expect(
            try await client.readHoldingRegisters(unit: 1, address: 0, count: 4, timeout: timeout) == [
                100, 101, 102, 103,
            ])
        #expect(try await client.readHoldingRegisters(unit: 2, address: 10, count: 2, timeout: timeout) == [210, 211])
        #expect(
            try await client.readCoils(unit: 1, address: 0, count: 7, timeout: timeout)
                == [true, false, false, true, false, false, true])
        #expect(
            try await client.readDiscreteInputs(unit: 1, address: 0, count: 4, timeout: timeout)
                == [false, true, false, true])

        let inputs = try await client.readInputRegisters(unit: 1, address: 0, count: 6, timeout: timeout)
        #expect(inputs == [0x4148, 0x0000, 0x0000, 0x4148, 0x1234, 0x5678])
        #expect(ModbusWordOrder.bigEndian.float32(inputs[0], inputs[1]) == 12.5)
        #expect(ModbusWordOrder.wordSwapped.float32(inputs[2], inputs[3]) == 12.5)
        #expect(ModbusWordOrder.bigEndian.uint32(inputs[4], inputs[5]) == 0x1234_5678)

        try await client.writeSingleRegister(unit: 1, address: 20, value: 0xBEEF, timeout: timeout)
        try await client.writeMultipleRegisters(unit: 1, address: 21, values: [1, 2, 3], timeout: timeout)
        #expect(
            try await client.readHoldingRegisters(unit: 1, address: 20, count: 4, timeout: timeout)
                == [0xBEEF, 1, 2, 3])
        // Unit 2's registers are its own.
        #expect(try await client.readHoldingRegisters(unit: 2, address: 20, count: 1, timeout: timeout) == [220])

        try await client.writeSingleCoil(unit: 1, address: 1, value: true, timeout: timeout)
        try await client.writeMultipleCoils(unit: 1, address: 8, values: [true, true, false, true], timeout: timeout)
        #expect(try await client.readCoils(unit: 1, address: 1, count: 1, timeout: timeout) == [true])
        #expect(
            try await client.readCoils(unit: 1, address: 8, count: 4, timeout: timeout) == [true, true, false, true])

        // pymodbus holds 64 entries per table: address 64 is past the end.
        let error = await #expect(throws: ModbusError.self) {
            _ = try await client.readHoldingRegisters(unit: 1, address: 64, count: 1, timeout: timeout)
        }
        #expect(error?.code == .exception(.illegalDataAddress))
        #expect(
            error?.description.contains("unit 1 read holding registers 64+1: exception 2 (illegal data address)")
                == true)
        // The connection or line is still good afterwards.
        #expect(try await client.readHoldingRegisters(unit: 1, address: 63, count: 1, timeout: timeout) == [163])
    }

    @Test("TCP: reads, writes, 32-bit decoding and exceptions against pymodbus")
    func tcp() async throws {
        let (peer, port) = try await Peers.pymodbusTCP()
        defer { peer.signal(SIGKILL) }
        let client = try LinuxModbusClient.tcp(ModbusTCPConfiguration(host: "127.0.0.1", port: port))
        try await Peers.waitUntilAnswering(client, peer: peer)
        try await Self.exercise(client)
        #expect(client.endpoint == "tcp:127.0.0.1:\(port)")
    }

    @Test("pymodbus on a port already taken ends with the reason instead of serving nothing")
    func takenPort() async throws {
        let taken = try ModbusTCPServer(port: 0, handler: SimulatedModbusLine())
        defer { taken.stop() }
        let peer = try Peers.pymodbus(["tcp", "\(taken.port)"])
        defer { peer.signal(SIGKILL) }
        let status = await peer.wait(timeout: .seconds(60))
        #expect(status == 1, "\(peer.output)")
        #expect(peer.output.contains("address already in use"), "\(peer.output)")
        #expect(peer.output.contains("cannot listen on 127.0.0.1:\(taken.port)"), "\(peer.output)")
    }

    @Test("RTU on a socat pty pair: reads, writes, 32-bit decoding and exceptions against pymodbus")
    func rtu() async throws {
        let line = try await PseudoTerminalPair()
        // pyserial cannot set parity on a pty (tcsetattr EINVAL), so this line runs 8N1.
        let peer = try Peers.pymodbus(["rtu", line.second, "19200", "N"])
        let client = try LinuxModbusClient.rtu(
            ModbusRTUConfiguration(device: line.first, baudRate: 19_200, parity: .none))
        try await Peers.waitUntilAnswering(client, peer: peer)
        try await Self.exercise(client)
        peer.signal(SIGKILL)
        await client.close()
        await line.close()
    }
}
