public import AgentRuntime
public import FoundationEssentials
public import MQTTTransport

/// One command to one device over MQTT 5 request/response: `{id, args}` on `cmd/{name}` with a response topic under
/// `ops/replies/{device user name}/` (where the example ACL lets only that device answer) and the id as correlation
/// data; the answer is the device's one `CommandResult`.
public struct CommandCall: Sendable, Hashable {
    /// The device.
    public var target: DeviceIdentity
    /// The command (`cmd/{name}`).
    public var name: String
    /// The `args` object, if any.
    public var arguments: JSONValue?
    /// The command id, also the correlation data; unique per call.
    public var id: String
    /// `id`, `issued_at`, `expires`, `device` and `sig` of a signed call (``sign(with:validity:now:)``).
    public var signature: [String: JSONValue]?

    /// A call; without `id`, a fresh random one.
    public init(target: DeviceIdentity, name: String, arguments: JSONValue? = nil, id: String? = nil) {
        self.target = target
        self.name = name
        self.arguments = arguments
        self.id = id ?? "curbctl-\(UInt32.random(in: 0...UInt32.max))"
    }

    /// `key=value` words as the `args` object; a value that reads as JSON (`30`, `true`, `"x"`, `{…}`) is that
    /// value, anything else a string. Nil for no words.
    public static func arguments(_ words: [String]) throws(FleetError) -> JSONValue? {
        guard !words.isEmpty else { return nil }
        var object: [String: JSONValue] = [:]
        for word in words {
            guard let equals = word.firstIndex(of: "="), equals != word.startIndex else {
                throw FleetError(.invalidInput, detail: "argument \"\(word)\": expected key=value (e.g. level=30)")
            }
            let key = String(word[..<equals])
            let text = String(word[word.index(after: equals)...])
            object[key] = JSONText.decode(Array(text.utf8)) ?? .string(text)
        }
        return .object(object)
    }

    /// Signs the call with `key`, valid for `validity` from `now` (see the README's Security model).
    public mutating func sign(with key: OperatorKey, validity: Duration, now: Date = Date()) throws(FleetError) {
        signature = try key.sign(
            topic: TopicScheme(identity: target).command(name), target: target, name: name, id: id,
            args: arguments ?? .null, validity: validity, now: now)
    }

    /// Where the device answers.
    public func responseTopic(clientID: String) -> String { "ops/replies/\(target.brokerUsername)/\(clientID)/\(id)" }

    /// The request message.
    public func request(clientID: String) -> MQTTMessage {
        var document: [String: JSONValue] = ["id": .string(id)]
        if let arguments { document["args"] = arguments }
        document.merge(signature ?? [:]) { _, signed in signed }
        return MQTTMessage(
            topic: TopicScheme(identity: target).command(name),
            payload: Array(JSONText.encode(JSONValue.object(document), pretty: false).utf8),
            qos: .atLeastOnce, responseTopic: responseTopic(clientID: clientID), correlationData: Array(id.utf8),
            contentType: "application/json")
    }

    /// Subscribes to where the answer comes, then publishes the request: the answer cannot come before we listen.
    /// Over MQTT 3.1.1 (a profile's `protocol: "3.1.1"`) there is no response topic: the device answers on
    /// `cmd/{name}/result`, where the answer is recognised by its id.
    public func send(on connection: FleetConnection) async throws(FleetError) {
        try await connection.subscribe(
            connection.usesMQTT5
                ? [responseTopic(clientID: connection.clientID)] : [TopicScheme(identity: target).commandResult(name)])
        try await connection.publish(request(clientID: connection.clientID))
    }

    /// The result if `message` is this command's answer, else nil.
    public func result(in message: MQTTMessage, clientID: String) throws(FleetError) -> CommandResult? {
        let reply = message.topic == responseTopic(clientID: clientID) && message.correlationData == Array(id.utf8)
        let shared = message.topic == TopicScheme(identity: target).commandResult(name)
        guard reply || shared else { return nil }
        guard let result = try? JSONDecoder().decode(CommandResult.self, from: Data(message.payload)) else {
            guard reply else { return nil }
            throw FleetError(
                .failed,
                detail: "\(target) answered \(name) with something that is not a result: \(message.payloadString)")
        }
        // On the shared result topic, other requesters' answers pass by too.
        return reply || result.id == id ? result : nil
    }

    /// Sends the command and waits up to `timeout` for its result; nil when none came. Other messages are dropped.
    public func run(on connection: FleetConnection, timeout: Duration) async throws(FleetError) -> CommandResult? {
        try await send(on: connection)
        let deadline = ContinuousClock.now + timeout
        while let message = await connection.next(before: deadline) {
            if let result = try result(in: message, clientID: connection.clientID) { return result }
        }
        return nil
    }

    /// The exit status a result (or its absence) ends `curbctl cmd` with.
    public static func exitStatus(of result: CommandResult?) -> ExitStatus {
        switch result?.status {
        case .accepted: .success
        case .rejected: .rejected
        case .failed: .failed
        case nil: .timeout
        }
    }
}
