import ADS1115
import AgentRuntime
import DeviceTestKit
import FuelCellController
import FuelCellDevice
import FuelCellLogic
import HAL
import HALLinux
import HALSim
import Locking
import Testing

/// The plant on a simulated GPIO chip and ADS1115, with the simulated controller behind real libmodbus over TCP
/// loopback; the plant's clock and the controller's simulated time move by hand.
@Suite("Fuel-cell plant", .serialized, .timeLimit(.minutes(1)))
struct FuelCellPlantTests {
    static let offsets: [String: GPIOLineOffset] = [
        "h2Leak": 16, "eStop": 17, "h2Valve": 18, "ventFan": 19, "faultReset": 25,
    ]
    let gpio = SimulatedGPIOChip(name: "sim-gpio0", lineCount: 32)
    let i2c = SimulatedI2CBus(name: "sim-i2c-0")
    let adc = SimulatedADS1115()
    let stack = SimulatedFuelCellController()
    let line = SimulatedModbusLine()
    let server: ModbusTCPServer
    let sink = RecordingSink()
    let clock = ManualMonotonicClock()

    init() throws {
        line.attach(stack.device, as: 1)
        server = try ModbusTCPServer(handler: line)
        i2c.attach(adc, at: 0x48)
        gpio.setInputLevel(Self.offsets["eStop"] ?? 0, high: true)
        adc.setInput(channel: 0, volts: 0.4)
    }

    static func configuration() -> FuelCellConfiguration {
        var configuration = FuelCellConfiguration()
        configuration.settings.purge = .seconds(5)
        configuration.settings.warmUp = .seconds(10)
        configuration.settings.startTimeout = .seconds(30)
        configuration.settings.rampKWPerSecond = 1
        configuration.settings.startPowerKW = 2
        configuration.hardware.limits.powerCeilingKW = 4.5
        configuration.hardware.limits.linkLostAfter = .seconds(1)
        return configuration
    }

    func plant(_ configuration: FuelCellConfiguration = configuration()) async throws -> FuelCellPlant {
        let client = try LinuxModbusClient.tcp(
            ModbusTCPConfiguration(host: "127.0.0.1", port: server.port, responseTimeout: .milliseconds(200)))
        let input = GPIOInputConfiguration(consumer: "test", edges: .both)
        let output = GPIOOutputConfiguration(consumer: "test")
        func offset(_ name: String) -> GPIOLineOffset { Self.offsets[name] ?? 0 }
        let parts = FuelCellParts(
            controller: FuelCellController(client: client, timeout: .milliseconds(200)),
            h2Sensor: ADS1115(device: try await i2c.device(at: 0x48)), h2Input: .ain0,
            leakContact: try await gpio.requestInput(offset("h2Leak"), input),
            emergencyStop: try await gpio.requestInput(offset("eStop"), input),
            faultReset: try await gpio.requestInput(offset("faultReset"), input),
            valve: try await gpio.requestOutput(offset("h2Valve"), output),
            ventilation: try await gpio.requestOutput(offset("ventFan"), output))
        let clock = clock
        let plant = FuelCellPlant(configuration: configuration, parts: parts, sink: sink, now: { clock.now })
        await plant.enterSafeState()
        await plant.start()
        await plant.publish()
        return plant
    }

    var valveOpen: Bool { gpio.outputLevel(Self.offsets["h2Valve"] ?? 0) == true }
    var ventilation: Bool { gpio.outputLevel(Self.offsets["ventFan"] ?? 0) == true }

    func edge(_ plant: FuelCellPlant, _ input: FuelCellInput, high: Bool) async {
        let name = input == .emergencyStop ? "eStop" : input == .leakContact ? "h2Leak" : "faultReset"
        gpio.setInputLevel(Self.offsets[name] ?? 0, high: high)
        await plant.input(
            input,
            GPIOEdgeEvent(kind: high ? .rising : .falling, timestampNanoseconds: UInt64(clock.now.totalNanoseconds)))
    }

    /// Steps the plant's control and poll loops and the controller's simulated time for `seconds`, in 100 ms steps.
    func run(_ plant: FuelCellPlant, seconds: Double) async {
        for _ in 0..<Int(seconds * 10) {
            clock.advance(.milliseconds(100))
            stack.advance(by: .milliseconds(100))
            await plant.pollStep()
            await plant.controlStep()
        }
        await plant.publish()
    }

    /// From standby to running: purge, start, the controller's start-up, warm-up.
    func bringToRunning(_ plant: FuelCellPlant) async {
        #expect(await plant.requestStart() == nil)
        await run(plant, seconds: 5.1)
        #expect(await plant.machine.state == .start)
        await run(plant, seconds: 10.5)
        #expect(await plant.machine.state == .warmUp)
        await run(plant, seconds: 10.1)
        #expect(await plant.machine.state == .running)
    }

