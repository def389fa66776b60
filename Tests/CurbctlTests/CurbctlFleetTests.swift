import CurbsideTestKit
import Foundation
import HALRig
import RigProtocol
import Testing

extension CurbctlEndToEnd {
    /// `curbctl`'s fleet side end to end: the built binary against a real mosquitto and the real daemons on their rigs,
    /// checked by what it prints and the exit status it ends with.
    @Suite("curbctl against a broker and daemons on the rig", .serialized)
    struct CurbctlFleetTests {
        @Test("devices lists every daemon on the broker from its retained status, as a table and as JSON")
        func devices() async throws {
            let fleet = try await FleetOnRig.start(["streetlightd", "vibrationd"])
            defer {
                fleet.terminate()
                Task { await fleet.stop() }
            }
            let json = try await fleet.curbctl(["devices", "--json", "--listen", "0"])
            #expect(json.status == 0, "\(json.output)")
            let list = try #require(
                try JSONSerialization.jsonObject(with: Data(json.output.utf8)) as? [[String: Any]], "\(json.output)")
            let names = list.map { "\($0["site"] ?? "")/\($0["kind"] ?? "")/\($0["id"] ?? "")" }
            #expect(names == ["hil/streetlight/pole-1", "hil/vibration/bridge-1"])
            #expect(list.allSatisfy { $0["online"] as? Bool == true && $0["version"] is String })
            #expect(list.allSatisfy { $0["config_revision"] as? Int == 0 }, "\(list)")

            let table = try await fleet.curbctl(["devices", "--listen", "1.5"])
            #expect(table.status == 0, "\(table.output)")
            let lines = table.output.split(separator: "\n").map(String.init)
            #expect(lines.first?.hasPrefix("SITE") == true, "\(table.output)")
            let pole = try #require(lines.first { $0.contains("pole-1") }, "\(table.output)")
            #expect(pole.contains("streetlight") && pole.contains("yes"), "\(pole)")
            // Health telemetry comes every second: a listening device was seen just now.
            #expect(pole.contains(" now") || pole.contains(" s ago"), "\(pole)")
        }

