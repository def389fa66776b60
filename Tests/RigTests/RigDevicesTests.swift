import ADS1115
import ADXL355
import AgentRuntime
import ConfigSupport
import CurbsideTestKit
import DaemonComposition
import Foundation
import HAL
import HALLinux
import HALRig
import HALSim
import INA219
import PCA9685
import RigProtocol
import RigServer
import SDM630
import Testing
import VEML7700
import Yams

/// The rig's device catalogue, physical models and Modbus devices, through the same socket and transports a daemon
/// and a scenario use.
@Suite("Rig devices, models and Modbus", .serialized, .timeLimit(.minutes(1)))
struct RigDevicesTests {
    static let rigs = RigTests.root.appendingPathComponent("Firmware-config/rigs")

    func withRig(
        _ name: String, _ body: (VirtualRig, RigConnection, RigConnection) async throws -> Void
    ) async throws {
        try await RigTests.serving(Self.rigs.appendingPathComponent(name).path, body)
    }

    /// A client for the Modbus device where the rig's `hello` says it answers (`tcp:127.0.0.1:PORT`, `rtu:LINK@BAUD`):
    /// ports and links are chosen per run.
    func modbusClient(_ hello: RigMessage, _ name: String) throws -> LinuxModbusClient {
        let endpoint = try #require(hello.modbus?.first { $0.name == name }?.endpoint)
        let tcpPrefix = "tcp:127.0.0.1:"
        if endpoint.hasPrefix(tcpPrefix) {
            let port = try #require(Int(endpoint.dropFirst(tcpPrefix.count)), "\(endpoint)")
            return try LinuxModbusClient.tcp(ModbusTCPConfiguration(host: "127.0.0.1", port: port))
        }
        let parts = endpoint.dropFirst("rtu:".count).split(separator: "@")
        #expect(endpoint.hasPrefix("rtu:") && parts.count == 2, "\(endpoint)")
        let baudRate = try #require(Int(parts[1]), "\(endpoint)")
        return try LinuxModbusClient.rtu(
            ModbusRTUConfiguration(device: String(parts[0]), baudRate: baudRate, parity: .even))
    }

    func op(_ connection: RigConnection, _ op: String, _ fill: (inout RigMessage) -> Void) async -> RigMessage {
        var message = RigMessage(op: op)
        fill(&message)
        return await connection.request(message)
    }

