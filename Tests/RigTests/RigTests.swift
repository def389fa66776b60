import AT24C02
import CurbsideTestKit
import Foundation
import HAL
import HALRig
import RigProtocol
import RigServer
import Testing

/// The rig server in-process on a temporary socket, with the daemon-side backend (`HALRig`) and a second
/// connection playing the scenario.
@Suite("Virtual rig", .serialized, .timeLimit(.minutes(1)))
struct RigTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    func withRig(_ body: (RigConnection, RigConnection) async throws -> Void) async throws {
        try await Self.serving(Self.root.appendingPathComponent("Firmware-config/rigs/bench.yaml").path) {
            _, daemon, scenario in try await body(daemon, scenario)
        }
    }

    /// Serves the rig file on a temporary socket in-process and connects a daemon and a scenario to it.
    static func serving(
        _ file: String,
        socket: String = FileManager.default.temporaryDirectory.appendingPathComponent(
            "curb-rig-\(UUID().uuidString.prefix(6)).sock"
        ).path,
        _ body: (VirtualRig, RigConnection, RigConnection) async throws -> Void
    ) async throws {
        let rig = try VirtualRig(file: try RigFile.load(file: file, knownChips: SimulatedChipCatalog.names))
        let server = Task { try await RigServer.run(rig: rig, socketPath: socket) }
        defer { server.cancel() }
        var daemon: RigConnection?
        _ = try await waitUntil(.seconds(30), every: .milliseconds(10)) {
            daemon = try? await RigConnection.connect(socketPath: socket)
            return daemon != nil
        }
        let scenario = try await RigConnection.connect(socketPath: socket)
        try await body(rig, try #require(daemon), scenario)
    }

    func control(_ connection: RigConnection, _ op: String, _ fill: (inout RigMessage) -> Void) async -> RigMessage {
        var message = RigMessage(op: op)
        fill(&message)
        return await connection.request(message)
    }

    @Test("hello describes the board, chips, buses and attached devices")
    func hello() async throws {
        try await withRig { daemon, _ in
            let hello = await daemon.hello
            #expect(hello.board == "sim")
            #expect(hello.chips == [.init(name: "sim-gpio0", lines: 32)])
            #expect(hello.buses == ["sim-i2c-0", "sim-i2c-1"])
            #expect(hello.devices == [.init(bus: "sim-i2c-0", address: 0x50, chip: "AT24C02", name: "sim-i2c-0@0x50")])
        }
    }

    @Test("an output the daemon drives is seen by the scenario; an input the scenario drives reaches the daemon")
    func gpioBothWays() async throws {
        try await withRig { daemon, scenario in
            let chip = try await daemon.gpioChip(named: "sim-gpio0")
            // beacon = SIM4, active-low wiring: logical active drives the line low.
            let beacon = try await chip.requestOutput(4, .init(consumer: "crosswalkd", activeLow: true))
            var seen = await control(scenario, "get-output") { $0.line = "beacon" }
            #expect(seen.ok == true && seen.high == true, "\(seen)")
            #expect(seen.consumer == "crosswalkd")
            try await beacon.write(.active)
            seen = await control(scenario, "get-output") { $0.line = "beacon" }
            #expect(seen.high == false)

            // walkButton = SIM0, debounced: bounces from the scenario give one event at the daemon. The window is
            // long enough that three control round trips fit in it on a loaded 2-core machine (50 ms did not).
            let button = try await chip.requestInput(
                0, .init(consumer: "crosswalkd", edges: .both, debounce: .milliseconds(500)))
            let events = button.events()
            for high in [true, false, true] {
                let ack = await control(scenario, "set-input") {
                    $0.line = "walkButton"
                    $0.high = high
                }
                #expect(ack.ok == true)
            }
            let edges = await collect(events, expecting: 1)
            #expect(edges.map(\.kind) == [.rising])
            #expect(try await button.read() == .active)
            await button.release()
            await beacon.release()
            let released = await control(scenario, "get-output") { $0.line = "beacon" }
            #expect(released.ok == false && released.code == "not-found")
        }
    }

    @Test("edges the rig makes between the request and events() reach the daemon, as the kernel queues them")
    func edgesBeforeEvents() async throws {
        try await withRig { daemon, scenario in
            let chip = try await daemon.gpioChip(named: "sim-gpio0")
            let button = try await chip.requestInput(0, .init(consumer: "crosswalkd", edges: .both))
            for high in [true, false, true] {
                let ack = await control(scenario, "set-input") {
                    $0.line = "walkButton"
                    $0.high = high
                }
                #expect(ack.ok == true)
            }
            #expect(try await button.read() == .active)
            let edges = await collect(button.events(), expecting: 3, thenQuiet: .milliseconds(50))
            #expect(edges.map(\.kind) == [.rising, .falling, .rising])
            await button.release()
        }
    }

    @Test("two live events() sequences of one rig line both see each edge, as on the other backends")
    func twoEventSequences() async throws {
        try await withRig { daemon, scenario in
            let chip = try await daemon.gpioChip(named: "sim-gpio0")
            let button = try await chip.requestInput(0, .init(consumer: "crosswalkd", edges: .both))
            let first = button.events()
            let second = button.events()
            let ack = await control(scenario, "set-input") {
                $0.line = "walkButton"
                $0.high = true
            }
            #expect(ack.ok == true)
            async let firstSeen = collect(first, expecting: 1, thenQuiet: .milliseconds(50))
            let secondSeen = await collect(second, expecting: 1, thenQuiet: .milliseconds(50))
            #expect(await firstSeen.map(\.kind) == [.rising])
            #expect(secondSeen.map(\.kind) == [.rising])
            await button.release()
            let after = button.events()
            await #expect(throws: GPIOError.self) {
                for try await _ in after {}
            }
        }
    }

    @Test("gpio.fault makes the daemon's next operations on the line fail, then it works again")
    func gpioFaults() async throws {
        try await withRig { daemon, scenario in
            let chip = try await daemon.gpioChip(named: "sim-gpio0")
            let beacon = try await chip.requestOutput(4, .init(consumer: "crosswalkd"))
            let fault = await control(scenario, "gpio.fault") {
                $0.line = "beacon"
                $0.count = 2
            }
            #expect(fault.ok == true, "\(fault)")
            await #expect(throws: GPIOError.self) { _ = try await beacon.read() }
            await #expect(throws: GPIOError.self) { try await beacon.write(.active) }
            try await beacon.write(.active)
            #expect(try await beacon.read() == .active)
            let unknown = await control(scenario, "gpio.fault") { $0.line = "nowhere" }
            #expect(unknown.ok == false && unknown.code == "not-found")
        }
    }

    @Test("the AT24C02 driver works through the rig; an absent address and injected faults are typed NACKs")
    func i2cThroughRig() async throws {
        try await withRig { daemon, scenario in
            let bus = try await daemon.i2cBus(named: "sim-i2c-0")
            let eeprom = AT24C02(device: try await bus.device(at: 0x50), writeCycleTimeout: .seconds(2))
            try await eeprom.write([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], at: 0x06)
            #expect(try await eeprom.read(from: 0x06, count: 10) == [1, 2, 3, 4, 5, 6, 7, 8, 9, 10])

            let empty = try await bus.device(at: 0x51)
            do {
                _ = try await empty.readByte(register: 0)
                Issue.record("expected a NACK from an empty address")
            } catch let error as I2CError {
                #expect(error.code == .nack)
                #expect(error.description.hasPrefix("sim-i2c-0@0x51 write-read 0x00 1 bytes: no acknowledge"))
            }

            let fault = await control(scenario, "i2c.fault") {
                $0.bus = "sim-i2c-0"
                $0.address = 0x50
                $0.fault = "nack"
                $0.count = 1
            }
            #expect(fault.ok == true)
            await #expect(throws: I2CError.self) { _ = try await eeprom.read(from: 0, count: 1) }
            #expect(try await eeprom.read(from: 0x06, count: 1) == [1])

            _ = await control(scenario, "i2c.unplug") {
                $0.bus = "sim-i2c-0"
                $0.address = 0x50
            }
            await #expect(throws: I2CError.self) { _ = try await eeprom.read(from: 0, count: 1) }
            _ = await control(scenario, "i2c.plug") {
                $0.bus = "sim-i2c-0"
                $0.address = 0x50
            }
            #expect(try await eeprom.read(from: 0x07, count: 1) == [2])
        }
    }

    @Test("bad requests get an error response and the connection keeps working")
    func badRequests() async throws {
        try await withRig { _, scenario in
            let unknown = await control(scenario, "teleport") { _ in }
            #expect(unknown.ok == false && unknown.code == "invalid-request")
            #expect(unknown.error?.contains("set-input") == true)
            let noLine = await control(scenario, "set-input") {
                $0.line = "walkButon"
                $0.high = true
            }
            #expect(noLine.code == "not-found")
            #expect(noLine.error?.contains("walkButton") == true)
            #expect((await control(scenario, "hello") { _ in }).ok == true)
        }
    }
}

