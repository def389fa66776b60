import CurbsideTestKit
import Foundation
import Testing

/// `make bench` must keep working: one short iteration of Benchmarks/bench against the products `make test` built
/// (debug). Its timings mean nothing here and are not checked; that every figure was measured and reported is.
@Suite("Benchmark harness", .serialized, .timeLimit(.minutes(15)))
struct BenchmarkHarnessTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// The daemons that run on a rig (rows of Tools/daemons with a rig file).
    static func rigDaemons() throws -> [String] {
        let table = try String(contentsOf: root.appendingPathComponent("Tools/daemons"), encoding: .utf8)
        var daemons: [String] = []
        for line in table.split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard fields.count >= 2, !fields[0].hasPrefix("#"), fields[1] != "-" else { continue }
            daemons.append(String(fields[0]))
        }
        return daemons
    }

    @Test("one short iteration of Benchmarks/bench measures every figure and reports it as a table and as JSON")
    func quickIteration() async throws {
        let daemons = try Self.rigDaemons()
        let bin = URL(fileURLWithPath: try ExecutableLookup.builtProduct("agent-bench")).deletingLastPathComponent()
        for product in ["curb-rig", "vibration-bench"] + daemons { _ = try ExecutableLookup.builtProduct(product) }
        let json = FileManager.default.temporaryDirectory.appendingPathComponent(
            "curb-bench-\(UUID().uuidString.prefix(8)).json")
        defer { try? FileManager.default.removeItem(at: json) }
        let result = try await ToolRun.run(
            Self.root.appendingPathComponent("Benchmarks/bench").path,
            ["--quick", "--bin", bin.path, "--json", json.path], timeout: .seconds(840))
        try #require(result.status == 0, "Benchmarks/bench --quick failed:\n\(result.output)")

        for row in [
            "| latency QoS 0 p50 (ms) |", "| latency QoS 1 p99 (ms) |", "| steady RSS at 10 ms (MiB) |",
            "| max throughput (msg/s received) |", "| cold start (s) |", "| command round trip p50 (ms) |",
            "| outbox durable appends (/s) |", "vibrationd at 3 axes × 4000 Hz",
        ] {
            #expect(result.output.contains(row), "the table has no row \(row)")
        }
        let report = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: json)) as? [String: Any])
        let pollers = try #require(report["pollers"] as? [String: [[String: Any]]])
        for name in ["C floor", "Python"] {
            let row = try #require(pollers[name]?.first, "no figures for the \(name) poller")
            for key in ["latency_q0_p50_ms", "latency_q1_p99_ms", "rss_mib", "max_throughput_msg_s", "cold_start_s"] {
                #expect((row[key] as? Double ?? 0) > 0, "\(name): \(key) is \(row[key] ?? "missing")")
            }
        }
        let agent = try #require((report["agent"] as? [[String: Double]])?.first)
        for key in ["rtt_agent_p50_ms", "outbox_append_per_s", "drain_tmpfs_per_s", "drain_disk_per_s"] {
            #expect((agent[key] ?? 0) > 0, "agent-bench: \(key) is \(agent[key].map { "\($0)" } ?? "missing")")
        }
        let footprint = try #require(report["footprint_example_rates"] as? [String: [String: Double]])
        for daemon in daemons {
            #expect((footprint[daemon]?["rss_mib"] ?? 0) > 0, "no footprint for \(daemon): \(footprint.keys)")
        }
        let analysis = try #require(report["vibration_analysis"] as? [String: [String: Double]])
        #expect(Set(analysis.keys) == ["1000", "4000"])
        #expect(analysis.values.allSatisfy { ($0["share_pct"] ?? 0) > 0 })
    }
}