    @Test("curb-rig serves every rig file in Firmware-config/rigs: control socket, Modbus servers, models")
    func allRigFilesServe() async throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.rigs.path).filter { $0.hasSuffix(".yaml") }
        #expect(
            Set(files).isSuperset(of: [
                "streetlight.yaml", "vibration.yaml", "ev-charger.yaml", "fuel-cell.yaml", "crosswalk.yaml",
            ]))
        for file in files.sorted() {
            try await withRig(file) { rig, daemon, scenario in
                let hello = await daemon.hello
                #expect(hello.board == (file == "kernel-vm.yaml" ? "sim-kernel" : "sim"), "\(file)")
                #expect(hello.devices?.count == rig.devices.count, "\(file)")
                #expect(hello.modbus?.allSatisfy { !$0.endpoint.isEmpty } ?? true, "\(file)")
                for device in rig.devices {
                    let answer = await op(scenario, "chip.get") { $0.name = device.name }
                    #expect(answer.ok == true, "\(file) \(device.name): \(answer)")
                }
            }
        }
    }

    @Test("a scenario sets lux at the sensor; the daemon's VEML7700 driver reads it through HALRig")
    func luxReachesDriver() async throws {
        try await withRig("streetlight.yaml") { _, daemon, scenario in
            let set = await op(scenario, "chip.set") {
                $0.name = "ambient"
                $0.quantity = "lux"
                $0.number = 850
            }
            #expect(set.ok == true, "\(set)")
            let bus = try await daemon.i2cBus(named: "sim-i2c-0")
            let sensor = VEML7700(device: try await bus.device(at: 0x10))
            try await sensor.start()
            let reading = try await sensor.illuminance()
            #expect(abs(reading.lux - 850) < 850 * 0.02, "\(reading)")
            // The daylight model leaves a held input alone: a negative check, so it waits a few model ticks.
            try await Task.sleep(for: .milliseconds(250))
            let held = await op(scenario, "chip.get") {
                $0.name = "ambient"
                $0.quantity = "lux"
            }
            #expect(held.number == 850)
            let unknown = await op(scenario, "chip.set") {
                $0.name = "ambient"
                $0.quantity = "lumens"
                $0.number = 1
            }
            #expect(unknown.ok == false)
            #expect(unknown.error?.contains("settable: lux") == true, "\(unknown)")
        }
    }

    @Test("the lamp model: relay and dimmer duty set by drivers show up as power at the INA219")
    func lampModel() async throws {
        try await withRig("streetlight.yaml") { _, daemon, scenario in
            let bus = try await daemon.i2cBus(named: "sim-i2c-0")
            let dimmer = PCA9685(device: try await bus.device(at: 0x40), sleep: { _ in })
            try await dimmer.start(frequencyHertz: 500)
            try await dimmer.setDutyCycle(channel: 0, 0.5)
            let meter = try INA219(device: try await bus.device(at: 0x45), shuntOhms: 0.1, maxExpectedAmps: 3.2)
            try await meter.start()
            let chip = try await daemon.gpioChip(named: "sim-gpio0")
            let relay = try await chip.requestOutput(8, .init(consumer: "streetlightd"))

            /// The model ticks every 100 ms: the power settles on `expected` within a few ticks.
            func watts(near expected: Double, within tolerance: Double) async throws -> Double {
                try await eventually {
                    try await meter.measurement().powerWatts
                } until: {
                    abs($0 - expected) < tolerance
                }
            }
            #expect(try await watts(near: 0, within: 0.5) < 0.5)
            try await relay.write(.active)
            #expect(abs(try await watts(near: 30, within: 1) - 30) < 1)
            try await dimmer.setDutyCycle(channel: 0, 1)
            #expect(abs(try await watts(near: 60, within: 1.5) - 60) < 1.5)

            // A failed LED driver draws nothing although commanded on; a welded relay draws with the relay open.
            _ = await op(scenario, "model.set") {
                $0.name = "lamp"
                $0.quantity = "failed"
                $0.number = 1
            }
            #expect(try await watts(near: 0, within: 0.5) < 0.5)
            _ = await op(scenario, "model.set") {
                $0.name = "lamp"
                $0.numbers = ["failed": 0, "relay_stuck": 1]
            }
            try await relay.write(.inactive)
            #expect(try await watts(near: 60, within: 10) > 50)
        }
    }

    @Test("Modbus devices answer on their TCP port and pty line; faults from the control socket reach the wire")
    func modbusDevices() async throws {
        try await withRig("fuel-cell.yaml") { rig, daemon, scenario in
            let hello = await daemon.hello
            #expect(hello.modbus?.map(\.name) == ["stack", "meter"])
            let meterInfo = try #require(hello.modbus?.first { $0.name == "meter" })
            #expect(meterInfo.endpoint == "rtu:\(rig.runDirectory)/rs485-1@9600")

            let line = try modbusClient(hello, "meter")
            _ = await op(scenario, "modbus.set") {
                $0.name = "meter"
                $0.numbers = ["volts": 230, "amps_l1": 10]
            }
            let reading = try await SDM630(client: line, unit: 2).read()
            #expect(reading.phaseVolts == [230, 230, 230])
            #expect(reading.phaseWatts == [2300, 0, 0])

            _ = await op(scenario, "modbus.fault") {
                $0.name = "meter"
                $0.fault = "silent"
                $0.count = 1
            }
            let error = await #expect(throws: ModbusError.self) {
                _ = try await SDM630(client: line, unit: 2, timeout: .milliseconds(200)).read()
            }
            #expect(error?.code == .timeout)
            #expect(try await SDM630(client: line, unit: 2).read().phaseVolts == [230, 230, 230])

            let tcp = try modbusClient(hello, "stack")
            let state = try await tcp.readInputRegisters(unit: 1, address: 0, count: 1, timeout: nil)
            #expect(state == [0])
            try await tcp.writeSingleCoil(unit: 1, address: 0, value: true, timeout: nil)
            // The rig advances the stack in real time: starting within a tick or two.
            let stack = try await eventually {
                await op(scenario, "modbus.get") { $0.name = "stack" }
            } until: {
                $0.numbers?["state"] == 1
            }
            #expect(stack.numbers?["state"] == 1, "\(stack)")
            await line.close()
            await tcp.close()
        }
    }

    @Test("a daemon's Modbus device by board serial port name reaches the rig's line for that port (rtu: rs485-1)")
    func serialPortByNameOnTheRig() async throws {
        let socket = FileManager.default.temporaryDirectory.appendingPathComponent(
            "curb-rig-\(UUID().uuidString.prefix(6)).sock"
        ).path
        try await RigTests.serving(Self.rigs.appendingPathComponent("fuel-cell.yaml").path, socket: socket) {
            rig, _, scenario in
            let board = Self.rigs.deletingLastPathComponent().deletingLastPathComponent()
                .appendingPathComponent("Boards/sim.yaml").path
            let (agent, _) = try AgentConfiguration.parse(
                yaml: """
                    identity: {site: t, kind: fuel-cell, device: f1}
                    mqtt: {url: "mqtt://127.0.0.1:1883"}
                    board: \(board)
                    hal: {backend: rig, rig_socket: \(socket)}
                    state_dir: /tmp/unused
                    """
            ) { _, _, _ in 0 }
            let hardware = try DeviceHardware.open(agent)
            var reader = NodeReader()
            let node = try #require(try Yams.compose(yaml: "{serial: rs485-1, unit: 2, timeout_ms: 300}"))
            let settings = try #require(ModbusDeviceSettings.read(&reader, node, at: .root))
            let meter = try await hardware.modbus(settings, usedAt: "$.device.hardware.meter")
            #expect(meter.client.endpoint.hasPrefix("rtu:\(rig.runDirectory)/rs485-1@"), "\(meter.client.endpoint)")
            let set = await op(scenario, "modbus.set") {
                $0.name = "meter"
                $0.numbers = ["volts": 231]
            }
            #expect(set.ok == true, "\(set)")
            #expect(try await SDM630(client: meter.client, unit: meter.unit).read().phaseVolts == [231, 231, 231])
            await meter.client.close()
        }
    }

    @Test("two rigs from one rig file run side by side, each on its own TCP port and RS-485 link")
    func twoRigsFromOneFile() async throws {
        try await withRig("fuel-cell.yaml") { first, firstDaemon, firstScenario in
            try await withRig("fuel-cell.yaml") { second, secondDaemon, secondScenario in
                #expect(first.runDirectory != second.runDirectory)
                let hellos = [await firstDaemon.hello, await secondDaemon.hello]
                let endpoints = hellos.map { Set($0.modbus?.map(\.endpoint) ?? []) }
                #expect(endpoints[0].count == 2 && endpoints[0].isDisjoint(with: endpoints[1]), "\(endpoints)")
                // Different mains voltages prove each meter client reaches its own rig.
                let volts: [Double] = [230, 120]
                for (scenario, value) in zip([firstScenario, secondScenario], volts) {
                    let set = await op(scenario, "modbus.set") {
                        $0.name = "meter"
                        $0.numbers = ["volts": value]
                    }
                    #expect(set.ok == true, "\(set)")
                }
                for (hello, value) in zip(hellos, volts) {
                    let meter = try modbusClient(hello, "meter")
                    let stack = try modbusClient(hello, "stack")
                    #expect(try await SDM630(client: meter, unit: 2).read().phaseVolts == [value, value, value])
                    #expect(try await stack.readInputRegisters(unit: 1, address: 0, count: 1, timeout: nil) == [0])
                    await meter.close()
                    await stack.close()
                }
            }
        }
    }

    @Test("the EV model: CP states reach the ADS1115, the PWM duty sets the current the SDM630 meters")
    func evModel() async throws {
        try await withRig("ev-charger.yaml") { _, daemon, scenario in
            let hello = await daemon.hello
            let bus = try await daemon.i2cBus(named: "sim-i2c-0")
            let adc = ADS1115(device: try await bus.device(at: 0x48), timeoutMargin: .seconds(1))
            let pwm = PCA9685(device: try await bus.device(at: 0x41), sleep: { _ in })
            try await pwm.start(frequencyHertz: 1000)
            try await pwm.setDutyCycle(channel: 0, 0.5)
            let chip = try await daemon.gpioChip(named: "sim-gpio0")
            let contactor = try await chip.requestOutput(11, .init(consumer: "chargerd"))
            let feedback = try await chip.requestInput(12, .init(consumer: "chargerd"))
            let meter = try modbusClient(hello, "meter")

            func pilotVolts(near expected: Double) async throws -> Double {
                try await eventually {
                    try await adc.measureVolts(.ain0, gain: .fsr4096mV)
                } until: {
                    abs($0 - expected) < 0.01
                }
            }
            func phaseAmps(_ expected: [Double]) async throws -> [Double] {
                try await eventually {
                    try await SDM630(client: meter).read().phaseAmps
                } until: {
                    $0 == expected
                }
            }
            // Unplugged: +12 V on the pilot, (12 + 12) × 0.1 = 2.4 V after the front end.
            #expect(abs(try await pilotVolts(near: 2.4) - 2.4) < 0.01)
            _ = await op(scenario, "model.set") {
                $0.name = "ev"
                $0.quantity = "state"
                $0.number = 2
            }
            #expect(abs(try await pilotVolts(near: 1.8) - 1.8) < 0.01)  // C: +6 V
            // The low level of the square wave: −12 V through the EV's diode, 0 V after the front end.
            #expect(abs(try await adc.measureVolts(.ain1, gain: .fsr4096mV)) < 0.01)
            #expect(try await SDM630(client: meter).read().phaseAmps == [0, 0, 0])  // contactor still open
            try await contactor.write(.active)
            #expect(
                try await eventually {
                    try await feedback.read()
                } until: {
                    $0 == .active
                } == .active)
            // 50 % duty allows 30 A (IEC 61851-1: duty × 0.6 A).
            #expect(try await phaseAmps([30, 30, 30]) == [30, 30, 30])
            try await pwm.setDutyCycle(channel: 0, 0.1)
            #expect(try await phaseAmps([6, 6, 6]) == [6, 6, 6])

            // Welded contacts: the auxiliary contact stays closed after the coil is released.
            _ = await op(scenario, "model.set") {
                $0.name = "ev"
                $0.quantity = "welded"
                $0.number = 1
            }
            try await contactor.write(.inactive)
            // A negative check: the contact must still read closed after several model ticks (100 ms each).
            try await Task.sleep(for: .milliseconds(300))
            #expect(try await feedback.read() == .active)
            await meter.close()
        }
    }
}

