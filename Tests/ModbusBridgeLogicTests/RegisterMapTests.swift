import ConfigSupport
import Foundation
import ModbusBridgeLogic
import Testing

enum ShippedMaps {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../Firmware-config/modbus").standardizedFileURL.path
}

@Suite("Register map files")
struct RegisterMapTests {
    @Test("the shipped maps load", arguments: ["sdm630.yaml", "fuel-cell-controller.yaml"])
    func shipped(file: String) throws {
        let map = try RegisterMap.load(file: ShippedMaps.folder + "/" + file)
        #expect(!map.points.isEmpty)
        for point in map.points { #expect(map.group(named: point.group) != nil) }
    }

    @Test("the fuel-cell map's bitfield and coil defaults")
    func fuelCell() throws {
        let map = try RegisterMap.load(file: ShippedMaps.folder + "/fuel-cell-controller.yaml")
        #expect(map.point(named: "run")?.type == .bool)
        #expect(map.point(named: "faults")?.bits.first { $0.name == "h2_leak" }?.bit == 2)
        #expect(map.point(named: "power_setpoint")?.writable == true)
        #expect(map.group(named: "status")?.period == .milliseconds(500))
    }

    static func problems(_ yaml: String) -> [String] {
        do {
            _ = try RegisterMap.parse(yaml, file: "bad.yaml")
            return []
        } catch {
            return error.issues.map(\.description)
        }
    }

    static let header = """
        groups:
          fast: {period_ms: 100}

        """

    @Test("every problem of a bad map at its JSON path and line, all at once")
    func pathPrecise() {
        let problems = Self.problems(
            Self.header + """
                points:
                  - {name: a, register: holding, address: 0, group: fast}
                  - {name: b, register: holding, address: 1, type: f23, group: fast}
                  - {name: c, register: input, address: 70000, group: fast}
                  - {name: d, register: holdng, address: 1, group: fast}
                  - {name: e, register: holding, address: 2, group: fsat}
                  - {name: a, register: holding, address: 3, group: fast}
                """)
        #expect(problems.count == 5, "\(problems)")
        #expect(
            problems.first?.hasPrefix(
                #"$.points[1].type: expected one of "bool", "u16", "i16", "u32", "i32", "u64", "i64", "f32", "f64", "string", "bitfield", got "f23""#
            ) == true, "\(problems)")
        #expect(problems.first?.hasSuffix("(line 5)") == true, "\(problems)")
        #expect(problems.dropFirst().first == "$.points[2].address: expected integer 0…65535, got 70000 (line 6)")
        #expect(
            problems.dropFirst(2).first
                == #"$.points[3].register: expected one of "coil", "discrete", "holding", "input", got "holdng"; did you mean "holding"? (line 7)"#
        )
        #expect(
            problems.dropFirst(3).first
                == #"$.points[4].group: expected a group of $.groups (fast), got "fsat"; did you mean "fast"? (line 8)"#
        )
        #expect(
            problems.dropFirst(4).first
                == #"$.points[5].name: expected a name no other point has, got "a", already the name of $.points[0] (line 9)"#
        )
    }

    @Test("types that do not fit their table, sizes and write rules")
    func consistency() {
        let problems = Self.problems(
            Self.header + """
                points:
                  - {name: a, register: coil, address: 0, type: u16, group: fast}
                  - {name: b, register: holding, address: 0, type: bool, group: fast}
                  - {name: c, register: holding, address: 1, type: string, group: fast}
                  - {name: d, register: input, address: 2, writable: true, group: fast}
                  - {name: e, register: holding, address: 3, type: bitfield, bits: {x: 16}, group: fast}
                  - {name: f, register: holding, address: 4, min: 10, max: 5, group: fast}
                  - {name: g, register: holding, address: 65535, type: u32, group: fast}
                """)
        #expect(problems.count == 7, "\(problems)")
        #expect(problems.contains { $0.hasPrefix("$.points[0].type: expected bool for a coil") })
        #expect(problems.contains { $0.hasPrefix("$.points[1].type: expected a register type") })
        #expect(problems.contains { $0.hasPrefix("$.points[2].length: expected the string's length") })
        #expect(problems.contains { $0.hasPrefix("$.points[3].writable: expected writable only for coil or holding") })
        #expect(problems.contains { $0.hasPrefix("$.points[4].bits.x: expected a bit 0…15 of 1 register(s), got 16") })
        #expect(problems.contains { $0.hasPrefix("$.points[5].max: expected max at least min") })
        #expect(problems.contains { $0.hasPrefix("$.points[6].address: expected a point ending at or below") })
    }

    @Test("unknown keys, ranges, a point too wide for the device's limit, a group nothing uses")
    func structure() {
        let problems = Self.problems(
            """
            max_read_registers: 8
            groups:
              fast: {period_ms: 5, heartbeat: 3}
              slow: {period_ms: 1000}
            points:
              - {name: s, register: holding, address: 0, type: string, length: 10, group: slow}
            """)
        #expect(problems.contains { $0.hasPrefix("$.groups.fast.period_ms: expected integer 10…86400000 ms, got 5") })
        #expect(
            problems.contains {
                $0.hasPrefix(#"$.groups.fast.heartbeat: expected a key of $.groups.fast (heartbeat_s, period_ms)"#)
                    && $0.contains(#"did you mean "heartbeat_s"?"#)
            }, "\(problems)")
        #expect(problems.contains { $0.hasPrefix("$.points[0].length: expected at most max_read_registers (8)") })
        let unused = Self.problems(
            """
            groups:
              fast: {period_ms: 100}
              slow: {period_ms: 1000}
            points:
              - {name: s, register: holding, address: 0, group: fast}
            """)
        #expect(
            unused == [
                #"$.groups.slow: expected a group that at least one point names, got no point in "slow" (line 2)"#
            ])
    }

    @Test("a map file that is not YAML or not there says so with its file name")
    func files() {
        #expect(throws: DocumentError.self) { try RegisterMap.parse("points: [", file: "broken.yaml") }
        do {
            _ = try RegisterMap.load(file: "/nonexistent/map.yaml")
            Issue.record("a missing file loaded")
        } catch {
            #expect(error.code == .unreadable)
            #expect(error.description.hasPrefix("/nonexistent/map.yaml: unreadable"))
        }
    }
}
