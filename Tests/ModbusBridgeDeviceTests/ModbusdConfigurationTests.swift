import AgentRuntime
import ConfigSupport
import Foundation
import ModbusBridgeDevice
import ModbusBridgeLogic
import Testing

/// modbusd's `device` section: path-precise problems in the daemon's own file; maps loaded relative to it.
@Suite("modbusd configuration")
struct ModbusdConfigurationTests {
    static func problems(_ yaml: String) -> [String] {
        do {
            _ = try YAMLDocument.readSection(yaml, section: "device") { reader, node, path in
                ModbusdConfiguration.read(&reader, node, at: path)
            }
            return []
        } catch {
            return error.issues.map(\.description)
        }
    }

    @Test("duplicate names, both transports, a bad address, settings out of range: each at its path")
    func problems() {
        let problems = Self.problems(
            """
            device:
              hardware:
                devices:
                  - {name: meter, map: m.yaml, serial: rs485-0, unit: 1}
                  - {name: meter, map: m.yaml, serial: rs485-0, unit: 2}
                  - {name: both, map: m.yaml, serial: rs485-0, tcp: "10.0.0.1:502", unit: 3}
                  - {name: far, map: m.yaml, tcp: "10.0.0.1:99999", unit: 3}
                  - {name: nomap, tcp: "10.0.0.1:502", unit: 0}
              backoff_initial_ms: 5000
              backoff_max_s: 2
            """)
        #expect(
            problems.contains(
                #"$.device.hardware.devices[1].name: expected a name no other device has, got "meter", already the name of $.device.hardware.devices[0] (line 5)"#
            ), "\(problems)")
        #expect(problems.contains { $0.hasPrefix("$.device.hardware.devices[2]: expected either serial or tcp") })
        #expect(problems.contains { $0.hasPrefix("$.device.hardware.devices[3].tcp: expected") })
        #expect(problems.contains { $0.hasPrefix(#"$.device.hardware.devices[4].map: expected required key "map""#) })
        #expect(problems.contains { $0.hasPrefix("$.device.hardware.devices[4].unit: expected integer 1…247") })
        #expect(problems.contains { $0.hasPrefix("$.device.backoff_max_s: expected at least backoff_initial_ms") })
    }

    @Test("maps load relative to the configuration file; an unreadable one is reported at the key that names it")
    func maps() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("modbusd-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try "groups: {g: {period_ms: 100}}\npoints: [{name: p, register: input, address: 0, group: g}]\n".write(
            to: folder.appendingPathComponent("good.yaml"), atomically: true, encoding: .utf8)
        var configuration = try YAMLDocument.readSection(
            """
            device:
              hardware:
                devices:
                  - {name: a, map: good.yaml, tcp: "127.0.0.1:502", unit: 1, periods_ms: {g: 250}}
                  - {name: b, map: absent.yaml, tcp: "127.0.0.1:502", unit: 2}
                  - {name: c, map: good.yaml, tcp: "127.0.0.1:502", unit: 3, periods_ms: {h: 250}}
            """, section: "device"
        ) { reader, node, path in ModbusdConfiguration.read(&reader, node, at: path) }
        let problems = configuration.loadReferencedFiles(
            configurationFile: folder.appendingPathComponent("modbusd.yaml").path)
        #expect(configuration.maps["a"]?.point(named: "p") != nil)
        // Device a's own period for group g; the map's is 100 ms.
        #expect(configuration.maps["a"]?.group(named: "g")?.period == .milliseconds(250))
        // Device c reads the same file (read once for both): the map's own period, not a's.
        #expect(configuration.maps["c"]?.group(named: "g")?.period == .milliseconds(100))
        #expect(problems.count == 1)
        #expect(
            problems.first?.issues.map(\.description) == [
                #"$.device.hardware.devices[1].map: expected a readable register map file, got "\#(folder.path)/absent.yaml""#,
                #"$.device.hardware.devices[2].periods_ms.h: expected a group of good.yaml (g), got "h"; did you mean "g"?"#,
            ])
    }
}
