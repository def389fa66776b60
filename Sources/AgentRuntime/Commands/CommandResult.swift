/// The one answer every command gets.
public struct CommandResult: Sendable, Hashable, Codable {
    public enum Status: String, Sendable, Hashable, Codable {
        /// Done (or started, for long-running commands that report progress as events).
        case accepted
        /// Not executed: malformed, unknown, expired, not authorised, or refused by the device logic.
        case rejected
        /// Executed and went wrong (a bus error during `self-test`, say).
        case failed
    }

    /// The command's `id`; nil only when the payload had none (then `reason` is `missing-id` or `invalid-json`).
    public var id: String?
    public var command: String
    public var status: Status
    /// Machine-readable reason for `rejected`/`failed` (see `CommandReason`); nil for `accepted`.
    public var reason: String?
    /// A human-readable explanation.
    public var message: String?
    /// Whatever the handler returns (`ping` returns uptime, `get-config` the configuration).
    public var result: JSONValue?
    /// When the result was produced, RFC 3339 UTC with milliseconds.
    public var ts: String

    public init(
        id: String?, command: String, status: Status, reason: String? = nil, message: String? = nil,
        result: JSONValue? = nil, ts: String
    ) {
        self.id = id
        self.command = command
        self.status = status
        self.reason = reason
        self.message = message
        self.result = result
        self.ts = ts
    }
}

/// Reason codes the router itself produces. Handlers may add their own (kebab-case).
public enum CommandReason: String, Sendable, CaseIterable {
    case payloadTooLarge = "payload-too-large"
    case invalidJSON = "invalid-json"
    case missingID = "missing-id"
    /// Delivered with the retain flag: a command left stored on the broker is never executed.
    case retained
    case unknownCommand = "unknown-command"
    case expired
    case invalidExpiry = "invalid-expiry"
    case unauthorized
    case invalidArguments = "invalid-arguments"
    case handlerFailed = "handler-failed"
    /// The daemon is stopping: its actuators are going to their safe state and take no more commands.
    case shuttingDown = "shutting-down"
    /// Too many commands are running at once (`commands.max_concurrent`).
    case busy
}

/// What a handler decides.
public enum CommandOutcome: Sendable, Hashable {
    case accepted(JSONValue? = nil)
    case rejected(reason: String, message: String)

    /// Refused by a local safety envelope (`SafetyEnvelope.refusal`): reason `envelope`, the refusal as the message,
    /// so the operator reads which envelope it hit and both values.
    public static func outsideEnvelope(_ refusal: String) -> Self {
        .rejected(reason: "envelope", message: refusal)
    }
}

/// Thrown by a handler when executing went wrong; the result is `failed` with this reason and message.
public struct CommandFailure: Error, Sendable, Hashable, CustomStringConvertible {
    public var reason: String
    public var message: String
    public init(reason: String = CommandReason.handlerFailed.rawValue, message: String) {
        self.reason = reason
        self.message = message
    }
    public var description: String { "\(reason): \(message)" }
}

/// Arguments type for commands that take none; accepts an absent or empty `args`.
public struct NoArguments: Decodable, Sendable, Hashable {
    public init() {}
}
