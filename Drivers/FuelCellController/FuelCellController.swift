public import HAL

/// Driver for a stationary fuel-cell controller speaking the Curbside generic register map (see
/// `FuelCellController.Map`), over Modbus TCP or RTU, written against `ModbusClient` only.
public struct FuelCellController: Sendable {
    /// One poll of the controller.
    public struct Status: Sendable, Hashable {
        public var state: State
        public var faults: Faults
        public var warnings: UInt16
        public var stackVolts: Double
        public var stackAmps: Double
        public var stackCelsius: Double
        public var electricalKW: Double
        public var heatKW: Double
        public var hydrogenInletBar: Double
        public var hydrogenConcentrationPercentLEL: Double
        public var operatingHours: UInt32
        public var producedKWh: Double
        public var ratedKW: Double
    }

    public let client: any ModbusClient
    public let unit: ModbusUnitID
    public var timeout: Duration?

    public init(client: any ModbusClient, unit: ModbusUnitID = 1, timeout: Duration? = nil) {
        self.client = client
        self.unit = unit
        self.timeout = timeout
    }

    /// Reads all input registers in one request and checks the map version and the values' plausibility.
    public func status() async throws(ModbusError) -> Status {
        let registers = try await client.readInputRegisters(
            unit: unit, address: Map.InputRegister.state, count: Map.InputRegister.count, timeout: timeout)
        func float(_ address: RegisterAddress) -> Double {
            let index = Int(address.rawValue)
            return Double(ModbusWordOrder.bigEndian.float32(registers[index], registers[index + 1]))
        }
        let version = registers[Int(Map.InputRegister.version.rawValue)]
        guard version >> 8 == Map.version >> 8 else {
            throw invalid("register map version \(version >> 8).\(version & 0xFF), expected \(Map.version >> 8).x")
        }
        guard let state = State(rawValue: registers[Int(Map.InputRegister.state.rawValue)]) else {
            throw invalid("unknown state \(registers[0])")
        }
        let hoursIndex = Int(Map.InputRegister.operatingHours.rawValue)
        let status = Status(
            state: state, faults: Faults(rawValue: registers[Int(Map.InputRegister.faults.rawValue)]),
            warnings: registers[Int(Map.InputRegister.warnings.rawValue)],
            stackVolts: float(Map.InputRegister.stackVolts), stackAmps: float(Map.InputRegister.stackAmps),
            stackCelsius: float(Map.InputRegister.stackCelsius), electricalKW: float(Map.InputRegister.electricalKW),
            heatKW: float(Map.InputRegister.heatKW), hydrogenInletBar: float(Map.InputRegister.hydrogenInletBar),
            hydrogenConcentrationPercentLEL: float(Map.InputRegister.hydrogenConcentrationPercentLEL),
            operatingHours: ModbusWordOrder.bigEndian.uint32(registers[hoursIndex], registers[hoursIndex + 1]),
            producedKWh: float(Map.InputRegister.producedKWh), ratedKW: float(Map.InputRegister.ratedKW))
        let values = [
            status.stackVolts, status.stackAmps, status.stackCelsius, status.electricalKW, status.heatKW,
            status.hydrogenInletBar, status.hydrogenConcentrationPercentLEL, status.producedKWh, status.ratedKW,
        ]
        guard values.allSatisfy(\.isFinite) else { throw invalid("non-finite value in \(values)") }
        guard status.stackVolts >= 0, status.stackAmps >= 0, status.ratedKW > 0,
            (-40...150).contains(status.stackCelsius)
        else {
            throw invalid(
                "implausible stack \(status.stackVolts) V \(status.stackAmps) A \(status.stackCelsius) °C, rated "
                    + "\(status.ratedKW) kW")
        }
        return status
    }

    /// Requests start (`true`) or a controlled stop (`false`).
    public func setRunning(_ running: Bool) async throws(ModbusError) {
        try await client.writeSingleCoil(unit: unit, address: Map.Coil.run, value: running, timeout: timeout)
    }

    /// Emergency stop: closes the H₂ valve at once; latched until `resetFaults()`.
    public func emergencyStop() async throws(ModbusError) {
        try await client.writeSingleCoil(unit: unit, address: Map.Coil.emergencyStop, value: true, timeout: timeout)
    }

    /// Clears latched faults whose cause has gone (and a latched emergency stop).
    public func resetFaults() async throws(ModbusError) {
        try await client.writeSingleCoil(unit: unit, address: Map.Coil.resetFaults, value: true, timeout: timeout)
    }

    /// Sets the electrical power set-point; the controller answers `illegalDataValue` outside 0…rated.
    public func setPowerSetpoint(kilowatts: Double) async throws(ModbusError) {
        guard kilowatts.isFinite, kilowatts >= 0 else {
            throw ModbusError(
                .invalidArgument, endpoint: client.endpoint, unit: unit, operation: "set power set-point",
                detail: "\(kilowatts) kW is not a valid set-point")
        }
        try await client.writeMultipleRegisters(
            unit: unit, address: Map.HoldingRegister.powerSetpointKW,
            values: ModbusWordOrder.bigEndian.registers(Float(kilowatts)), timeout: timeout)
    }

    /// Arms the communication watchdog (0 turns it off).
    public func setWatchdog(seconds: UInt16) async throws(ModbusError) {
        try await client.writeSingleRegister(
            unit: unit, address: Map.HoldingRegister.watchdogSeconds, value: seconds, timeout: timeout)
    }

    /// Keeps the watchdog alive.
    public func kickWatchdog() async throws(ModbusError) {
        try await client.writeSingleRegister(
            unit: unit, address: Map.HoldingRegister.watchdogKick, value: 1, timeout: timeout)
    }

    private func invalid(_ detail: String) -> ModbusError {
        ModbusError(
            .invalidResponse, endpoint: client.endpoint, unit: unit, operation: "fuel-cell status", detail: detail)
    }
}
