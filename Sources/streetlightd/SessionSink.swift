import AgentRuntime
import Logging
import StreetlightDevice

/// Puts the controller's observations on MQTT: telemetry at most once, events durable (outbox), state retained.
struct SessionSink: StreetlightSink {
    let session: AgentSession
    let logger: Logger

    func telemetry(_ stream: String, _ values: [String: JSONValue]) async {
        _ = try? await session.publishTelemetry(stream, values)
    }

    func event(_ name: String, _ values: [String: JSONValue]) async {
        logger.notice("event", metadata: ["event": "\(name)", "fields": "\(values)"])
        do {
            try await session.publishEvent(name, values)
        } catch {
            logger.error("event not stored", metadata: ["event": "\(name)", "error": "\(error)"])
        }
    }

    func state(_ values: [String: JSONValue]) async {
        do {
            try await session.publishState(.object(values))
        } catch {
            logger.warning("state not published", metadata: ["error": "\(error)"])
        }
    }
}
