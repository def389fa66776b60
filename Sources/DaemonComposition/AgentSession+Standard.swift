public import AgentRuntime
import FoundationEssentials
import Glibc
public import Logging

extension AgentSession {
    /// The session every device daemon runs: birth document, password file, the durable outbox in the state
    /// directory, and `reboot-agent` as a clean stop (systemd restarts the daemon).
    public static func standard(
        _ agent: AgentConfiguration, agentName: String, version: String, logger: Logger
    ) async throws -> AgentSession {
        let password = try agent.mqtt.password()
        let birth = AgentSession.BirthDocument(
            agent: agentName, version: version,
            board: URL(fileURLWithPath: agent.board).deletingPathExtension().lastPathComponent, configRevision: 0,
            bootTime: Date())
        let limits = agent.outbox
        let outbox = try FileOutbox(
            directory: agent.stateDirectory + "/outbox",
            limits: .init(maxBytes: limits.maxBytes, maxAge: limits.maxAge, maxEntries: limits.maxEntries))
        return try AgentSession(
            configuration: agent, birth: birth, password: password, logger: logger, outbox: outbox,
            drainRatePerSecond: Double(limits.drainRatePerSecond)
        ) { _ in kill(getpid(), SIGTERM) }
    }
}