    @Test("safe state: valve closed, ventilation on, controller asked to stop; standby then stops the fan")
    func safeState() async throws {
        stack.device.set(.coils, at: FuelCellController.Map.Coil.run, bits: [true])
        let plant = try await plant()
        #expect(!valveOpen)
        // Standby without a warning: the fan may rest.
        #expect(!ventilation)
        #expect(stack.device.bits(.coils, at: FuelCellController.Map.Coil.run, count: 1) == [false])
        await plant.enterSafeState()
        #expect(!valveOpen)
        #expect(ventilation)
        #expect(sink.states.withLock { $0.last?["state"] } == .string("standby"))
    }

    @Test("a full sequence: purge with the valve closed, start, warm-up, ramped set-point, stop through cool-down")
    func sequence() async throws {
        let plant = try await plant()
        #expect(await plant.requestStart() == nil)
        #expect(ventilation)
        #expect(!valveOpen)
        await run(plant, seconds: 5.1)
        #expect(valveOpen)
        #expect(stack.device.bits(.coils, at: FuelCellController.Map.Coil.run, count: 1) == [true])
        await run(plant, seconds: 10.5)
        #expect(await plant.machine.state == .warmUp)
        await run(plant, seconds: 10.1)
        #expect(await plant.machine.state == .running)
        await run(plant, seconds: 3)
        let written = stack.device.registers(
            .holdingRegisters, at: FuelCellController.Map.HoldingRegister.powerSetpointKW, count: 2)
        let setpoint = Double(ModbusWordOrder.bigEndian.float32(written[0] ?? 0, written[1] ?? 0))
        #expect(abs(setpoint - 2) < 0.01)
        #expect(await plant.requestStop() == nil)
        await run(plant, seconds: 0.2)
        #expect(await plant.machine.state == .coolDown)
        #expect(valveOpen)
        // The simulated stack ramps down with a 5 s time constant and reports off below 10 W: about 26 s from 2 kW.
        await run(plant, seconds: 30)
        #expect(await plant.machine.state == .standby)
        #expect(!valveOpen)
        let transitions = sink.events(named: "transition").compactMap { $0["state"] }
        #expect(
            transitions
                == ["purge", "start", "warm-up", "running", "cool-down", "standby"].map { JSONValue.string($0) })
    }

    @Test("an E-stop edge closes the valve before the controller is told, and the shutdown says why and how fast")
    func emergencyStop() async throws {
        let plant = try await plant()
        await bringToRunning(plant)
        await edge(plant, .emergencyStop, high: false)
        #expect(!valveOpen)
        #expect(ventilation)
        #expect(stack.device.bits(.coils, at: FuelCellController.Map.Coil.emergencyStop, count: 1) == [true])
        await plant.publish()
        let shutdown = try #require(sink.events(named: "shutdown").first)
        #expect(shutdown["cause"] == .string("emergency-stop"))
        #expect(shutdown["reaction_ms"] == .number(0))
        stack.advance(by: .milliseconds(200))
        #expect(stack.state == .emergencyStop)
        // Refused while the chain is open; accepted once closed, the controller's latch cleared with it.
        #expect(await plant.resetFault(.command)?.contains("emergency-stop") == true)
        await edge(plant, .emergencyStop, high: true)
        let reset = Task { await plant.resetFault(.command) }
        for _ in 0..<20 {
            try await Task.sleep(for: .milliseconds(50))
            stack.advance(by: .milliseconds(100))
        }
        #expect(await reset.value == nil)
        #expect(await plant.machine.state == .standby)
        #expect(stack.state == .off)
    }

    @Test("the leak contact and 25 %LFL trip; 10 %LFL only warns and ventilates")
    func hydrogen() async throws {
        let plant = try await plant()
        adc.setInput(channel: 0, volts: 0.4 + 1.6 * 0.12)
        await plant.sensorStep()
        #expect(await plant.machine.warning)
        #expect(ventilation)
        #expect(await plant.machine.state == .standby)
        adc.setInput(channel: 0, volts: 0.4 + 1.6 * 0.3)
        await plant.sensorStep()
        #expect(await plant.machine.state == .tripped)
        #expect(await plant.machine.tripCause == .hydrogenHigh)
        adc.setInput(channel: 0, volts: 0.05)  // loop open
        await plant.sensorStep()
        #expect(await plant.machine.causes.contains(.hydrogenSensorFault))
        adc.setInput(channel: 0, volts: 0.4)
        await plant.sensorStep()
        await edge(plant, .leakContact, high: true)
        #expect(await plant.machine.causes == [.leakContact])
        await edge(plant, .leakContact, high: false)
        await edge(plant, .faultReset, high: true)
        #expect(await plant.machine.state == .standby)
        await plant.publish()
        #expect(sink.events(named: "fault-reset").first?["source"] == .string("local-input"))
    }

    @Test("no answer for link_lost_ms trips; once the controller answers again it is told its emergency stop")
    func controllerLink() async throws {
        let plant = try await plant()
        await bringToRunning(plant)
        stack.device.inject(.silent, count: nil)
        for _ in 0..<12 {
            clock.advance(.milliseconds(100))
            await plant.pollStep()
            await plant.controlStep()
        }
        #expect(await plant.machine.state == .tripped)
        #expect(await plant.machine.tripCause == .controllerLinkLost)
        #expect(!valveOpen)
        stack.device.clearFault()
        await plant.pollStep()
        #expect(!(await plant.machine.causes.contains(.controllerLinkLost)))
        #expect(await plant.machine.latched.contains(.controllerLinkLost))
        // Told again once it answers: the controller's emergency stop.
        stack.advance(by: .milliseconds(100))
        #expect(stack.state == .emergencyStop)
    }

    @Test("a controller fault while running trips with the controller's code and clears with its reset")
    func controllerFault() async throws {
        let plant = try await plant()
        await bringToRunning(plant)
        stack.setHydrogenSupply(bar: 0.1)
        await run(plant, seconds: 0.3)
        #expect(await plant.machine.tripCause == .controllerFault("h2-pressure-low"))
        #expect(!valveOpen)
        #expect(await plant.resetFault(.command)?.contains("controller-fault:h2-pressure-low") == true)
        stack.setHydrogenSupply(bar: 1.5)
        let reset = Task { await plant.resetFault(.command) }
        for _ in 0..<20 {
            try await Task.sleep(for: .milliseconds(50))
            stack.advance(by: .milliseconds(100))
        }
        #expect(await reset.value == nil)
        #expect(await plant.machine.latched.isEmpty)
    }

    @Test("set-power: above the local ceiling, negative or not a number is refused")
    func setPowerCeiling() async throws {
        let plant = try await plant()
        await plant.pollStep()
        #expect(await plant.requestPower(kilowatts: 4.6)?.contains("local ceiling") == true)
        #expect(await plant.requestPower(kilowatts: 4.5) == nil)
        #expect(await plant.requestPower(kilowatts: -0.1) != nil)
        #expect(await plant.requestPower(kilowatts: .nan) != nil)
        #expect(await plant.machine.demandKW == 4.5)
    }

    @Test("set-power: under a higher ceiling, the controller's rating still bounds the demand")
    func setPowerRating() async throws {
        var configuration = Self.configuration()
        configuration.hardware.limits.powerCeilingKW = 8
        let plant = try await plant(configuration)
        await plant.pollStep()
        #expect(await plant.requestPower(kilowatts: 6)?.contains("rating of 5.0 kW") == true)
        #expect(await plant.requestPower(kilowatts: 5) == nil)
    }

    @Test("a stalled control loop: the watchdog closes the valve from outside the actor, the next step latches it")
    func stall() async throws {
        let plant = try await plant()
        await bringToRunning(plant)
        #expect(valveOpen)
        #expect(!(await plant.watchdogCheck()))
        clock.advance(.seconds(2))
        #expect(await plant.watchdogCheck())
        #expect(!valveOpen)
        #expect(ventilation)
        await plant.controlStep()
        #expect(await plant.machine.latched.contains(.controlLoopStall))
        #expect(await plant.machine.state == .tripped)
    }

    @Test("telemetry: electrical and heat power and energy, stack, efficiency, H2, hours, starts")
    func telemetry() async throws {
        let plant = try await plant()
        await bringToRunning(plant)
        await run(plant, seconds: 20)
        await plant.telemetryStep()
        await plant.publish()
        let values = try #require(sink.telemetry.withLock { $0.last { $0.0 == "plant" }?.1 })
        for key in [
            "electrical_kw", "electrical_kwh", "heat_kw", "heat_kwh", "stack_v", "stack_a", "stack_c",
            "efficiency_pct", "h2_bar", "run_hours", "starts", "h2_lfl_pct", "setpoint_kw",
        ] {
            #expect(values[key] != nil, "\(key) missing")
        }
        guard case .number(let electrical) = values["electrical_kw"],
            case .number(let efficiency) = values["efficiency_pct"],
            case .number(let heat) = values["heat_kwh"]
        else {
            Issue.record("not numbers: \(values)")
            return
        }
        #expect(electrical > 1)
        #expect((30...70).contains(efficiency))
        #expect(heat > 0)
        #expect(values["starts"] == .number(1))
    }
}
