import CurbsideTestKit
import Foundation
import HAL
import HALLinux
import HALSim
import Testing

/// How the client fails, and that it recovers: silent devices, CRC errors, garbage, lost connections.
@Suite("Modbus failures", .serialized)
struct ModbusFailureTests {
    static func device(values: [UInt16] = [1, 2, 3, 4]) -> SimulatedModbusDevice {
        let device = SimulatedModbusDevice()
        device.define(.holdingRegisters, at: 0, registers: values)
        return device
    }

    /// An RTU line with `line`'s units behind a socat pty pair, and our client on the other end.
    static func withRTULine(
        _ line: SimulatedModbusLine, responseTimeout: Duration = .milliseconds(300),
        _ body: (LinuxModbusClient, ModbusRTUServer) async throws -> Void
    ) async throws {
        let pair = try await PseudoTerminalPair()
        let server = try ModbusRTUServer(ModbusRTUConfiguration(device: pair.second, baudRate: 38_400), handler: line)
        let client = try LinuxModbusClient.rtu(
            ModbusRTUConfiguration(device: pair.first, baudRate: 38_400, responseTimeout: responseTimeout))
        do {
            try await body(client, server)
        } catch {
            server.stop()
            await pair.close()
            throw error
        }
        await client.close()
        server.stop()
        await pair.close()
    }

