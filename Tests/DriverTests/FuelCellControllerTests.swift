import FuelCellController
import HAL
import HALLinux
import HALSim
import Testing

/// The fuel-cell driver against the simulated controller over real Modbus TCP; simulated time is explicit.
@Suite("Fuel-cell controller")
struct FuelCellControllerTests {
    let stack = SimulatedFuelCellController()
    let line = SimulatedModbusLine()
    let server: ModbusTCPServer
    let controller: FuelCellController

    init() throws {
        line.attach(stack.device, as: 1)
        server = try ModbusTCPServer(handler: line)
        let client = try LinuxModbusClient.tcp(ModbusTCPConfiguration(host: "127.0.0.1", port: server.port))
        controller = FuelCellController(client: client)
    }

    @Test("off at power-up: map version 1.0, rated 5 kW, valve closed")
    func initial() async throws {
        let status = try await controller.status()
        #expect(status.state == .off)
        #expect(status.faults.isEmpty)
        #expect(status.ratedKW == 5)
        #expect(status.electricalKW == 0)
        #expect(
            stack.device.registers(.inputRegisters, at: FuelCellController.Map.InputRegister.version, count: 1) == [
                0x0100
            ])
        #expect(!stack.hydrogenValveOpen)
    }

    @Test("start, ramp to the set-point with first-order dynamics, warm up, stop with cool-down")
    func startAndStop() async throws {
        try await controller.setPowerSetpoint(kilowatts: 4)
        try await controller.setRunning(true)
        stack.advance(by: .seconds(1))
        #expect(try await controller.status().state == .starting)
        stack.advance(by: .seconds(10))
        #expect(try await controller.status().state == .running)
        // Running since t = 10 s; at t = 16 s, 6 s ≈ 1.2 time constants in: 1 − e^−1.2 ≈ 70 % of the set-point.
        stack.advance(by: .seconds(5))
        let ramping = try await controller.status()
        #expect(abs(ramping.electricalKW - 4 * 0.70) < 0.1, "\(ramping.electricalKW)")
        stack.advance(by: .seconds(60))
        let steady = try await controller.status()
        #expect(abs(steady.electricalKW - 4) < 0.01)
        #expect(abs(steady.heatKW - 4.4) < 0.02)
        // V·I is the output; volts lie on the polarisation curve between open circuit and rated load.
        #expect(abs(steady.stackVolts * steady.stackAmps / 1000 - 4) < 0.01)
        #expect(steady.stackVolts > 48 * 0.65 && steady.stackVolts < 48 * 0.95)
        #expect(steady.stackCelsius > 40)

        try await controller.setRunning(false)
        stack.advance(by: .seconds(1))
        #expect(try await controller.status().state == .stopping)
        stack.advance(by: .seconds(60))
        let stopped = try await controller.status()
        #expect(stopped.state == .off)
        #expect(stopped.electricalKW == 0)
        #expect(stopped.producedKWh > 0)
    }

    @Test("a set-point above the rating is refused by the controller with illegal data value")
    func setpointRange() async throws {
        let error = await #expect(throws: ModbusError.self) { try await controller.setPowerSetpoint(kilowatts: 7.5) }
        #expect(error?.code == .exception(.illegalDataValue))
        let negative = await #expect(throws: ModbusError.self) { try await controller.setPowerSetpoint(kilowatts: -1) }
        #expect(negative?.code == .invalidArgument)
    }

    @Test("an H2 leak forces an emergency stop; reset clears only once the cause has gone, and does not restart")
    func hydrogenLeak() async throws {
        try await controller.setPowerSetpoint(kilowatts: 5)
        try await controller.setRunning(true)
        stack.advance(by: .seconds(30))
        stack.setHydrogenConcentration(percentLEL: 12)
        stack.advance(by: .milliseconds(100))
        let warned = try await controller.status()
        #expect(warned.warnings == 1)
        #expect(warned.state == .running)
        stack.setHydrogenConcentration(percentLEL: 30)
        stack.advance(by: .milliseconds(100))
        let tripped = try await controller.status()
        #expect(tripped.state == .emergencyStop)
        #expect(tripped.faults.contains(.hydrogenLeak))
        #expect(tripped.electricalKW == 0)
        #expect(!stack.hydrogenValveOpen)

        try await controller.resetFaults()
        stack.advance(by: .milliseconds(100))
        #expect(try await controller.status().state == .emergencyStop)
        stack.setHydrogenConcentration(percentLEL: 0)
        try await controller.resetFaults()
        stack.advance(by: .milliseconds(100))
        let reset = try await controller.status()
        #expect(reset.state == .off)
        #expect(reset.faults.isEmpty)
        stack.advance(by: .seconds(20))
        #expect(try await controller.status().state == .off)
    }

    @Test("cooling failure overheats the stack into an over-temperature fault")
    func overTemperature() async throws {
        try await controller.setPowerSetpoint(kilowatts: 5)
        try await controller.setRunning(true)
        stack.setCoolingFailed(true)
        stack.advance(by: .seconds(300))
        let status = try await controller.status()
        #expect(status.state == .fault)
        #expect(status.faults.contains(.overTemperature))
        #expect(status.faults.description == "over-temperature")
        #expect(status.electricalKW == 0)
    }

    @Test("the communication watchdog trips a running stack that stops hearing from its gateway")
    func watchdog() async throws {
        try await controller.setWatchdog(seconds: 5)
        try await controller.setPowerSetpoint(kilowatts: 2)
        try await controller.setRunning(true)
        for _ in 0..<6 {
            stack.advance(by: .seconds(4))
            try await controller.kickWatchdog()
        }
        #expect(try await controller.status().state == .running)
        stack.advance(by: .seconds(6))
        let status = try await controller.status()
        #expect(status.state == .fault)
        #expect(status.faults == .communicationLost)
    }

    @Test("low H2 supply pressure while starting is a fault")
    func hydrogenPressure() async throws {
        stack.setHydrogenSupply(bar: 0.1)
        try await controller.setRunning(true)
        stack.advance(by: .seconds(1))
        let status = try await controller.status()
        #expect(status.state == .fault)
        #expect(status.faults.contains(.hydrogenPressureLow))
    }
}