/// `curb-rig serve` as a process, driven by an independent client (Python's socket module).
@Suite("curb-rig process", .serialized, .timeLimit(.minutes(1)))
struct RigProcessTests {
    @Test("serves JSON lines to a plain socket client; malformed lines are answered, not fatal")
    func pythonClient() async throws {
        let executable = try ExecutableLookup.builtProduct("curb-rig")
        let socket = FileManager.default.temporaryDirectory.appendingPathComponent(
            "curb-rig-\(UUID().uuidString.prefix(6)).sock"
        ).path
        let rigFile = RigTests.root.appendingPathComponent("Firmware-config/rigs/bench.yaml").path
        let rig = try SpawnedProcess(executable, ["serve", "--rig", rigFile, "--socket", socket])
        defer { rig.signal(SIGKILL) }
        _ = try await waitUntil(.seconds(30), every: .milliseconds(10)) {
            FileManager.default.fileExists(atPath: socket)
        }
        let script = """
            import json, socket, sys
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.connect(sys.argv[1])
            f = s.makefile("rw")
            for line in ['{"op":"hello","id":1}', 'not json', '{"op":"set-input","line":"walkButton","high":true,"id":2}']:
                f.write(line + "\\n"); f.flush()
                print(f.readline().strip())
            """
        let result = try await ToolRun.run("python3", ["-c", script, socket])
        #expect(result.status == 0, "\(result.output)\n\(rig.output)")
        let lines = result.output.split(separator: "\n").map(String.init)
        #expect(lines.count == 3)
        #expect(lines.first?.contains(#""board":"sim""#) == true, "\(lines)")
        #expect(lines.dropFirst().first?.contains(#""code":"invalid-request""#) == true, "\(lines)")
        #expect(lines.last == #"{"id":2,"ok":true}"#, "\(lines)")
    }

