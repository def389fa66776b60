import CurbsideTestKit
import Foundation
import HAL
import HALLinux
import Testing

/// The `modbusd` executable end to end: a map file, a pymodbus device, a real broker.
@Suite("modbusd daemon", .serialized)
struct ModbusdDaemonTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static func write(_ text: String, _ name: String, in folder: URL) throws -> URL {
        let file = folder.appendingPathComponent(name)
        try text.write(to: file, atomically: true, encoding: .utf8)
        return file
    }

    static func folder() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
            "modbusd-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }

    static func config(brokerPort: Int, devices: String, folder: URL, board: URL? = nil) throws -> URL {
        try write(
            """
            identity: {site: t-site, kind: modbus, device: gw-1}
            mqtt: {url: "mqtt://127.0.0.1:\(brokerPort)", reconnect_min_ms: 200, reconnect_max_ms: 1000}
            board: \((board ?? root.appendingPathComponent("Boards/sim.yaml")).path)
            hal: {backend: linux}
            state_dir: \(folder.path)/state
            device:
              hardware:
                devices:
            \(devices)
              offline_after: 2
              backoff_max_s: 2
            """, "modbusd.yaml", in: folder)
    }

    static let map = """
        groups:
          fast: {period_ms: 200, heartbeat_s: 1}
        points:
          - {name: temperature, register: holding, address: 0, type: i16, scale: 0.1, unit: °C, group: fast}
          - {name: setpoint, register: holding, address: 2, type: f32, writable: true, max: 80, group: fast}
        """

    /// A pymodbus device over TCP and one over RTU on a socat pty, each from its map file, published on
    /// telemetry/{device}/{group}; a write reads back over MQTT.
    @Test("polls pymodbus over TCP and over RTU on a pty from map files; a write reads back over MQTT")
    func endToEnd() async throws {
        var spec = EncodedPeer.Spec()
        spec.holding = [.init(address: 0, kind: "i16", value: .integer(-123), byteorder: "big", wordorder: "big")]
        let peer = try EncodedPeer(spec, ["tcp", "0"])
        defer { peer.stop() }
        let port = try await peer.tcpPort()
        // The RTU device: pymodbus's serial server on the far end of a pty pair, the near end as the board's rs485-0.
        let line = try await PseudoTerminalPair()
        var rtuSpec = EncodedPeer.Spec()
        rtuSpec.input = [
            .init(address: 4, kind: "f32", value: .double(48.25), byteorder: "little", wordorder: "little")
        ]
        // pyserial cannot set parity on a pty (tcsetattr EINVAL), so this line runs 8N1.
        let rtuPeer = try EncodedPeer(rtuSpec, ["rtu", line.second, "19200"])
        defer { rtuPeer.stop() }
        let probe = try LinuxModbusClient.rtu(
            ModbusRTUConfiguration(device: line.first, baudRate: 19_200, parity: .none))
        try await rtuPeer.waitUntilAnswering(probe)
        // The daemon opens the tty exclusively (TIOCEXCL).
        await probe.close()

        let broker = try MosquittoBroker()
        try await broker.start()
        let folder = try Self.folder()
        _ = try Self.write(Self.map, "boiler.yaml", in: folder)
        _ = try Self.write(
            """
            word_order: little
            byte_order: little
            groups:
              fast: {period_ms: 200, heartbeat_s: 1}
            points:
              - {name: flow, register: input, address: 4, type: f32, unit: m³/h, group: fast}
            """, "pump.yaml", in: folder)
        // The board file names its serial port after the pty (`board:` must match the file name: sim).
        let board = try String(contentsOf: Self.root.appendingPathComponent("Boards/sim.yaml"), encoding: .utf8)
        let boardFile = try Self.write(
            board.replacingOccurrences(of: "/tmp/curb-rig/ttyRS485-0", with: line.first), "sim.yaml", in: folder)
        let config = try Self.config(
            brokerPort: broker.port,
            devices: """
                      - {name: boiler, map: boiler.yaml, tcp: "127.0.0.1:\(port)", unit: 1, timeout_ms: 1000}
                      - {name: pump, map: pump.yaml, serial: rs485-0, baud: 19200, parity: none, unit: 1, timeout_ms: 1000}
                """, folder: folder, board: boardFile)
        let prefix = "curb/v1/t-site/modbus/gw-1"
        let telemetry = try await broker.subscriber(["\(prefix)/telemetry/boiler/fast"], count: 1, seconds: 30)
        let rtuTelemetry = try await broker.subscriber(["\(prefix)/telemetry/pump/fast"], count: 1, seconds: 30)
        let daemon = try SpawnedProcess(try ExecutableLookup.builtProduct("modbusd"), ["--config", config.path])
        defer { daemon.signal(SIGKILL) }
        #expect(await telemetry.wait(timeout: .seconds(40)) == 0, "\(daemon.output)")
        #expect(telemetry.output.contains(#""temperature":-12.3"#), "\(telemetry.output)")
        #expect(telemetry.output.contains(#""device":"boiler""#), "\(telemetry.output)")
        #expect(await rtuTelemetry.wait(timeout: .seconds(40)) == 0, "\(daemon.output)")
        #expect(rtuTelemetry.output.contains(#""flow":48.25"#), "\(rtuTelemetry.output)")

        let results = try await broker.subscriber(["\(prefix)/cmd/write/result"], count: 2, seconds: 30)
        for (id, value) in [("1", "21.5"), ("2", "95")] {
            let sent = try await ToolRun.run(
                "mosquitto_pub",
                [
                    "-p", "\(broker.port)", "-q", "1", "-t", "\(prefix)/cmd/write", "-m",
                    #"{"id":"\#(id)","args":{"point":"setpoint","value":\#(value)}}"#,
                ])
            #expect(sent.status == 0, "\(sent.output)")
        }
        #expect(await results.wait(timeout: .seconds(40)) == 0, "\(daemon.output)")
        #expect(results.output.contains(#""read_back":21.5"#), "\(results.output)")
        #expect(results.output.contains(#""reason":"out-of-range""#), "\(results.output)")
        daemon.signal(SIGTERM)
        #expect(await daemon.wait(timeout: .seconds(20)) == 0, "\(daemon.output)")
        await broker.stop()
        await line.close()
    }

    @Test("a bad map file: --check-config names the map file and each problem's path in it, exit 1")
    func badMap() async throws {
        let folder = try Self.folder()
        _ = try Self.write(
            """
            groups:
              fast: {period_ms: 200}
            points:
              - {name: t, register: holding, address: 0, type: i61, group: fast}
            """, "bad-map.yaml", in: folder)
        let config = try Self.config(
            brokerPort: 1883,
            devices: """
                      - {name: a, map: bad-map.yaml, tcp: "127.0.0.1:1502", unit: 1}
                      - {name: b, map: missing.yaml, tcp: "127.0.0.1:1502", unit: 2}
                """, folder: folder)
        let run = try await ToolRun.run(
            try ExecutableLookup.builtProduct("modbusd"), ["--config", config.path, "--check-config"])
        #expect(run.status == 1, "\(run.output)")
        #expect(
            run.output.contains("$.device.hardware.devices[1].map: expected a readable register map file"),
            "\(run.output)")
        #expect(run.output.contains("bad-map.yaml: 1 problem"), "\(run.output)")
        #expect(
            run.output.contains(#"$.points[0].type: expected one of"#) && run.output.contains(#"did you mean "i16"?"#),
            "\(run.output)")
    }
}
