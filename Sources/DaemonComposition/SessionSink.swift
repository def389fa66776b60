public import AgentRuntime
public import Logging

/// Puts a device controller's observations on MQTT through the agent session: telemetry at most once, durable
/// telemetry and events through the outbox, state retained.
public struct SessionSink: DeviceSink {
    public let session: AgentSession
    public let logger: Logger
    /// Where `busError` counts.
    public let health: HealthRegistry

    public init(session: AgentSession, logger: Logger, health: HealthRegistry) {
        self.session = session
        self.logger = logger
        self.health = health
    }

    public func busError(_ bus: String) async {
        await health.recordBusError(bus)
    }

    public func telemetry(_ stream: String, _ values: [String: JSONValue]) async {
        _ = try? await session.publishTelemetry(stream, values)
    }

    public func durableTelemetry(_ stream: String, _ values: [String: JSONValue]) async throws {
        do {
            try await session.publishDurableTelemetry(stream, values)
        } catch {
            logger.error("durable telemetry not stored", metadata: ["stream": "\(stream)", "error": "\(error)"])
            throw error
        }
    }

    public func event(_ name: String, _ values: [String: JSONValue]) async {
        logger.notice("event", metadata: ["event": "\(name)"])
        do {
            try await session.publishEvent(name, values)
        } catch {
            logger.error("event not stored", metadata: ["event": "\(name)", "error": "\(error)"])
        }
    }

    public func state(_ values: [String: JSONValue]) async {
        do {
            try await session.publishState(.object(values))
        } catch {
            logger.warning("state not published", metadata: ["error": "\(error)"])
        }
    }
}
