import AgentRuntime
import ConfigSchemas
import CurbctlFleet
import Foundation
import MQTTTransport
import Testing

/// The pieces of `curbctl` that need no broker: units from names, the watch line, the diff, addresses, profiles.
@Suite("curbctl parts")
struct FleetPartsTests {
    @Test(
        "a value's unit comes from its name",
        arguments: [
            ("temperature_c", "temperature", "°C"), ("x_rms_m_s2", "x_rms", "m/s²"),
            ("ppv_vector_mm_s", "ppv_vector", "mm/s"),
            ("pm2_5_ugm3", "pm2_5", "µg/m³"), ("uptime_s", "uptime", "s"), ("lux", "lux", "lx"),
            ("pressure_hpa", "pressure", "hPa"), ("x_bands_m2_s4", "x_bands", "m²/s⁴"), ("state", "state", ""),
        ])
    func units(name: String, quantity: String, symbol: String) {
        let unit = ValueUnit(name: name)
        #expect(unit.quantity == quantity)
        #expect(unit.symbol == symbol)
    }

    @Test("a vibration window is folded: scalars on the line, per-axis figures in a table, bands summarised")
    func folding() {
        var document: [String: JSONValue] = ["ts": "2026-12-02T10:00:00.250Z", "seq": 3, "ppv_vector_mm_s": 0.41]
        for axis in ["x", "y", "z"] {
            document["\(axis)_rms_m_s2"] = 0.0123
            document["\(axis)_peak_m_s2"] = 0.05
            document["\(axis)_bands_m2_s4"] = .array((0..<16).map { .number(Double($0 == 5 ? 9 : 1)) })
        }
        let message = MQTTMessage(
            topic: "curb/v1/mapo-bridge/vibration/pier-3/telemetry/vibration",
            string: JSONText.encode(JSONValue.object(document), pretty: false))
        let lines = WatchFormatter(colour: false, width: 100).lines(for: message, receivedAt: "2026-12-02T10:00:01Z")
        #expect(lines[0] == "10:00:00.250 mapo-bridge/vibration/pier-3 telemetry/vibration  ppv_vector 0.41 mm/s")
        // The amplitudes first, the spectrum last.
        #expect(lines[1].hasPrefix("    axis  rms m/s²  peak m/s²  bands m²/s⁴"), "\(lines)")
        #expect(lines[2].hasPrefix("    x     0.0123    0.05       [16 values, max 9 at #5]"), "\(lines)")
        #expect(lines.count == 5)
        #expect(!lines.joined().contains("\u{1B}["), "no colour unless asked for")
    }

    @Test("a long record wraps at the width; colour only when asked for")
    func wrapping() {
        let values = "abcdefghijkl".enumerated().map { "\"\($0.element)_c\":\($0.offset)" }.joined(separator: ",")
        let message = MQTTMessage(topic: "curb/v1/s/streetlight/p/telemetry/environment", string: "{\(values)}")
        let plain = WatchFormatter(colour: false, width: 60).lines(for: message, receivedAt: "2026-12-02T10:00:01.000Z")
        #expect(plain.count > 2)
        #expect(plain.allSatisfy { $0.count <= 60 }, "\(plain)")
        #expect(plain[1].hasPrefix("    a 0 °C · b 1 °C · c 2 °C"), "\(plain)")
        let coloured = WatchFormatter(colour: true, width: 60).lines(for: message, receivedAt: "2026-12-02T10:00:01Z")
        #expect(coloured[0].contains("\u{1B}[36ms/streetlight/p\u{1B}[0m"))
    }

    @Test("health: byte counts in KiB/MiB, a record two levels deep on one field")
    func health() {
        let message = MQTTMessage(
            topic: "curb/v1/s/vibration/p/telemetry/health",
            string:
                #"{"rss_bytes":42532864,"outbox_bytes":0,"subscriptions":{"cmd/+":{"state":"active","attempts":1}}}"#)
        let lines = WatchFormatter(colour: false, width: 200).lines(for: message, receivedAt: "2026-12-02T10:00:01Z")
        #expect(
            lines == [
                "10:00:01 s/vibration/p telemetry/health  outbox 0 B · rss 40.6 MiB · subscriptions.cmd/+ {attempts 1, state active}"
            ], "\(lines)")
    }

