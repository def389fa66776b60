/// One charging session, shaped for an OCPP 1.6J / 2.0.1 bridge: a transaction id, the id tag, start and stop time,
/// meter start and stop in Wh (the meter's import register, as `StartTransaction.meterStart` / `TransactionEvent`
/// carry it), the largest power seen, and the stop reason by both versions' names.
public struct ChargingSession: Sendable, Hashable, Codable {
    public var transactionId: String
    public var idTag: String
    /// Connector (EVSE) number; a charge point with one outlet has connector 1.
    public var connectorId = 1
    /// Seconds since 1970 (UTC).
    public var startTime: Double
    public var stopTime: Double?
    public var meterStartWh: Double
    public var meterStopWh: Double?
    /// The last meter reading taken during the session.
    public var meterLastWh: Double
    public var maxPowerW: Double = 0
    public var stopReason: StopReason?

    public init(transactionId: String, idTag: String, startTime: Double, meterStartWh: Double) {
        self.transactionId = transactionId
        self.idTag = idTag
        self.startTime = startTime
        self.meterStartWh = meterStartWh
        meterLastWh = meterStartWh
    }

    /// Energy delivered so far (or in total, once stopped).
    public var energyWh: Double { max((meterStopWh ?? meterLastWh) - meterStartWh, 0) }

    public var isOpen: Bool { stopTime == nil }

    /// Takes a meter reading during the session.
    public mutating func record(meterWh: Double, watts: Double) {
        meterLastWh = max(meterLastWh, meterWh)
        maxPowerW = max(maxPowerW, watts)
    }

    /// Ends the session with the last meter reading (or `meterWh` when given).
    public mutating func stop(at time: Double, meterWh: Double?, reason: StopReason) {
        if let meterWh { meterLastWh = max(meterLastWh, meterWh) }
        stopTime = time
        meterStopWh = meterLastWh
        stopReason = reason
    }
}
