import CurbctlDevice
import CurbsideTestKit
import Foundation
import HAL
import RigProtocol
import RigServer
import Testing

/// `curbctl gpio|i2c|modbus` on the virtual rig, by the names the configuration gives the parts.
@Suite("curbctl gpio, i2c, modbus", .serialized, .timeLimit(.minutes(2)))
struct WiringTests {
    @Test("gpio read follows the rig's input; gpio pulse drives the output away from its safe level and back")
    func gpio() async throws {
        let folder = try RigFixture.scratch()
        try await RigFixture.serving("crosswalk.yaml") { _, control, socket in
            let file = try RigFixture.config("crosswalkd", socket: socket, broker: "mqtt://127.0.0.1:1", in: folder)
            let wiring = try Wiring(configFile: file)
            for high in [true, false] {
                let set = await RigFixture.op(control, "set-input") {
                    $0.line = "walkButton"
                    $0.high = high
                }
                #expect(set.ok == true, "\(set)")
                // By the board alias and by the configuration's name for it.
                #expect(try await wiring.readInput("walkButton") == GPIOValue(high))
                #expect(try await wiring.readInput("buttons[0].line") == GPIOValue(high))
            }
            await #expect(throws: WiringError.self) { try await wiring.readInput("beacon_left") }
            await #expect(throws: WiringError.self) { try await wiring.readInput("noSuchLine") }

            func level() async -> Bool? {
                await RigFixture.op(control, "get-output") { $0.line = "beacon" }.high
            }
            // Long enough for the control round trips below to see it on a loaded machine (400 ms once was not).
            let pulse = Task { try await wiring.pulse("beacon_left", for: .seconds(2)) }
            // The rig sees the line driven while the pulse lasts…
            let during = try await eventually({ await level() }, until: { $0 != nil })
            let (logicalDuring, logicalAfter) = try await pulse.value
            #expect(during != nil)
            #expect(logicalDuring == logicalAfter.toggled, "away from the safe level and back")
            // …and let go afterwards, back at the level it was requested at.
            #expect(await level() == nil, "released")
        }
    }

    @Test("i2c dump by configured name and by bus + address reads the chip's registers")
    func i2cDump() async throws {
        let folder = try RigFixture.scratch()
        try await RigFixture.serving("streetlight.yaml") { _, _, socket in
            let file = try RigFixture.config("streetlightd", socket: socket, broker: "mqtt://127.0.0.1:1", in: folder)
            let wiring = try Wiring(configFile: file)
            let byName = try await wiring.dump("climate", registers: 0xD0...0xD0)
            #expect(byName.values == [0x60] && byName.chip == "BME280")
            let byAddress = try await wiring.dump("sim-i2c-0", address: 0x76)
            #expect(byAddress.values.count == 256 && byAddress.values[0xD0] == 0x60)
            #expect(byAddress.table().contains("d0:  60 "), "\(byAddress.table())")
            let absent = try await wiring.dump("sim-i2c-0", address: 0x33, registers: 0...3)
            #expect(absent.values == [nil, nil, nil, nil] && absent.firstError != nil)
            await #expect(throws: WiringError.self) { try await wiring.dump("dust") }
        }
    }

    @Test("modbus read and check on a kind curbctl has no parts list for: placements under hardware are found")
    func modbus() async throws {
        let folder = try RigFixture.scratch()
        let broker = try MosquittoBroker(persistence: false)
        try await broker.start()
        try await RigFixture.serving("fuel-cell.yaml") { rig, _, socket in
            let stack = try #require(rig.modbusDevice(named: "stack")?.endpoint)
            let port = try #require(Int(stack.split(separator: ":").last ?? ""), "\(stack)")
            let file = folder.appendingPathComponent("fuelcelld.yaml").path
            try """
            identity: {site: harbour, kind: fuelcell, device: fc-1}
            mqtt: {url: "\(broker.url)"}
            board: \(RigFixture.root.path)/Boards/sim.yaml
            hal: {backend: rig, rig_socket: \(socket)}
            state_dir: \(folder.path)/state
            device:
              hardware:
                controller: {tcp: "127.0.0.1:\(port)", unit: 1, timeout_ms: 500}
                meters:
                  - {serial: rs485-1, baud: 9600, parity: even, unit: 2, timeout_ms: 500}
                  - {serial: rs485-1, baud: 9600, parity: even, unit: 7, timeout_ms: 200}
                # modbusd's shape: a named device with its map beside the placement keys.
                devices:
                  - {name: stack, map: fuel-cell.yaml, periods_ms: {fast: 100}, tcp: "127.0.0.1:\(port)", unit: 1}
            """.write(toFile: file, atomically: true, encoding: .utf8)
            let wiring = try Wiring(configFile: file)
            let version = try await wiring.readRegisters("controller", register: 23, count: 1, input: true)
            #expect(version == [0x0100], "map version 1.0 in input register 23")
            #expect(try await wiring.readRegisters("stack", register: 23, count: 1, input: true) == [0x0100])

            let report = await Commissioning.run(configFile: file)
            let modbus = report.items.filter { $0.area == "modbus" }
            #expect(
                Set(modbus.map(\.name)) == [
                    "controller unit 1", "meters[0] unit 2", "meters[1] unit 7", "stack unit 1",
                ],
                "\(report.table())")
            let failed = modbus.filter { $0.status == .fail }
            #expect(failed.map(\.name) == ["meters[1] unit 7"], "\(report.table())")
            #expect(failed.first?.fix?.contains("no answer from unit 7 on rs485-1") == true, "\(report.table())")
            #expect(report.items.contains { $0.area == "gpio/i2c" && $0.status == .skip })
        }
        await broker.stop()
    }
}