    @Test("the diff lists changed, added and removed values by path")
    func diff() {
        let old: JSONValue = ["lux_on": 30, "lamp": ["settle_s": 10], "profile": [["from": "23:00", "level": 50]]]
        let new: JSONValue = [
            "lux_on": 35, "lamp": ["settle_s": 10, "rated_power_w": 60], "profile": [["from": "23:00", "level": 40]],
        ]
        #expect(
            ConfigDiff.lines(from: old, to: new).map(\.description) == [
                "+ $.lamp.rated_power_w: 60", "- $.lux_on: 30", "+ $.lux_on: 35", "- $.profile[0].level: 50",
                "+ $.profile[0].level: 40",
            ])
        #expect(ConfigDiff.lines(from: new, to: new).isEmpty)
    }

    @Test("the local validation is the daemon's: same paths under $.config.device, unknown kinds left to the device")
    func localValidation() {
        let problems = DeviceKinds.problems(kind: "streetlight", device: ["lux_on": "bright", "lux_of": 3]) ?? []
        #expect(problems.contains { $0.hasPrefix("$.config.device.lux_on: expected number") }, "\(problems)")
        #expect(problems.contains { $0.contains("$.config.device.lux_of") && $0.contains("lux_off") }, "\(problems)")
        #expect(DeviceKinds.problems(kind: "vibration", device: [:]) == [])
        #expect(DeviceKinds.problems(kind: "teapot", device: [:]) == nil)
    }

    @Test("Tools/daemons and the kinds table name the same daemons, each with a validator for its example's kind")
    func everyDaemonKindIsKnown() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let table = try String(contentsOf: root.appendingPathComponent("Tools/daemons"), encoding: .utf8)
        let daemons = table.split(separator: "\n").compactMap { line -> String? in
            guard let name = line.split(separator: " ").first, !name.hasPrefix("#") else { return nil }
            return String(name)
        }
        #expect(daemons.contains("crosswalkd"))
        // And the other way round: no row of the kinds table names a daemon Tools/daemons does not run.
        #expect(Set(DeviceKinds.all.map(\.daemon)) == Set(daemons).subtracting(["curb-agent"]))
        for daemon in daemons where daemon != "curb-agent" {
            let example = try String(
                contentsOf: root.appendingPathComponent("Firmware-config/examples/\(daemon).yaml"), encoding: .utf8)
            // The identity's `kind:`, in block or flow style.
            let kind = example.split(whereSeparator: { $0 == "\n" || $0 == "," || $0 == "{" }).lazy
                .map { $0.trimmingCharacters(in: .whitespaces) }
                .first { $0.hasPrefix("kind:") }?.dropFirst("kind:".count).trimmingCharacters(in: .whitespaces)
            #expect(kind.flatMap { DeviceKinds.daemon(ofKind: $0) } == daemon, "\(daemon): kind \(kind ?? "none")")
        }
    }

    @Test("command arguments: key=value, JSON values typed, anything else a string")
    func arguments() throws {
        let args = try CommandCall.arguments(["level=30", "on=true", "name=pole 7", #"zones=["a"]"#])
        #expect(args == ["level": 30, "on": true, "name": "pole 7", "zones": ["a"]])
        #expect(throws: FleetError.self) { try CommandCall.arguments(["level"]) }
        let call = CommandCall(target: try DeviceIdentity(site: "s", kind: "k", device: "d"), name: "ping", id: "7")
        let request = call.request(clientID: "curbctl-1")
        #expect(request.topic == "curb/v1/s/k/d/cmd/ping")
        #expect(request.responseTopic == "ops/replies/s~k~d/curbctl-1/7")
        #expect(request.correlationData == Array("7".utf8))
        #expect(!request.retain)
    }

    @Test("devices are named site/kind/id or by id; a filter is a pattern or one name")
    func addresses() throws {
        let full = try DeviceAddress(parsing: "jongno-gu/streetlight/pole-0417")
        #expect(full.site == "jongno-gu" && full.kind == "streetlight" && full.device == "pole-0417")
        #expect(try DeviceAddress(parsing: "pole-0417").site == nil)
        #expect(throws: FleetError.self) { try DeviceAddress(parsing: "a/b") }
        #expect(throws: FleetError.self) { try DeviceAddress(parsing: "a/+/c") }
        #expect(try WatchFilter("+/streetlight/+").subscription == "curb/v1/+/streetlight/+/#")
        let word = try WatchFilter("vibration")
        #expect(word.subscription == "curb/v1/#")
        #expect(word.matches(try #require(DeviceTopic("curb/v1/mapo/vibration/pier-3/state"))))
        #expect(!word.matches(try #require(DeviceTopic("curb/v1/mapo/streetlight/pole/state"))))
    }

    @Test("profiles: the mqtt section's keys and errors, the default profile, XDG_CONFIG_HOME, exposed secrets refused")
    func profiles() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
            "curbctl-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        #expect(
            BrokerSettings.profileFile(environment: ["XDG_CONFIG_HOME": folder.path, "HOME": "/h"]) == folder.path
                + "/curbside/curbctl.yaml")
        #expect(BrokerSettings.profileFile(environment: ["HOME": "/h"]) == "/h/.config/curbside/curbctl.yaml")
        let password = folder.appendingPathComponent("pw")
        try "secret\n".write(to: password, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: password.path)
        let file = folder.appendingPathComponent("curbctl.yaml").path
        try """
        default: city
        profiles:
          demo: {url: "mqtt://127.0.0.1:1884"}
          city: {url: "mqtts://broker.example:8883", username: operator, password_file: \(password.path), tls: {ca_file: /etc/ca.pem}}
          typo: {url: "mqtt://x", keepalive: 5}
        """.write(toFile: file, atomically: true, encoding: .utf8)
        let city = try #require(try BrokerSettings.profile(named: nil, file: file))
        #expect(city.mqtt.url == "mqtts://broker.example:8883" && city.mqtt.username == "operator")
        #expect(city.mqtt.tls.caFile == "/etc/ca.pem")
        #expect(try city.clientConfiguration(clientID: "c").password == "secret")
        #expect(try BrokerSettings.profile(named: "demo", file: file)?.mqtt.url == "mqtt://127.0.0.1:1884")
        let typo = #expect(throws: FleetError.self) { try BrokerSettings.profile(named: "typo", file: file) }
        #expect(typo?.description.contains("$.profiles.typo.keepalive") == true, "\(String(describing: typo))")
        #expect(typo?.description.contains("keepalive_s") == true)
        let missing = #expect(throws: FleetError.self) { try BrokerSettings.profile(named: "dmeo", file: file) }
        #expect(missing?.description.contains("did you mean \"demo\"") == true)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: password.path)
        let exposed = #expect(throws: FleetError.self) { try BrokerSettings.profile(named: "city", file: file) }
        #expect(exposed?.description.contains("chmod 600") == true, "\(String(describing: exposed))")
        #expect(try BrokerSettings.profile(named: nil, file: folder.path + "/none.yaml") == nil)
    }
}
