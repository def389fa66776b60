public import HAL

/// Driver for the Eastron SDM630-Modbus V2 three-phase energy meter (charger metering), written against
/// `ModbusClient` only.
///
/// One `read()` takes three input-register reads and returns volts, amps, watts and power factor per phase, total
/// power, frequency and the import/export energy registers. Values the meter cannot have sent — NaN, infinities,
/// negative volts or energy, a frequency outside 40…70 Hz while voltage is present — are a typed
/// `invalidResponse`, never a reading.
public struct SDM630: Sendable {
    /// One poll of the meter.
    public struct Reading: Sendable, Hashable {
        public var phaseVolts: [Double]
        public var phaseAmps: [Double]
        public var phaseWatts: [Double]
        public var phasePowerFactor: [Double]
        public var totalWatts: Double
        public var frequencyHertz: Double
        public var importKWh: Double
        public var exportKWh: Double

        public init(
            phaseVolts: [Double], phaseAmps: [Double], phaseWatts: [Double], phasePowerFactor: [Double],
            totalWatts: Double, frequencyHertz: Double, importKWh: Double, exportKWh: Double
        ) {
            self.phaseVolts = phaseVolts
            self.phaseAmps = phaseAmps
            self.phaseWatts = phaseWatts
            self.phasePowerFactor = phasePowerFactor
            self.totalWatts = totalWatts
            self.frequencyHertz = frequencyHertz
            self.importKWh = importKWh
            self.exportKWh = exportKWh
        }
    }

    public let client: any ModbusClient
    public let unit: ModbusUnitID
    /// Per-request timeout; `nil` uses the port's.
    public var timeout: Duration?

    public init(client: any ModbusClient, unit: ModbusUnitID = SDM630.defaultUnit, timeout: Duration? = nil) {
        self.client = client
        self.unit = unit
        self.timeout = timeout
    }

    /// Reads everything in `Reading` (three requests).
    public func read() async throws(ModbusError) -> Reading {
        var values: [UInt16: Double] = [:]
        for block in Self.blocks {
            let registers = try await client.readInputRegisters(
                unit: unit, address: block.address, count: block.count, timeout: timeout)
            let floats = ModbusWordOrder.bigEndian.float32s(registers)
            for (index, value) in floats.enumerated() {
                values[block.address.rawValue + UInt16(index * 2)] = Double(value)
            }
        }
        func value(_ address: RegisterAddress) -> Double { values[address.rawValue] ?? .nan }
        let reading = Reading(
            phaseVolts: Register.phaseVolts.map(value), phaseAmps: Register.phaseAmps.map(value),
            phaseWatts: Register.phaseWatts.map(value), phasePowerFactor: Register.phasePowerFactor.map(value),
            totalWatts: value(Register.totalWatts), frequencyHertz: value(Register.frequency),
            importKWh: value(Register.importKWh), exportKWh: value(Register.exportKWh))
        try check(reading)
        return reading
    }

    private func check(_ reading: Reading) throws(ModbusError) {
        func implausible(_ detail: String) -> ModbusError {
            ModbusError(
                .invalidResponse, endpoint: client.endpoint, unit: unit, operation: "SDM630 read", detail: detail)
        }
        let all =
            reading.phaseVolts + reading.phaseAmps + reading.phaseWatts + reading.phasePowerFactor
            + [reading.totalWatts, reading.frequencyHertz, reading.importKWh, reading.exportKWh]
        guard all.allSatisfy(\.isFinite) else { throw implausible("non-finite value in \(all)") }
        guard reading.phaseVolts.allSatisfy({ (0...1000).contains($0) }) else {
            throw implausible("phase volts \(reading.phaseVolts) outside 0…1000 V")
        }
        guard reading.importKWh >= 0, reading.exportKWh >= 0 else {
            throw implausible("negative energy register (import \(reading.importKWh), export \(reading.exportKWh))")
        }
        if reading.phaseVolts.contains(where: { $0 > 50 }) {
            guard (40...70).contains(reading.frequencyHertz) else {
                throw implausible("frequency \(reading.frequencyHertz) Hz with voltage present")
            }
        }
    }
}