    @Test(
        "a silent RTU unit gives a timeout error after its configured timeout; the line keeps working",
        .timeLimit(.minutes(1)))
    func silentRTUUnit() async throws {
        let line = SimulatedModbusLine()
        line.attach(Self.device(), as: 1)
        try await Self.withRTULine(line) { (client, _) async throws in
            let clock = ContinuousClock()
            let start = clock.now
            let error = await #expect(throws: ModbusError.self) {
                _ = try await client.readHoldingRegisters(unit: 9, address: 0, count: 2, timeout: .milliseconds(250))
            }
            let elapsed = clock.now - start
            #expect(error?.code == .timeout)
            #expect(error?.unit == 9)
            #expect(error?.description.contains("no answer within 250 ms") == true, "\(String(describing: error))")
            // It waited for the timeout (not less). No upper bound: a loaded machine may take any time, and the time
            // limit above catches a hang.
            #expect(elapsed >= .milliseconds(240))
            #expect(try await client.readHoldingRegisters(unit: 1, address: 0, count: 2, timeout: nil) == [1, 2])
        }
    }

    @Test("a reply with a bad CRC is a CRC error, and the next request still works")
    func badCRC() async throws {
        let line = SimulatedModbusLine()
        let device = Self.device()
        line.attach(device, as: 1)
        try await Self.withRTULine(line) { (client, _) async throws in
            device.inject(.badChecksum, count: 1)
            let error = await #expect(throws: ModbusError.self) {
                _ = try await client.readHoldingRegisters(unit: 1, address: 0, count: 4, timeout: nil)
            }
            #expect(error?.code == .badCRC)
            #expect(error?.description.hasPrefix("rtu:") == true)
            #expect(try await client.readHoldingRegisters(unit: 1, address: 0, count: 4, timeout: nil) == [1, 2, 3, 4])
        }
    }

    @Test("garbage on the line instead of an answer fails that request only")
    func garbage() async throws {
        let line = SimulatedModbusLine()
        let device = Self.device()
        line.attach(device, as: 1)
        try await Self.withRTULine(line) { (client, _) async throws in
            // A well-formed-looking answer (unit 1, function 3, 2 bytes) whose CRC does not match, then noise.
            device.inject(.garbage([0x01, 0x03, 0x02, 0x12, 0x34, 0xAA, 0xBB, 0x5A, 0xFF, 0x00]), count: 1)
            let error = await #expect(throws: ModbusError.self) {
                _ = try await client.readHoldingRegisters(unit: 1, address: 0, count: 1, timeout: nil)
            }
            #expect(error?.code == .badCRC)
            // The trailing noise must not be read as the next answer.
            #expect(try await client.readHoldingRegisters(unit: 1, address: 1, count: 3, timeout: nil) == [2, 3, 4])
            #expect(try await client.readHoldingRegisters(unit: 1, address: 0, count: 1, timeout: nil) == [1])
        }
    }

    @Test("an answer that arrives after the timeout is not taken for the next request's answer")
    func lateAnswer() async throws {
        let line = SimulatedModbusLine()
        let device = Self.device()
        line.attach(device, as: 1)
        try await Self.withRTULine(line) { (client, _) async throws in
            device.inject(.delay(.milliseconds(400)), count: 1)
            let error = await #expect(throws: ModbusError.self) {
                _ = try await client.readHoldingRegisters(unit: 1, address: 0, count: 1, timeout: .milliseconds(150))
            }
            #expect(error?.code == .timeout)
            // Wait until the late answer ([1]) has been sent, then ask for something else.
            try await Task.sleep(for: .milliseconds(400))
            #expect(try await client.readHoldingRegisters(unit: 1, address: 2, count: 2, timeout: nil) == [3, 4])
        }
    }

    @Test("TCP: exception codes by name, a silent unit times out, a corrupted header and a dead server are typed")
    func tcpFailures() async throws {
        let line = SimulatedModbusLine()
        let device = Self.device()
        line.attach(device, as: 1)
        let server = try ModbusTCPServer(handler: line)
        let client = try LinuxModbusClient.tcp(
            ModbusTCPConfiguration(host: "127.0.0.1", port: server.port, responseTimeout: .milliseconds(300)))

        device.inject(.exception(.serverDeviceBusy), count: 1)
        let busy = await #expect(throws: ModbusError.self) {
            _ = try await client.readHoldingRegisters(unit: 1, address: 0, count: 1, timeout: nil)
        }
        #expect(busy?.code == .exception(.serverDeviceBusy))
        #expect(busy?.description.contains("exception 6 (server device busy)") == true)

        let silent = await #expect(throws: ModbusError.self) {
            _ = try await client.readHoldingRegisters(unit: 2, address: 0, count: 1, timeout: nil)
        }
        #expect(silent?.code == .timeout)

        device.inject(.badChecksum, count: 1)
        let corrupted = await #expect(throws: ModbusError.self) {
            _ = try await client.readHoldingRegisters(unit: 1, address: 0, count: 1, timeout: nil)
        }
        #expect(corrupted?.code == .invalidResponse)
        // Each failure above closed and reopened the connection; the server still answers.
        #expect(try await client.readHoldingRegisters(unit: 1, address: 0, count: 4, timeout: nil) == [1, 2, 3, 4])

        server.stop()
        let gone = await #expect(throws: ModbusError.self) {
            _ = try await client.readHoldingRegisters(unit: 1, address: 0, count: 1, timeout: nil)
        }
        #expect(gone?.code == .connection || gone?.code == .timeout, "\(String(describing: gone))")

        // A new server on the same port: the client reconnects by itself.
        let revived = try ModbusTCPServer(port: server.port, handler: line)
        defer { revived.stop() }
        #expect(try await client.readHoldingRegisters(unit: 1, address: 0, count: 2, timeout: nil) == [1, 2])
    }

    @Test("stop() called from several tasks at once ends the server once; every caller returns after it ended")
    func concurrentStop() async throws {
        let line = SimulatedModbusLine()
        line.attach(Self.device(), as: 1)
        let server = try ModbusTCPServer(handler: line)
        let client = try LinuxModbusClient.tcp(ModbusTCPConfiguration(host: "127.0.0.1", port: server.port))
        #expect(try await client.readHoldingRegisters(unit: 1, address: 0, count: 1, timeout: nil) == [1])
        // The servers are Sendable: two stop() calls may race. Each must find the thread joined or join it itself
        // (never both join it); `make sanitize`'s ThreadSanitizer run reports it if that state is not guarded.
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<8 { group.addTask { server.stop() } }
        }
        server.stop()
        // The thread ended and released its port: a new server binds it and answers a new client (the first one's
        // connection went with the old server).
        let revived = try ModbusTCPServer(port: server.port, handler: line)
        defer { revived.stop() }
        let fresh = try LinuxModbusClient.tcp(ModbusTCPConfiguration(host: "127.0.0.1", port: revived.port))
        #expect(try await fresh.readHoldingRegisters(unit: 1, address: 0, count: 2, timeout: nil) == [1, 2])
    }

    @Test("requests outside the protocol's limits are refused before anything is sent")
    func invalidArguments() async throws {
        let line = SimulatedModbusLine()
        line.attach(Self.device(), as: 1)
        let server = try ModbusTCPServer(handler: line)
        defer { server.stop() }
        let client = try LinuxModbusClient.tcp(ModbusTCPConfiguration(host: "127.0.0.1", port: server.port))
        let tooMany = await #expect(throws: ModbusError.self) {
            _ = try await client.readHoldingRegisters(unit: 1, address: 0, count: 126, timeout: nil)
        }
        #expect(tooMany?.code == .invalidArgument)
        let pastEnd = await #expect(throws: ModbusError.self) {
            _ = try await client.readHoldingRegisters(unit: 1, address: 65_535, count: 2, timeout: nil)
        }
        #expect(pastEnd?.code == .invalidArgument)
        let broadcastRead = await #expect(throws: ModbusError.self) {
            _ = try await client.readHoldingRegisters(unit: .broadcast, address: 0, count: 1, timeout: nil)
        }
        #expect(broadcastRead?.code == .invalidArgument)
        #expect(line.log.isEmpty)
    }

    @Test("a serial port that does not exist is a connection error naming the device")
    func missingPort() async throws {
        let client = try LinuxModbusClient.rtu(
            ModbusRTUConfiguration(device: "/dev/serial/by-id/usb-curbside-missing-if00-port0"))
        let error = await #expect(throws: ModbusError.self) {
            _ = try await client.readInputRegisters(unit: 1, address: 0, count: 2, timeout: nil)
        }
        #expect(error?.code == .connection)
        #expect(error?.description.contains("rtu:/dev/serial/by-id/usb-curbside-missing-if00-port0@9600") == true)
        #expect(error?.cause?.errno == ENOENT)
    }
}