    @Test("curb-rig check reports a rig file's problems with paths")
    func checkRigFile() async throws {
        let executable = try ExecutableLookup.builtProduct("curb-rig")
        let bad = FileManager.default.temporaryDirectory.appendingPathComponent(
            "bad-rig-\(UUID().uuidString.prefix(6)).yaml")
        try """
        rig: broken
        board: \(RigTests.root.appendingPathComponent("Boards/sim.yaml").path)
        i2c:
          - {bus: sim-i2c-0, address: 0x90, chip: AT24C04}
        modbus:
          - {name: meter, device: SDM630, unit: 1, rtu: "${RUNDIR}/ttyRS485-0"}
        """.write(to: bad, atomically: true, encoding: .utf8)
        let result = try await ToolRun.run(executable, ["check", bad.path])
        #expect(result.status == 1)
        #expect(result.output.contains("$.i2c[0].address: expected integer 3…119, got 144"), "\(result.output)")
        #expect(
            result.output.contains(#"$.i2c[0].chip: expected one of "#)
                && SimulatedChipCatalog.names.allSatisfy { result.output.contains($0) }
                && result.output.contains(#"got "AT24C04"; did you mean "AT24C02"?"#),
            "\(result.output)")
        // A misspelt placeholder would otherwise become a folder named after it.
        #expect(
            result.output.contains(
                #"$.modbus[0].rtu: expected a board serial port name, an absolute path for the pty link, or one under ${RUN_DIR}/, got "${RUNDIR}/ttyRS485-0""#
            ), "\(result.output)")
    }
}
