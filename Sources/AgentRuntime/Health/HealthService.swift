import FoundationEssentials
import HAL
import MQTTTransport
public import ServiceLifecycle

/// Publishes `telemetry/health` every interval: uptime, RSS, CPU (average over the interval), reconnects,
/// per-bus error counts, configuration revision, the state of the command and configuration subscriptions, plus whatever the registry carries (outbox figures).
public struct HealthService: Service {
    let session: AgentSession
    let registry: HealthRegistry
    let interval: Duration
    let outbox: FileOutbox?

    public init(session: AgentSession, registry: HealthRegistry, interval: Duration, outbox: FileOutbox? = nil) {
        self.session = session
        self.registry = registry
        self.interval = interval
        self.outbox = outbox
    }

    public func run() async throws {
        let started = ContinuousClock.now
        try? await cancelWhenGracefulShutdown {
            var previous = (at: ContinuousClock.now, metrics: ProcessMetrics.sample())
            while !Task.isCancelled {
                try await Task.sleep(for: interval)
                let now = ContinuousClock.now
                let metrics = ProcessMetrics.sample()
                var values: [String: JSONValue] = [
                    "uptime_s": .number((now - started).totalSeconds.rounded(.down)),
                    "reconnects": .number(Double(await session.reconnectCount)),
                    "config_revision": .number(Double(await session.configRevision)),
                    "bus_errors": .object(await registry.busErrorCounts.mapValues { .number(Double($0)) }),
                    "subscriptions": await session.subscriptionHealth,
                    "commands_busy": .number(Double(await session.busyCommandCount)),
                    "mqtt_messages_dropped": .number(Double(session.droppedMessageCount)),
                ]
                if let metrics {
                    values["rss_bytes"] = .number(Double(metrics.residentBytes))
                    if let before = previous.metrics {
                        let elapsed = (now - previous.at).totalSeconds
                        let busy = metrics.cpuSeconds - before.cpuSeconds
                        values["cpu_percent"] = .number(elapsed > 0 ? (busy / elapsed * 1000).rounded() / 10 : 0)
                    }
                }
                if let stats = await outbox?.stats {
                    values["outbox_depth"] = .number(Double(stats.depth))
                    values["outbox_bytes"] = .number(Double(stats.bytes))
                    values["outbox_dropped"] = .object(stats.dropped.mapValues { .number(Double($0)) })
                    values["outbox_write_failures"] = .number(Double(stats.writeFailures))
                }
                for (key, value) in await registry.values { values[key] = value }
                previous = (now, metrics)
                _ = try? await session.publishTelemetry("health", values, qos: .atLeastOnce)
            }
        }
    }
}
