/// A device's register map as a map file describes it: its poll groups and its points, with the defaults for word and
/// byte order and the read limits the device keeps to. Loaded from YAML by `RegisterMap.load(file:)`; the format's
/// JSON Schema is `RegisterMap.schema` (`Firmware-config/schema/modbus-map.schema.json`).
public struct RegisterMap: Sendable, Hashable {
    /// The device model the map describes (for people and logs).
    public var model = ""
    public var wordOrder = WordOrder.big
    public var byteOrder = ByteOrder.big
    public var limits = ReadLimits()
    public var groups: [PollGroup] = []
    public var points: [ModbusPoint] = []

    public init() {}

    /// The defaults a point without its own order takes.
    public var orders: (WordOrder, ByteOrder) { (wordOrder, byteOrder) }

    public func group(named name: String) -> PollGroup? { groups.first { $0.name == name } }
    public func point(named name: String) -> ModbusPoint? { points.first { $0.name == name } }
    public func points(in group: String) -> [ModbusPoint] { points.filter { $0.group == group } }
}

/// Points read and published together, on their own period.
public struct PollGroup: Sendable, Hashable {
    public var name: String
    public var period: Duration = .seconds(1)
    /// The group is published at least this often even when nothing moved beyond its deadband.
    public var heartbeat: Duration = .seconds(60)

    public init(name: String, period: Duration = .seconds(1), heartbeat: Duration = .seconds(60)) {
        self.name = name
        self.period = period
        self.heartbeat = heartbeat
    }
}