        @Test("watch prints what was published: units from the value names, per-axis values folded, the filter kept")
        func watch() async throws {
            let fleet = try await FleetOnRig.start(["streetlightd", "vibrationd"])
            defer {
                fleet.terminate()
                Task { await fleet.stop() }
            }
            let watch = try fleet.spawnCurbctl(["watch", "pole-1", "--color", "never"])
            defer { watch.signal(SIGTERM) }
            // The subscription is active once watch says so on standard error (it is printed after the SUBACK).
            #expect(try await waitUntil(.seconds(60)) { watch.output.contains("Ctrl-C stops") }, "\(watch.output)")
            let published = try await ToolRun.run(
                "mosquitto_pub",
                [
                    "-p", "\(fleet.broker.port)", "-q", "1", "-t", "curb/v1/hil/streetlight/pole-1/event/probe", "-m",
                    #"{"ts":"2026-12-02T10:11:12.345Z","seq":7,"temperature_c":21.5,"level_pct":40,"note":"hello"}"#,
                ])
            #expect(published.status == 0, "\(published.output)")
            #expect(
                try await waitUntil(.seconds(60)) { watch.output.contains("event/probe") }, "\(watch.output)")
            let line = try #require(watch.output.split(separator: "\n").first { $0.contains("event/probe") })
            #expect(line.hasPrefix("10:11:12.345 hil/streetlight/pole-1 event/probe"), "\(line)")
            #expect(line.contains("temperature 21.5 °C") && line.contains("level 40 %") && line.contains("note hello"))
            // The daemon's own telemetry, with units, and nothing from the vibration gauge (filtered out).
            #expect(
                try await waitUntil(.seconds(60)) { watch.output.contains("telemetry/health") }, "\(watch.output)")
            #expect(!watch.output.contains("bridge-1"))

            let vibration = try fleet.spawnCurbctl(["watch", "hil/vibration/+", "--color", "never"])
            defer { vibration.signal(SIGTERM) }
            // Window figures per axis come as a table under the line, not as one 1 000-character line.
            #expect(
                try await waitUntil(.seconds(60)) { vibration.output.contains("    z     ") }, "\(vibration.output)")
            let lines = vibration.output.split(separator: "\n")
            #expect(lines.contains { $0.contains("axis  rms m/s²  peak m/s²") }, "\(vibration.output)")
            #expect(lines.allSatisfy { $0.count < 400 }, "\(vibration.output)")
            #expect(vibration.output.contains("ppv_vector") && vibration.output.contains("mm/s"), "\(vibration.output)")
        }

        @Test("a broker that does not answer is exit 69, named, within the connect timeout")
        func unreachable() async throws {
            let port = try FreeLoopbackPort.find()
            let result = try await ToolRun.run(
                try ExecutableLookup.builtProduct("curbctl"),
                ["devices", "--broker", "mqtt://127.0.0.1:\(port)", "--connect-timeout", "1"])
            #expect(result.status == 69, "\(result.output)")
            #expect(
                result.output.contains("curbctl: mqtt://127.0.0.1:\(port): not connected within"), "\(result.output)")
        }

        @Test("cmd: accepted exits 0, rejected 2, no answer within the timeout 4")
        func commands() async throws {
            let fleet = try await FleetOnRig.start(["streetlightd"])
            defer {
                fleet.terminate()
                Task { await fleet.stop() }
            }
            let accepted = try await fleet.curbctl([
                "cmd", "hil/streetlight/pole-1", "set-level", "level=30", "duration_s=60",
            ])
            #expect(accepted.status == 0, "\(accepted.output)")
            #expect(accepted.output.hasPrefix("accepted  hil/streetlight/pole-1 set-level"), "\(accepted.output)")

            // By unique id, with the result document as JSON.
            let ping = try await fleet.curbctl(["cmd", "pole-1", "ping", "--json"])
            #expect(ping.status == 0, "\(ping.output)")
            #expect(ping.output.contains(#""pong" : true"#), "\(ping.output)")

            // Over MQTT 3.1.1 (no response topic) the answer comes on cmd/{name}/result and is found by its id.
            let profiles = fleet.work.appendingPathComponent("config")
            try FileManager.default.createDirectory(
                at: profiles.appendingPathComponent("curbside"), withIntermediateDirectories: true)
            try "profiles:\n  old: {url: \"\(fleet.broker.url)\", protocol: \"3.1.1\"}\n".write(
                to: profiles.appendingPathComponent("curbside/curbctl.yaml"), atomically: true, encoding: .utf8)
            let old = try await ToolRun.run(
                "/usr/bin/env",
                [
                    "XDG_CONFIG_HOME=\(profiles.path)", try ExecutableLookup.builtProduct("curbctl"), "cmd", "pole-1",
                    "ping", "--profile", "old",
                ])
            #expect(old.status == 0, "\(old.output)")
            #expect(old.output.hasPrefix("accepted  hil/streetlight/pole-1 ping"), "\(old.output)")

            let unknown = try await fleet.curbctl(["cmd", "pole-1", "no-such-command"])
            #expect(unknown.status == 2, "\(unknown.output)")
            #expect(unknown.output.contains("reason: unknown-command"), "\(unknown.output)")
            let invalid = try await fleet.curbctl(["cmd", "pole-1", "set-level", "level=\"high\""])
            #expect(invalid.status == 2, "\(invalid.output)")
            #expect(invalid.output.contains("invalid-arguments"), "\(invalid.output)")

            // A daemon that cannot answer (stopped, its connection still open): no result, exit 4.
            let daemon = try #require(fleet.daemons["streetlightd"])
            daemon.signal(SIGSTOP)
            let silent = try await fleet.curbctl(["cmd", "hil/streetlight/pole-1", "ping", "--timeout", "1"])
            daemon.signal(SIGCONT)
            #expect(silent.status == 4, "\(silent.output)")
            #expect(
                silent.output.contains("no result for ping from hil/streetlight/pole-1 within 1 s"), "\(silent.output)")

            let nobody = try await fleet.curbctl(["cmd", "no-such-device", "ping"])
            #expect(nobody.status == 1, "\(nobody.output)")
            #expect(nobody.output.contains("no device with id \"no-such-device\""), "\(nobody.output)")
        }

        @Test("cmd: a command the device takes but cannot carry out exits 3 — modbusd writing to a slave gone silent")
        func failedCommand() async throws {
            let fleet = try await FleetOnRig.start(["modbusd"])
            defer {
                fleet.terminate()
                Task { await fleet.stop() }
            }
            // The controller answers: written and read back.
            let written = try await fleet.curbctl(["cmd", "hil/modbus/gw-1", "write", "point=run", "value=false"])
            #expect(written.status == 0, "\(written.output)")
            #expect(written.output.hasPrefix("accepted  hil/modbus/gw-1 write"), "\(written.output)")
            #expect(written.output.contains(#""read_back" : false"#), "\(written.output)")

            // The rig's controller stops answering (as a scenario's modbus_fault does): the write is a real
            // request that times out on the Modbus side, so the command failed — not rejected, not unanswered.
            let control = try await RigConnection.connect(socketPath: fleet.rigSocket("gw-1"))
            var silence = RigMessage(op: "modbus.fault")
            silence.name = "stack"
            silence.fault = "silent"
            let silenced = await control.request(silence)
            #expect(silenced.ok == true, "\(silenced)")
            let failed = try await fleet.curbctl(["cmd", "gw-1", "write", "point=run", "value=false"])
            #expect(failed.status == 3, "\(failed.output)")
            #expect(failed.output.hasPrefix("failed  hil/modbus/gw-1 write"), "\(failed.output)")
            #expect(failed.output.contains("reason: device-error"), "\(failed.output)")
            // A point the map does not have is still refused before any request: rejected, exit 2.
            let unknown = try await fleet.curbctl(["cmd", "gw-1", "write", "point=no_such_point", "value=1"])
            #expect(unknown.status == 2 && unknown.output.contains("reason: unknown-point"), "\(unknown.output)")
        }

        @Test("config push: applied, refused locally with the daemon's own paths, rejected by the device")
        func configPush() async throws {
            let fleet = try await FleetOnRig.start(["streetlightd"])
            defer {
                fleet.terminate()
                Task { await fleet.stop() }
            }

            let good = try fleet.variant(of: "pole-1", "good.yaml", "lux_on: 30", "lux_on: 35")
            let applied = try await fleet.curbctl(["config", "push", "pole-1", good])
            #expect(applied.status == 0, "\(applied.output)")
            #expect(applied.output.contains("+ $.lux_on: 35"), "\(applied.output)")
            #expect(
                applied.output.contains("applied  hil/streetlight/pole-1 revision 1 (active 1)"), "\(applied.output)")
            let get = try await fleet.curbctl(["config", "get", "pole-1", "--json"])
            #expect(get.output.contains(#""active_revision" : 1"#), "\(get.output)")

            // The diff is against the desired revision now on the broker.
            let better = try fleet.variant(of: "pole-1", "better.yaml", "lux_on: 30", "lux_on: 40")
            let diff = try await fleet.curbctl(["config", "diff", "pole-1", better])
            #expect(diff.status == 0, "\(diff.output)")
            #expect(diff.output.contains("- $.lux_on: 35\n  + $.lux_on: 40"), "\(diff.output)")
            let diffJSON = try await fleet.curbctl(["config", "diff", "pole-1", better, "--json"])
            let document = try #require(
                try JSONSerialization.jsonObject(with: Data(diffJSON.output.utf8)) as? [String: Any],
                "\(diffJSON.output)")
            #expect(document["changes"] as? [String] == ["- $.lux_on: 35", "+ $.lux_on: 40"], "\(document)")
            #expect(document["desired_revision"] as? Int == 1 && (document["problems"] as? [String])?.isEmpty == true)

            // Locally invalid: nothing is sent (exit 65), every problem with the path the daemon would report.
            let bad = try fleet.variant(of: "pole-1", "bad.yaml", "lux_on: 30", "lux_on: bright")
            let refused = try await fleet.curbctl(["config", "push", "pole-1", bad])
            #expect(refused.status == 65, "\(refused.output)")
            let localError = try #require(
                refused.output.split(separator: "\n").first { $0.contains("$.config.device.lux_on") },
                "\(refused.output)")
            #expect(localError.contains("got \"bright\""), "\(localError)")
            let after = try await fleet.curbctl(["config", "get", "pole-1", "--json"])
            #expect(after.output.contains(#""active_revision" : 1"#), "\(after.output)")

            // Sent anyway, the daemon rejects it with the same path and words (the same validator), exit 2.
            let sent = try await fleet.curbctl(["config", "push", "pole-1", bad, "--no-validate"])
            #expect(sent.status == 2, "\(sent.output)")
            #expect(sent.output.contains("rejected  hil/streetlight/pole-1 revision 2 (active 1)"), "\(sent.output)")
            let deviceError = try #require(
                sent.output.split(separator: "\n").first { $0.contains("$.config.device.lux_on") }, "\(sent.output)")
            #expect(
                deviceError.trimmingCharacters(in: .whitespaces) == localError.trimmingCharacters(in: .whitespaces))

            // A changed hardware section passes locally (only the device knows its local file) and is rejected there.
            let moved = try fleet.variant(of: "pole-1", "moved.yaml", "dimmer: 0x40", "dimmer: 0x41")
            let hardware = try await fleet.curbctl(["config", "push", "pole-1", moved])
            #expect(hardware.status == 2, "\(hardware.output)")
            #expect(hardware.output.contains("revision 3"), "\(hardware.output)")
            #expect(
                hardware.output.contains("✗ $.config.device.hardware: expected the device's local hardware section"),
                "\(hardware.output)")
        }

        @Test("config push to several devices: a pattern, one report each, progress, the worst outcome as exit status")
        func bulkPush() async throws {
            let fleet = try await FleetOnRig.start(["streetlightd", "streetlightd:pole-2"])
            defer {
                fleet.terminate()
                Task { await fleet.stop() }
            }
            let original = try String(contentsOf: fleet.configFile("pole-1"), encoding: .utf8)
            let file = fleet.work.appendingPathComponent("dimmer.yaml")
            try original.replacingOccurrences(of: "fade_s: 0.5", with: "fade_s: 1").write(
                to: file, atomically: true, encoding: .utf8)
            let pushed = try await fleet.curbctl(["config", "push", "hil/streetlight/+", file.path])
            #expect(pushed.status == 0, "\(pushed.output)")
            for (index, device) in ["pole-1", "pole-2"].enumerated() {
                #expect(pushed.output.contains("[\(index + 1)/2] hil/streetlight/\(device)"), "\(pushed.output)")
                #expect(pushed.output.contains("applied  hil/streetlight/\(device) revision 1"), "\(pushed.output)")
            }
            #expect(pushed.output.contains("config push ████████████████████████ 2/2 100%"), "\(pushed.output)")
            #expect(pushed.output.contains("2 devices, worst outcome: exit 0"), "\(pushed.output)")
        }

        @Test("capture get downloads a capture chunk by chunk, checks its CRC-32 and writes CSV and WAV")
        func capture() async throws {
            let fleet = try await FleetOnRig.start(["vibrationd"])
            defer {
                fleet.terminate()
                Task { await fleet.stop() }
            }
            let empty = try await fleet.curbctl(["capture", "list", "bridge-1", "--json"])
            #expect(empty.status == 0, "\(empty.output)")
            #expect(
                (try JSONSerialization.jsonObject(with: Data(empty.output.utf8)) as? [Any])?.isEmpty == true,
                "\(empty.output)")
            let now = try await fleet.curbctl(["cmd", "bridge-1", "capture-now"])
            #expect(now.status == 0, "\(now.output)")
            // 1 s before and 1 s after the trigger at 500 Hz: stored about a second later.
            var listed = ""
            #expect(
                try await waitUntil(.seconds(60)) {
                    listed = try await fleet.curbctl(["capture", "list", "bridge-1", "--json"]).output
                    return listed.contains("capture-")
                }, "\(listed)")
            let csv = fleet.work.appendingPathComponent("shock.csv").path
            let got = try await fleet.curbctl(["capture", "get", "bridge-1", "-o", csv, "--chunk-size", "2048"])
            #expect(got.status == 0, "\(got.output)")
            #expect(got.output.contains("ok → \(csv) (csv)"), "\(got.output)")
            // Not a terminal: the progress bar prints once per quarter, ending at 100 %.
            #expect(got.output.contains(" 100% "), "\(got.output)")
            let rows = try String(contentsOfFile: csv, encoding: .utf8).split(separator: "\n")
            #expect(rows.first == "t_s,x_g,y_g,z_g")
            // Time from the trigger: the pre-trigger history (up to pre_s = 1 s, less if the daemon has not run that
            // long) before t = 0, then post_s = 1 s at 500 Hz: the last sample 0.998 s after the trigger.
            let times = rows.dropFirst().compactMap { $0.split(separator: ",").first.flatMap { Double($0) } }
            #expect(times.count == rows.count - 1)
            #expect((times.first ?? 0) < 0 && (times.first ?? 0) >= -1, "\(times.first ?? 0)")
            #expect(times.contains(0))
            #expect(times.last == 0.998, "\(times.last ?? 0)")
            #expect(rows.dropFirst().allSatisfy { $0.split(separator: ",").count == 4 })

            let wav = fleet.work.appendingPathComponent("shock.wav").path
            let gotWAV = try await fleet.curbctl(["capture", "get", "bridge-1", "--format", "wav", "-o", wav])
            #expect(gotWAV.status == 0, "\(gotWAV.output)")
            let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: wav)))
            #expect(String(decoding: bytes[0..<4], as: UTF8.self) == "RIFF")
            #expect(String(decoding: bytes[8..<12], as: UTF8.self) == "WAVE")
            // Header (58 bytes with the fact chunk), then every sample of the CSV × 3 channels × 4 bytes.
            #expect(bytes.count == 58 + times.count * 12, "\(bytes.count)")
            #expect(bytes[24..<28] == [0xF4, 0x01, 0, 0], "500 Hz")

            let missing = try await fleet.curbctl(["capture", "get", "bridge-1", "capture-000000000000001"])
            #expect(missing.status == 2, "\(missing.output)")
            #expect(missing.output.contains("not-found"), "\(missing.output)")
        }
    }
}
