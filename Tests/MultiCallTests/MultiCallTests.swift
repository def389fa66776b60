import CurbsideTestKit
import Foundation
import Testing

/// `curbside`, every daemon in one binary: run through a link named after a daemon or as `curbside <daemon> ARGS`,
/// each daemon answers exactly as its own executable does.
@Suite("curbside, the multi-call binary", .timeLimit(.minutes(3)))
struct MultiCallTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// The daemons of Tools/daemons (what `make package` ships), in table order.
    static let daemons: [String] = {
        let table = (try? String(contentsOf: root.appendingPathComponent("Tools/daemons"), encoding: .utf8)) ?? ""
        return table.split(separator: "\n").compactMap { line in
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard !trimmed.isEmpty, !trimmed.hasPrefix("#") else { return nil }
            return trimmed.split(whereSeparator: \.isWhitespace).first.map(String.init)
        }
    }()

    /// Every example configuration with its daemon (`<daemon>.yaml` or `<daemon>-<variant>.yaml`, as
    /// Tools/config-check pairs them).
    static let examples: [String] = {
        let folder = root.appendingPathComponent("Firmware-config/examples")
        let files = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return files.filter { $0.hasSuffix(".yaml") }.sorted()
    }()

    static func daemon(of example: String) -> String? {
        let base = String(example.dropLast(".yaml".count))
        return daemons.filter { base == $0 || base.hasPrefix($0 + "-") }.max { $0.count < $1.count }
    }

    /// A fresh folder holding a link named `name` to the built `curbside`, as the package installs them.
    static func link(_ name: String) throws -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
            "curbside-links-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let link = folder.appendingPathComponent(name).path
        try FileManager.default.createSymbolicLink(
            atPath: link, withDestinationPath: try ExecutableLookup.builtProduct("curbside"))
        return link
    }

    /// The daemon's own executable, `curbside <daemon>` and a link named after it, each with `arguments`: what each
    /// printed and its exit status.
    static func threeWays(_ daemon: String, _ arguments: [String]) async throws -> [(how: String, run: ToolResult)] {
        let curbside = try ExecutableLookup.builtProduct("curbside")
        return [
            ("\(daemon) (own binary)", try await ToolRun.run(try ExecutableLookup.builtProduct(daemon), arguments)),
            ("curbside \(daemon)", try await ToolRun.run(curbside, [daemon] + arguments)),
            ("link \(daemon) → curbside", try await ToolRun.run(try link(daemon), arguments)),
        ]
    }

    static func expectSame(_ runs: [(how: String, run: ToolResult)], _ what: String) {
        guard let own = runs.first else { return }
        for other in runs.dropFirst() {
            #expect(
                other.run.status == own.run.status,
                "\(what): \(other.how) exit \(other.run.status), \(own.how) \(own.run.status)")
            #expect(
                other.run.output == own.run.output,
                "\(what): \(other.how) printed\n\(other.run.output)\n\(own.how) printed\n\(own.run.output)")
        }
    }

    @Test("Tools/daemons and the examples are read (the other tests have something to run)")
    func table() {
        #expect(Self.daemons.count >= 7, "\(Self.daemons)")
        #expect(Self.daemons.contains("streetlightd") && Self.daemons.contains("modbusd"), "\(Self.daemons)")
        for daemon in Self.daemons {
            #expect(Self.examples.contains("\(daemon).yaml"), "no example for \(daemon)")
        }
    }

    @Test(
        "--check-config on every example: the same output and status by its own binary, curbside and a link",
        arguments: examples)
    func checkConfig(_ example: String) async throws {
        let daemon = try #require(Self.daemon(of: example), "\(example) names no daemon of Tools/daemons")
        let path = Self.root.appendingPathComponent("Firmware-config/examples/\(example)").path
        let runs = try await Self.threeWays(daemon, ["--config", path, "--check-config"])
        Self.expectSame(runs, example)
        // The plain examples are valid; the TLS one names files that exist only on a device (Tools/config-check).
        if !example.hasSuffix("-tls.yaml") {
            #expect(runs[0].run.status == 0 && runs[0].run.output.contains("\(path): valid"), "\(runs[0].run.output)")
        }
    }

    @Test("--help and --version of every daemon: the same three ways", arguments: daemons)
    func helpAndVersion(_ daemon: String) async throws {
        let help = try await Self.threeWays(daemon, ["--help"])
        Self.expectSame(help, "\(daemon) --help")
        #expect(help[0].run.status == 0)
        #expect(help[0].run.output.contains("USAGE: \(daemon) --config <config>"), "\(help[0].run.output)")
        let version = try await Self.threeWays(daemon, ["--version"])
        Self.expectSame(version, "\(daemon) --version")
        #expect(version[0].run.status == 0 && version[0].run.output.contains("0.1.0"), "\(version[0].run.output)")
    }

    @Test("bad command lines and configurations: the same errors and exit statuses the three ways", arguments: daemons)
    func errors(_ daemon: String) async throws {
        let missing = FileManager.default.temporaryDirectory.appendingPathComponent("no-such-\(daemon).yaml").path
        let cases: [(arguments: [String], status: Int32)] = [
            ([], 64),  // --config is required: a usage error
            (["--config", missing, "--bogus"], 64),
            (["--config", missing, "--check-config"], 1),
            (["--config", missing], 78),
        ]
        for item in cases {
            let runs = try await Self.threeWays(daemon, item.arguments)
            Self.expectSame(runs, "\(daemon) \(item.arguments.joined(separator: " "))")
            #expect(
                runs[0].run.status == item.status,
                "\(daemon) \(item.arguments): exit \(runs[0].run.status)\n\(runs[0].run.output)")
        }
    }

    @Test("curbside --help lists every daemon of Tools/daemons, exit 0; no argument: the usage, exit 64")
    func help() async throws {
        let curbside = try ExecutableLookup.builtProduct("curbside")
        for flag in ["--help", "-h"] {
            let run = try await ToolRun.run(curbside, [flag])
            #expect(run.status == 0, "\(run.output)")
            for daemon in Self.daemons {
                #expect(run.output.contains("\n  \(daemon) "), "\(flag) does not list \(daemon):\n\(run.output)")
            }
        }
        let bare = try await ToolRun.run(curbside, [])
        #expect(bare.status == 64 && bare.output.contains("USAGE: curbside <daemon>"), "\(bare.output)")
    }

    @Test("an unknown daemon, as first argument or as a link's name: a clear error naming the daemons, exit 64")
    func unknown() async throws {
        let named = try await ToolRun.run(try ExecutableLookup.builtProduct("curbside"), ["lampd", "--help"])
        #expect(named.status == 64, "\(named.output)")
        #expect(named.output.contains("no daemon named 'lampd'"), "\(named.output)")
        #expect(named.output.contains(Self.daemons.joined(separator: ", ")), "\(named.output)")
        // A link of another name is the multi-call binary itself: its first argument names the daemon.
        let link = try Self.link("lampd")
        let bare = try await ToolRun.run(link, ["--config", "x.yaml"])
        #expect(bare.status == 64 && bare.output.contains("no daemon named '--config'"), "\(bare.output)")
        let dispatched = try await ToolRun.run(link, ["curb-agent", "--version"])
        #expect(dispatched.status == 0 && dispatched.output.contains("0.1.0"), "\(dispatched.output)")
    }

    @Test("curb-agent run through a link to curbside: READY=1 to systemd, online, STOPPING=1 and exit 0 on SIGTERM")
    func signalsAndNotify() async throws {
        let broker = try MosquittoBroker()
        try await broker.start()
        defer { broker.terminate() }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
            "curbside-agent-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let example = try String(
            contentsOf: Self.root.appendingPathComponent("Firmware-config/examples/curb-agent.yaml"), encoding: .utf8)
        let config = folder.appendingPathComponent("curb-agent.yaml")
        try example.replacingOccurrences(of: "mqtt://127.0.0.1:1883", with: broker.url)
            .replacingOccurrences(of: "../../Boards/", with: Self.root.appendingPathComponent("Boards").path + "/")
            .replacingOccurrences(of: "/var/lib/curbside/curb-agent", with: folder.appendingPathComponent("state").path)
            .write(to: config, atomically: true, encoding: .utf8)
        let notify = try NotifySocket()
        let agent = try SpawnedProcess(
            try Self.link("curb-agent"), ["--config", config.path],
            environment: ProcessInfo.processInfo.environment.merging(["NOTIFY_SOCKET": notify.path]) { _, new in new })
        let ready = await notify.receive(timeout: .seconds(60))
        #expect(ready?.hasPrefix("READY=1") == true, "\(ready ?? "nothing"): \(agent.output)")
        let status = try await ToolRun.run(
            "mosquitto_sub",
            ["-p", "\(broker.port)", "-t", "curb/v1/district-7/example/bench-01/status", "-C", "1", "-W", "30"])
        #expect(status.output.contains(#""state":"online""#), "\(status.output)")
        #expect(status.output.contains(#""agent":"curb-agent""#), "\(status.output)")
        agent.signal(SIGTERM)
        var stopping = false
        while let message = await notify.receive(timeout: .seconds(30)) {
            if message == "STOPPING=1" {
                stopping = true
                break
            }
        }
        #expect(stopping, "\(agent.output)")
        #expect(await agent.wait(timeout: .seconds(30)) == 0, "\(agent.output)")
    }
}
