import CurbsideTestKit
import Foundation
import Testing

extension CurbctlEndToEnd {
    /// `make demo` as people first meet it: it starts, shows the devices, prints a cheat-sheet whose commands work, shows
    /// `curbctl watch`, and Ctrl-C leaves nothing running.
    @Suite("make demo", .serialized)
    struct DemoTests {
        @Test("the demo starts every daemon, its cheat-sheet commands work, and Ctrl-C leaves nothing running")
        func demo() async throws {
            let bin = URL(fileURLWithPath: try ExecutableLookup.builtProduct("curbctl")).deletingLastPathComponent()
                .path
            var environment = ProcessInfo.processInfo.environment
            environment["BIN"] = bin
            environment["COLUMNS"] = "120"
            let demo = try SpawnedProcess(
                "/bin/bash", [FleetOnRig.repository.appendingPathComponent("Tools/demo").path], environment: environment
            )
            defer { if demo.isRunning { demo.signal(SIGKILL) } }
            #expect(
                // The watch says so once its subscription is active (after the SUBACK): only then can it show what follows.
                try await waitUntil(.seconds(90)) { demo.output.contains("(Ctrl-C stops)\n") || !demo.isRunning },
                "\(demo.output)")
            try #require(demo.isRunning, "\(demo.output)")
            let output = demo.output
            let run = try #require(
                output.split(separator: " ").first { $0.hasPrefix("/tmp/curb-demo.") }.map {
                    String($0.prefix { !$0.isWhitespace })
                }, "\(output)")
            let url = try #require(
                output.split(separator: " ").first { $0.hasPrefix("mqtt://127.0.0.1:") }.map(String.init), "\(output)")
            // Every rig daemon of Tools/daemons is in the devices table.
            for device in ["pole-0417", "pier-3", "xing-0112"] { #expect(output.contains(device), "\(output)") }

            // The cheat-sheet's commands, run as printed.
            let sheet = output.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
            let dim = try #require(sheet.first { $0.contains(" set-level level=30") }, "\(output)")
            #expect(dim.contains("--broker \(url)"))
            let dimmed = try await ToolRun.run("/bin/bash", ["-c", dim])
            #expect(dimmed.status == 0, "\(dimmed.output)")
            let press = try #require(sheet.first { $0.contains("walkButton") }, "\(output)")
            #expect(try await ToolRun.run("/bin/bash", ["-c", press]).status == 0)
            let push = try #require(sheet.first { $0.contains("config push") }, "\(output)")
            let refused = try await ToolRun.run("/bin/bash", ["-c", push])
            #expect(refused.status == 65, "\(refused.output)")
            #expect(refused.output.contains("$.config.device.lux_on: expected number"), "\(refused.output)")
            #expect(refused.output.contains("$.config.device.boost_level"), "\(refused.output)")

            // The live view shows what the daemons publish, folded and with units: the vibration window's table, the
            // dimming command, and the crossing's detection of the button press.
            #expect(
                try await waitUntil(.seconds(20)) {
                    let seen = demo.output
                    return seen.contains("rms m/s²") && seen.contains("pole-0417 cmd/set-level")
                        && seen.contains("xing-0112 event/detection")
                }, "\(demo.output.suffix(3000))")
            let detection = demo.output.split(separator: "\n").first { $0.contains("xing-0112 event/detection") }
            #expect(detection?.contains("source button") == true, "\(detection ?? "")")

            // Ctrl-C as a terminal sends it: SIGINT to the whole foreground process group.
            kill(-demo.processIdentifier, SIGINT)
            let status = await demo.wait(timeout: .seconds(30))
            #expect(status != nil, "the demo did not stop on Ctrl-C")
            #expect(demo.output.contains("demo: stopped"), "\(demo.output.suffix(2000))")
            let port = try #require(Int(url.split(separator: ":").last ?? ""))
            #expect(!FreeLoopbackPort.isAccepting(port: port), "the broker still answers on \(port)")
            let leftovers = Self.processes { $0.contains(run) || $0.contains(url) }
            #expect(leftovers.isEmpty, "still running after Ctrl-C: \(leftovers)")
        }

        /// Command lines of running processes that satisfy `matching`.
        static func processes(_ matching: (String) -> Bool) -> [String] {
            let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
            return entries.filter { $0.allSatisfy(\.isNumber) }.compactMap { pid in
                guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline"), !data.isEmpty else {
                    return nil
                }
                let line = String(decoding: data.map { $0 == 0 ? 32 : $0 }, as: UTF8.self)
                return matching(line) ? "\(pid): \(line)" : nil
            }
        }
    }
}
