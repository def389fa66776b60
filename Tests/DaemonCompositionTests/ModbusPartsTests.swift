import AgentRuntime
import BoardSupport
import ConfigSupport
import CurbsideTestKit
import Foundation
import HAL
import HALLinux
import HALSim
import Testing
import Yams

@testable import DaemonComposition

/// Modbus devices as parts: by board serial port name (RTU, one client per port) or TCP address, through libmodbus
/// against servers on a pseudo-terminal and on loopback, with failed requests counted for health.
@Suite("Daemon composition: Modbus parts by board name", .serialized, .timeLimit(.minutes(1)))
struct ModbusPartsTests {
    /// The rig's board file with its `rs485-0` port moved to `device`, in a folder of its own.
    static func board(serialDevice: String) throws -> Board {
        let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Boards/sim.yaml")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "board-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let text = try String(contentsOf: source, encoding: .utf8)
            .replacingOccurrences(of: "/tmp/curb-rig/ttyRS485-0", with: serialDevice)
        let file = directory.appendingPathComponent("sim.yaml")
        try text.write(to: file, atomically: true, encoding: .utf8)
        return try Board.load(file: file.path)
    }

    static func settings(_ yaml: String) throws -> ModbusDeviceSettings {
        var reader = NodeReader()
        let node = try #require(try Yams.compose(yaml: yaml))
        let settings = ModbusDeviceSettings.read(&reader, node, at: JSONPath.root.appending("meter"))
        #expect(reader.issues.isEmpty, "\(reader.issues)")
        return try #require(settings)
    }

    static func meter(_ first: UInt16) -> SimulatedModbusDevice {
        let device = SimulatedModbusDevice()
        device.define(.holdingRegisters, at: 0, registers: [first, first + 1, first + 2])
        return device
    }

    @Test("two units on one board serial port share one client; each reads its own registers over RTU")
    func serialPortByName() async throws {
        let line = SimulatedModbusLine()
        line.attach(Self.meter(100), as: 1)
        line.attach(Self.meter(200), as: 2)
        let server = try ModbusRTUServer(
            pseudoTerminal: ModbusRTUConfiguration(device: "pty", baudRate: 19_200, parity: .even), handler: line)
        let health = HealthRegistry()
        let hardware = DeviceHardware.linux(board: try Self.board(serialDevice: server.device), health: health)
        let first = try await hardware.modbus(
            try Self.settings("{serial: rs485-0, baud: 19200, unit: 1, timeout_ms: 300}"), usedAt: "$.device.a")
        let second = try await hardware.modbus(
            try Self.settings("{serial: rs485-0, baud: 19200, unit: 2, timeout_ms: 300}"), usedAt: "$.device.b")
        #expect(first.client.endpoint == "rtu:\(server.device)@19200")
        #expect(first.client.endpoint == second.client.endpoint)
        let a = try await first.client.readHoldingRegisters(unit: first.unit, address: 0, count: 3, timeout: nil)
        let b = try await second.client.readHoldingRegisters(unit: second.unit, address: 1, count: 2, timeout: nil)
        #expect(a == [100, 101, 102])
        #expect(b == [201, 202])
        // One owner per port: both parts hold the same client object.
        let ownerA = try #require((first.client as? CountingModbusClient)?.base as? LinuxModbusClient)
        let ownerB = try #require((second.client as? CountingModbusClient)?.base as? LinuxModbusClient)
        #expect(ownerA === ownerB)

        // A unit that does not answer costs its timeout and counts as a bus error of that port.
        line.device(2)?.inject(.silent, count: 1)
        await #expect(throws: ModbusError.self) {
            _ = try await second.client.readHoldingRegisters(unit: second.unit, address: 0, count: 1, timeout: nil)
        }
        #expect(await health.busErrorCounts == [first.client.endpoint: 1])
        await first.client.close()
        server.stop()
    }

    @Test("a second device on the same port with other line settings is refused with both paths in the message")
    func conflictingLineSettings() async throws {
        let hardware = DeviceHardware.linux(board: try Self.board(serialDevice: "/tmp/curb-unused-tty"))
        _ = try await hardware.modbus(try Self.settings("{serial: rs485-0, baud: 9600, unit: 1}"), usedAt: "$.device.a")
        await #expect {
            _ = try await hardware.modbus(
                try Self.settings("{serial: rs485-0, baud: 19200, unit: 2}"), usedAt: "$.device.b")
        } throws: { error in
            "\(error)".contains("$.device.b") && "\(error)".contains("open for $.device.a with other line settings")
        }
    }

    @Test("an unknown serial port names the board's ports")
    func unknownPort() async throws {
        let hardware = DeviceHardware.linux(board: try Self.board(serialDevice: "/tmp/curb-unused-tty"))
        await #expect {
            _ = try await hardware.modbus(try Self.settings("{serial: rs485-9, unit: 1}"), usedAt: "$.device.meter")
        } throws: { error in
            let text = "\(error)"
            return text.contains("$.device.meter") && text.contains("rs485-0")
        }
    }

    @Test("a TCP device by host:port through libmodbus")
    func tcpDevice() async throws {
        let line = SimulatedModbusLine()
        line.attach(Self.meter(7), as: 5)
        let server = try ModbusTCPServer(handler: line)
        let hardware = DeviceHardware.linux(board: try Self.board(serialDevice: "/tmp/curb-unused-tty"))
        let device = try await hardware.modbus(
            try Self.settings("{tcp: \"127.0.0.1:\(server.port)\", unit: 5}"), usedAt: "$.device.controller")
        #expect(
            try await device.client.readHoldingRegisters(unit: device.unit, address: 0, count: 2, timeout: nil) == [
                7, 8,
            ])
        await device.client.close()
        server.stop()
    }

    @Test("placement settings: every problem with its path")
    func placementErrors() throws {
        var reader = NodeReader()
        let node = try #require(try Yams.compose(yaml: "{tcp: \"nohost\", unit: 0, baud: 9600, parity: space}"))
        #expect(ModbusDeviceSettings.read(&reader, node, at: JSONPath.root.appending("meter")) == nil)
        let text = reader.issues.map(\.description).joined(separator: "\n")
        #expect(text.contains("$.meter.tcp: expected \"host:port\""), "\(text)")
        #expect(text.contains("$.meter.unit: expected integer 1…247, got 0"), "\(text)")
        #expect(text.contains("$.meter.baud"), "\(text)")
        #expect(text.contains("$.meter.parity"), "\(text)")
    }
}