@Suite("Vibration model")
struct VibrationModelTests {
    @Test(
        "at 4000 Hz every refill past the watermark is a new interrupt edge, though one tick carries a watermark's worth"
    )
    func interruptEdgesAtFullRate() async throws {
        let rig = try VirtualRig(
            file: try RigFile.load(
                file: RigDevicesTests.rigs.appendingPathComponent("vibration.yaml").path,
                knownChips: SimulatedChipCatalog.names))
        let bus = try #require(rig.i2cBuses["sim-i2c-1"])
        let sensor = try await ADXL355(
            device: try await bus.device(at: 0x1D),
            configuration: .init(
                outputDataRate: .hz4000, fifoWatermarkEntries: 48, interruptMap: [.fifoFullINT1],
                interruptActiveHigh: true))
        let gpio = try #require(rig.gpioChips["sim-gpio0"])
        let line = try await gpio.requestInput(10, .init(consumer: "test", edges: .rising))
        let edges = line.events()
        // 4 ms at 4000 Hz: 16 samples, exactly the watermark, per tick; the daemon drains between ticks.
        for _ in 0..<3 {
            rig.stepStreaming(by: .milliseconds(4))
            let readout = try await sensor.readFIFO()
            #expect(readout.samples.count == 16)
        }
        let seen = await collect(edges, expecting: 3)
        #expect(seen.count == 3)
    }
}
