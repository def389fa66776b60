import AgentRuntime
import CurbsideTestKit
import Foundation
import HAL
import HALLinux
import ModbusBridgeDevice
import ModbusBridgeLogic
import Testing

@Suite("modbusd device: writes and unanswering slaves", .serialized)
struct WriteAndBackoffTests {
    static let writeMap = """
        groups:
          w: {period_ms: 1000}
        points:
          - {name: setpoint, register: holding, address: 200, type: f32, word_order: little, unit: kW, writable: true,
             min: 0, max: 50, group: w}
          - {name: level, register: holding, address: 202, type: u16, scale: 0.5, writable: true, max: 100, group: w}
          - {name: big, register: holding, address: 204, type: i64, byte_order: little, writable: true, group: w}
          - {name: status, register: holding, address: 208, type: u16, group: w}
          - {name: run, register: coil, address: 10, writable: true, group: w}
        """

    @Test("write with range checks and read-back against pymodbus; the next poll publishes what was written")
    func writes() async throws {
        let peer = try EncodedPeer(EncodedPeer.Spec(), ["tcp", "0"])
        defer { peer.stop() }
        let client = try LinuxModbusClient.tcp(
            ModbusTCPConfiguration(host: "127.0.0.1", port: try await peer.tcpPort()))
        try await peer.waitUntilAnswering(client)
        let sink = RecordingSink()
        let (device, _) = PymodbusInteropTests.device(try RegisterMap.parse(Self.writeMap), client, sink)

        #expect(try await device.write("setpoint", .number(12.5)) == .number(12.5))
        #expect(try await device.write("level", .number(42.5)) == .number(42.5))
        #expect(try await device.write("big", .number(-9.1e15)) == .string("-9100000000000000"))
        #expect(try await device.write("run", .bool(true)) == .bool(true))
        // The registers as the wire holds them: little word order puts 12.5's low word (0x0000) first.
        #expect(
            try await client.readHoldingRegisters(unit: 1, address: 200, count: 3, timeout: nil) == [0, 0x4148, 85])

        for (point, value, reason) in [
            ("setpoint", WriteValue.number(50.5), PointWriteFailure.Reason.outOfRange),
            ("setpoint", .number(-1), .outOfRange),
            ("level", .number(42.25), .outOfRange),
            ("level", .number(100.5), .outOfRange),
            ("run", .number(2), .outOfRange),
            ("status", .number(1), .notWritable),
            ("nothing", .number(1), .unknownPoint),
        ] {
            do throws(PointWriteFailure) {
                _ = try await device.write(point, value)
                Issue.record("\(point) \(value) was written")
            } catch {
                #expect(error.reason == reason, "\(point): \(error)")
            }
        }
        // Refused writes touched nothing.
        #expect(
            try await client.readHoldingRegisters(unit: 1, address: 200, count: 3, timeout: nil) == [0, 0x4148, 85])

        await device.poll(groupNamed: "w")
        let values = try #require(await sink.last("dut/w")?["values"])
        #expect(values["setpoint"] == .number(12.5))
        #expect(values["level"] == .number(42.5))
        #expect(values["run"] == .bool(true))
        await client.close()
    }

    @Test("an exception answer: the device is online, the refused span's points carry the error, the others publish")
    func exceptionSpan() async throws {
        let peer = try EncodedPeer(EncodedPeer.Spec(), ["tcp", "0"])
        defer { peer.stop() }
        let client = try LinuxModbusClient.tcp(
            ModbusTCPConfiguration(host: "127.0.0.1", port: try await peer.tcpPort()))
        try await peer.waitUntilAnswering(client)
        // The peer holds 512 registers: address 600 is past its end (exception 2).
        let map = try RegisterMap.parse(
            """
            groups:
              g: {period_ms: 1000}
            points:
              - {name: near, register: holding, address: 0, group: g}
              - {name: far, register: holding, address: 600, group: g}
            """)
        let sink = RecordingSink()
        let (device, _) = PymodbusInteropTests.device(map, client, sink)
        await device.poll(groupNamed: "g")
        let published = try #require(await sink.last("dut/g"))
        #expect(published["values"] == .object(["near": .number(0)]))
        #expect(published["errors"] == .object(["far": .string("exception 2 (illegal data address)")]))
        #expect(await device.state == .online)
        #expect(await device.errors == 1)
        await client.close()
    }

    @Test("a slave that stops answering is backed off and reported, and never delays a live one (by counts)")
    func deadSlave() async throws {
        let peer = try EncodedPeer(EncodedPeer.Spec(), ["tcp", "0"])
        defer { peer.stop() }
        let port = try await peer.tcpPort()
        // Two connections, as two devices at two addresses: unit 1 answers, unit 7 never does.
        let liveClient = try LinuxModbusClient.tcp(ModbusTCPConfiguration(host: "127.0.0.1", port: port))
        let deadClient = try LinuxModbusClient.tcp(ModbusTCPConfiguration(host: "127.0.0.1", port: port))
        try await peer.waitUntilAnswering(liveClient)
        let map = try RegisterMap.parse(
            """
            groups:
              fast: {period_ms: 20, heartbeat_s: 1}
            points:
              - {name: value, register: holding, address: 0, group: fast}
            """)
        var settings = ModbusBridgeSettings()
        settings.offlineAfter = 2
        settings.initialBackoff = .seconds(600)
        let sink = RecordingSink()
        let (live, _) = PymodbusInteropTests.device(map, liveClient, sink, name: "live")
        let (dead, deadChanges) = PymodbusInteropTests.device(
            map, deadClient, sink, unit: 7, timeout: .seconds(3), settings: settings, name: "dead")
        let controller = ModbusBridgeController(
            configuration: ModbusdConfiguration(), devices: [live, dead], changes: deadChanges, sink: sink)
        let tasks = [
            Task { await live.run() }, Task { await dead.run() }, Task { await controller.reportChanges() },
        ]
        defer { for task in tasks { task.cancel() } }

        // While the dead slave's first request waits out its 3 s timeout, the live one keeps polling.
        #expect(try await waitUntil { await dead.inFlight == 1 })
        let before = await live.groupPolls["fast", default: 0]
        #expect(try await waitUntil { await live.groupPolls["fast", default: 0] >= before + 5 })
        #expect(await dead.timeouts == 0, "the live device waited for the dead one's timeout")
        #expect(await dead.inFlight == 1)

        // Two timeouts in a row: offline, reported, and then not asked again within the 600 s backoff.
        #expect(try await waitUntil(.seconds(30)) { await dead.state == .offline })
        #expect(try await waitUntil { await sink.events.contains { $0.name == "device-offline" } })
        let offlineEvent = await sink.events.first { $0.name == "device-offline" }
        #expect(offlineEvent?.values["device"] == .string("dead"))
        #expect(offlineEvent?.values["error"]?.typeName == "string")
        let attempts = await dead.polls
        let livePolls = await live.groupPolls["fast", default: 0]
        #expect(try await waitUntil { await live.groupPolls["fast", default: 0] >= livePolls + 10 })
        #expect(await dead.polls == attempts)
        #expect(attempts == 2)
        #expect(await dead.skippedPolls > 0)
        #expect(await live.errors == 0)
        #expect(await controller.isHealthy)
        let state = await sink.states.last
        #expect(state?["devices"]?["dead"] == .string("offline"), "\(String(describing: state))")
        let status = await dead.status
        #expect(status["state"] == .string("offline"))
        #expect(status["timeouts"] == .number(2))
    }
}
