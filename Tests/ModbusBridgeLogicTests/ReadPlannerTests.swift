import ModbusBridgeLogic
import Testing

@Suite("Read planner")
struct ReadPlannerTests {
    static func point(
        _ name: String, _ register: RegisterType, _ address: Int, _ type: ModbusDataType = .u16, length: Int = 1
    ) -> ModbusPoint {
        var point = ModbusPoint(name: name)
        point.register = register
        point.address = address
        point.type = register.isBits ? .bool : type
        point.length = length
        return point
    }

    @Test("adjacent and overlapping points share one request; each point knows its place")
    func adjacent() {
        let points = [
            Self.point("b", .holding, 2, .f32), Self.point("a", .holding, 0, .u32), Self.point("c", .holding, 3),
        ]
        let plan = ReadPlanner.plan(points)
        #expect(plan.count == 1)
        #expect(plan.first?.address == 0)
        #expect(plan.first?.count == 4)
        #expect(plan.first?.points.map(\.point) == [1, 0, 2])
        #expect(plan.first?.points.map(\.offset) == [0, 2, 3])
    }

    @Test("a gap joins two spans only within max_gap")
    func gaps() {
        let points = [Self.point("a", .input, 0), Self.point("b", .input, 5)]
        #expect(ReadPlanner.plan(points).count == 2)
        #expect(ReadPlanner.plan(points, limits: ReadLimits(maxGapRegisters: 3)).count == 2)
        let joined = ReadPlanner.plan(points, limits: ReadLimits(maxGapRegisters: 4))
        #expect(joined.count == 1)
        #expect(joined.first?.count == 6)
    }

    @Test("125 registers per request at most; a value never splits across requests")
    func registerLimit() {
        // 63 f32 values back to back: 126 registers.
        let points = (0..<63).map { Self.point("p\($0)", .holding, $0 * 2, .f32) }
        let plan = ReadPlanner.plan(points)
        #expect(plan.map(\.count) == [124, 2])
        #expect(plan.map(\.address) == [0, 124])
        let device = ReadPlanner.plan(points, limits: ReadLimits(maxRegisters: 80))
        #expect(device.map(\.count) == [80, 46])
    }

    @Test("2000 bits per request; tables are never mixed")
    func bitLimit() {
        let coils = (0..<2001).map { Self.point("c\($0)", .coil, $0) }
        let inputs = [Self.point("d", .discrete, 0), Self.point("h", .holding, 0), Self.point("i", .input, 0)]
        let plan = ReadPlanner.plan(coils + inputs)
        #expect(plan.filter { $0.register == .coil }.map(\.count) == [2000, 1])
        #expect(Set(plan.map(\.register)) == [.coil, .discrete, .holding, .input])
        #expect(plan.count == 5)
    }

    @Test("the shipped SDM630 map's power group is three requests")
    func sdm630() throws {
        let map = try RegisterMap.load(file: ShippedMaps.folder + "/sdm630.yaml")
        let plan = ReadPlanner.plan(map.points(in: "power"), limits: map.limits)
        #expect(plan.map(\.address) == [0x00, 0x34, 0x46])
        #expect(plan.map(\.count) == [0x24, 2, 2])
    }
}
