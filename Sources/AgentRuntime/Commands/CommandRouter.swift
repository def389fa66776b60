import ConfigSupport
public import FoundationEssentials
import Glibc

/// A command as it arrived on `…/cmd/{name}`.
public struct CommandRequest: Sendable, Hashable {
    public var name: String
    public var payload: [UInt8]
    /// MQTT 5 request/response: where the result goes, and the bytes it must echo.
    public var responseTopic: String?
    public var correlationData: [UInt8]?
    /// Whether the broker delivered it with the retain flag: a stored message replayed to a new subscription, not a
    /// command sent now.
    public var retained: Bool

    public init(
        name: String, payload: [UInt8], responseTopic: String? = nil, correlationData: [UInt8]? = nil,
        retained: Bool = false
    ) {
        self.name = name
        self.payload = payload
        self.responseTopic = responseTopic
        self.correlationData = correlationData
        self.retained = retained
    }
}

/// Dispatches commands to typed handlers and guarantees exactly one result per command.
///
/// Checks in order: size, nesting, JSON, `id`, retain flag, duplicate `id` (the first result is returned again without
/// executing), known command, authorisation (signatures, which check a signed `expires` themselves), `expires`,
/// argument decoding, then the handler. A malformed command never reaches a
/// handler and never throws out of the router: it becomes a `rejected` result.
public actor CommandRouter {
    public typealias Handler = @Sendable (JSONValue?) async throws -> CommandOutcome

    private struct Registration {
        let handler: Handler
    }

    private struct Remembered {
        let result: CommandResult
        let at: ContinuousClock.Instant
    }

    public let maxPayloadBytes: Int
    public let duplicateWindow: Duration
    public let duplicateCapacity: Int
    private var authorizer: any CommandAuthorizer
    private let wallClock: @Sendable () -> Date
    private var handlers: [String: Registration] = [:]
    private var remembered: [String: Remembered] = [:]
    private var rememberedOrder: [String] = []
    private var running: [String: Task<CommandResult, Never>] = [:]
    private var closed = false

    /// - Parameters:
    ///   - maxPayloadBytes: larger payloads are rejected unread.
    ///   - duplicateWindow: how long a command id is remembered; a repeat inside it gets the first result.
    ///   - duplicateCapacity: at most this many ids are remembered (oldest forgotten first).
    ///   - wallClock: for `expires` and result timestamps; injectable for tests.
    public init(
        maxPayloadBytes: Int = 64 * 1024, duplicateWindow: Duration = .seconds(600), duplicateCapacity: Int = 1024,
        authorizer: any CommandAuthorizer = AllowUnsigned(), wallClock: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.maxPayloadBytes = maxPayloadBytes
        self.duplicateWindow = duplicateWindow
        self.duplicateCapacity = duplicateCapacity
        self.authorizer = authorizer
        self.wallClock = wallClock
    }

    /// Replaces the authorizer (the daemon installs its `SignatureAuthorizer` before it takes commands).
    public func setAuthorizer(_ authorizer: any CommandAuthorizer) {
        self.authorizer = authorizer
    }

    /// Registers `name` with a typed `Decodable` argument type.
    public func register<Arguments: Decodable & Sendable>(
        _ name: String, arguments: Arguments.Type,
        handler: @escaping @Sendable (Arguments) async throws -> CommandOutcome
    ) {
        handlers[name] = Registration { args in
            let decoded: Arguments
            do {
                decoded = try ArgumentDecoder.decode(Arguments.self, from: args)
            } catch {
                return .rejected(reason: CommandReason.invalidArguments.rawValue, message: String(describing: error))
            }
            return try await handler(decoded)
        }
    }

    /// Registers a command without arguments.
    public func register(_ name: String, handler: @escaping @Sendable () async throws -> CommandOutcome) {
        register(name, arguments: NoArguments.self) { _ in try await handler() }
    }

    /// Names of the registered commands, sorted.
    public var commandNames: [String] { handlers.keys.sorted() }

    /// Stops taking commands: every later one is rejected with `shutting-down`, and the ones still running are
    /// cancelled and awaited, so that when this returns no handler can touch an actuator any more.
    public func close() async {
        closed = true
        let inFlight = Array(running.values)
        for task in inFlight { task.cancel() }
        for task in inFlight { _ = await task.value }
    }

    /// Handles one command and returns its result. Never throws.
    public func handle(_ request: CommandRequest) async -> CommandResult {
        let name = request.name
        guard request.payload.count <= maxPayloadBytes else {
            return reject(
                nil, name, .payloadTooLarge, "payload is \(request.payload.count) bytes, limit \(maxPayloadBytes)")
        }
        guard !JSONValue.nestsDeeper(than: YAMLDocument.maximumNesting, in: request.payload) else {
            return reject(nil, name, .invalidJSON, "payload nests deeper than \(YAMLDocument.maximumNesting) levels")
        }
        let document: JSONValue
        do {
            document = try JSONDecoder().decode(JSONValue.self, from: Data(request.payload))
        } catch {
            return reject(nil, name, .invalidJSON, "payload is not valid JSON")
        }
        guard case .object(let envelope) = document else {
            return reject(nil, name, .invalidJSON, "payload must be a JSON object, got \(document.typeName)")
        }
        guard case .string(let id)? = envelope["id"], !id.isEmpty, id.utf8.count <= 128 else {
            let found = envelope["id"].map { $0.typeName } ?? "nothing"
            return reject(nil, name, .missingID, "id: expected a non-empty string of at most 128 bytes, got \(found)")
        }
        // The broker replays a retained command to every new subscription (each restart, each reconnect without a
        // session); the duplicate cache does not outlive the process, so executing it would repeat a reboot or a
        // set-level on every start. Neither executed nor remembered: a live resend of the id still runs.
        if request.retained {
            return reject(
                id, name, .retained,
                "delivered with the retain flag (a stored message, not a live command); not executed — clear it with "
                    + "an empty retained message and send commands without -r")
        }
        guard !closed else {
            return reject(id, name, .shuttingDown, "the daemon is stopping; its outputs are in their safe state")
        }
        forgetExpired()
        if let previous = remembered[id] { return previous.result }
        if let inProgress = running[id] { return await inProgress.value }

        let task = Task { await self.execute(id: id, name: name, envelope: envelope, payload: request.payload) }
        running[id] = task
        let result = await task.value
        running[id] = nil
        remember(result, for: id)
        return result
    }

    private func execute(id: String, name: String, envelope: [String: JSONValue], payload: [UInt8]) async
        -> CommandResult
    {
        guard !closed, !Task.isCancelled else {
            return reject(id, name, .shuttingDown, "the daemon is stopping; its outputs are in their safe state")
        }
        guard let registration = handlers[name] else {
            return reject(
                id, name, .unknownCommand, "unknown command \"\(name)\"; known: \(commandNames.joined(separator: ", "))"
            )
        }
        switch await authorizer.authorize(command: name, envelope: envelope, payload: payload) {
        case .allow: break
        case .deny(let why): return reject(id, name, .unauthorized, why)
        case .refuse(let reason, let message): return reject(id, name, reason, message)
        }
        if let expires = envelope["expires"] {
            guard case .string(let text) = expires, let deadline = RFC3339.parse(text) else {
                return reject(
                    id, name, .invalidExpiry, "expires: expected an RFC 3339 timestamp, got \(expires.typeName)")
            }
            if deadline <= wallClock() {
                return reject(id, name, .expired, "expired at \(text)")
            }
        }
        do {
            switch try await registration.handler(envelope["args"]) {
            case .accepted(let value):
                return CommandResult(id: id, command: name, status: .accepted, result: value, ts: now())
            case .rejected(let reason, let message):
                return CommandResult(
                    id: id, command: name, status: .rejected, reason: reason, message: message, ts: now())
            }
        } catch let failure as CommandFailure {
            return CommandResult(
                id: id, command: name, status: .failed, reason: failure.reason, message: failure.message, ts: now())
        } catch {
            return CommandResult(
                id: id, command: name, status: .failed, reason: CommandReason.handlerFailed.rawValue,
                message: String(describing: error), ts: now())
        }
    }

    /// A `rejected` result for `request` without running it (the session's `busy`), with the request's id when its
    /// payload is within the limit and has one.
    public func refuse(_ request: CommandRequest, reason: CommandReason, message: String) -> CommandResult {
        var id: String?
        if request.payload.count <= maxPayloadBytes,
            !JSONValue.nestsDeeper(than: YAMLDocument.maximumNesting, in: request.payload),
            case .object(let envelope)? = try? JSONDecoder().decode(JSONValue.self, from: Data(request.payload)),
            case .string(let text)? = envelope["id"]
        {
            id = text
        }
        return reject(id, request.name, reason, message)
    }

    private func reject(_ id: String?, _ name: String, _ reason: CommandReason, _ message: String) -> CommandResult {
        reject(id, name, reason.rawValue, message)
    }

    private func reject(_ id: String?, _ name: String, _ reason: String, _ message: String) -> CommandResult {
        CommandResult(id: id, command: name, status: .rejected, reason: reason, message: message, ts: now())
    }

    private func now() -> String { RFC3339.format(wallClock()) }

    private func remember(_ result: CommandResult, for id: String) {
        remembered[id] = Remembered(result: result, at: .now)
        rememberedOrder.append(id)
        while rememberedOrder.count > duplicateCapacity {
            remembered[rememberedOrder.removeFirst()] = nil
        }
    }

    private func forgetExpired() {
        let cutoff = ContinuousClock.now - duplicateWindow
        while let oldest = rememberedOrder.first, let entry = remembered[oldest], entry.at < cutoff {
            remembered[oldest] = nil
            rememberedOrder.removeFirst()
        }
    }
}
