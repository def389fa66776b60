import CurbsideTestKit
import Foundation
import Testing

/// systemd integration and health telemetry of the real daemon.
@Suite("Lifecycle and health", .serialized, .timeLimit(.minutes(3)))
struct LifecycleTests {
    @Test("sd_notify: READY=1 after start, WATCHDOG=1 at half the interval, STOPPING=1 on SIGTERM")
    func systemdNotify() async throws {
        let broker = try MosquittoBroker()
        try await broker.start()
        let notify = try NotifySocket()
        let agent = try AgentProcess.start(
            device: "notify", brokerPort: broker.port,
            environment: ["NOTIFY_SOCKET": notify.path, "WATCHDOG_USEC": "400000"])
        let ready = await notify.receive(timeout: .seconds(30))
        #expect(ready?.hasPrefix("READY=1") == true, "\(ready ?? "nothing"): \(agent.process.output)")
        var pings = 0
        for _ in 0..<3 where await notify.receive(timeout: .seconds(10)) == "WATCHDOG=1" { pings += 1 }
        #expect(pings == 3)
        agent.process.signal(SIGTERM)
        // Watchdog pings keep coming until the agent stops them, every 200 ms here: on a loaded machine more than a
        // handful can arrive before STOPPING=1, so read until it or a deadline, not a fixed number of messages.
        var stopping = false
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline, let message = await notify.receive(timeout: .seconds(30)) {
            if message == "STOPPING=1" {
                stopping = true
                break
            }
        }
        #expect(stopping)
        #expect(await agent.process.wait(timeout: .seconds(30)) == 0)
    }

    @Test("telemetry/health carries uptime, RSS, CPU, reconnects, bus errors and config revision")
    func healthTelemetry() async throws {
        let broker = try MosquittoBroker()
        try await broker.start()
        let agent = try AgentProcess.start(
            device: "health", brokerPort: broker.port, extra: "health: {interval_s: 1}\ndevice: {heartbeat_s: 60}")
        let topic = "\(AgentProcess.prefix("health"))/telemetry/health"
        let result = try await ToolRun.run(
            "mosquitto_sub", ["-p", "\(broker.port)", "-t", topic, "-C", "2", "-W", "30"])
        await agent.process.stop()
        let lines = result.output.split(separator: "\n")
        #expect(lines.count == 2, "\(result.output)")
        let last = try #require(
            try JSONSerialization.jsonObject(with: Data(lines.last.map(String.init)?.utf8 ?? "".utf8)) as? [String: Any]
        )
        #expect((last["rss_bytes"] as? Double ?? 0) > 1_000_000, "\(last)")
        #expect((last["cpu_percent"] as? Double).map { (0...200).contains($0) } == true, "\(last)")
        #expect(last["reconnects"] as? Int == 0)
        #expect(last["config_revision"] as? Int == 0)
        #expect(last["bus_errors"] as? [String: Any] != nil)
        #expect((last["uptime_s"] as? Int ?? 0) >= 1)
        #expect(last["seq"] as? Int == 2)
    }
}
