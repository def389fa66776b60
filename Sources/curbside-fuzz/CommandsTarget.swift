import AgentRuntime
import Foundation

/// The command path of every daemon: `CommandRouter.handle` (size, JSON, id, retain flag, duplicates, known command,
/// signature and replay checks by `SignatureAuthorizer`, expiry, typed argument decoding) and the result as published.
///
/// Input: `NAME\nPAYLOAD` (the command name as the topic's last level says it, then the payload's bytes); without a
/// newline in the first 64 bytes the whole input is a `set-level` payload.
enum CommandsTarget {
    static let identity = try? DeviceIdentity(site: "fuzz-site", kind: "streetlight", device: "pole-1")
    /// Signed by default, as a daemon's actuator commands are.
    static let actuators: Set<String> = ["set-level", "set-profile", "authorize"]

    /// The shapes daemons' arguments take: a required and an optional number under snake_case names, optional text,
    /// and a list of objects (`set-profile`'s entries).
    struct Arguments: SnakeCaseArguments, Sendable {
        struct Entry: Decodable, Sendable {
            var from: String
            var level: Double
        }
        var level: Double?
        var durationS: Double?
        var idTag: String?
        var profile: [Entry]?
    }

    static let target = FuzzTarget("commands", generatedSeeds: seeds) { data in
        guard let identity else { return }
        let (name, payload) = split(data)
        // The session takes a command name from the topic's last level: never empty, never with a `/`.
        guard !name.isEmpty, !name.contains("/") else { return }
        let state = Fuzz.scratch("commands")
        runBlocking {
            let authorizer = SignatureAuthorizer(
                settings: Fuzz.security(signConfig: true), identity: identity, actuatorCommands: actuators,
                stateDirectory: state, wallClock: { Fuzz.now })
            let router = CommandRouter(authorizer: authorizer, wallClock: { Fuzz.now })
            await register(on: router)
            let request = CommandRequest(name: name, payload: payload)
            let first = await router.handle(request)
            precondition(first.command == name, "the result names another command")
            _ = Fuzz.published(first, "the result of \(name)")
            // The same id again: the first result, not a second execution (nor a `replayed` for a signed one).
            let again = await router.handle(request)
            if first.id != nil { precondition(again == first, "a repeated id got another result") }
            _ = Fuzz.published(
                await router.refuse(request, reason: .busy, message: "busy"), "the busy result of \(name)")
            let retained = await router.handle(
                CommandRequest(name: name, payload: payload, responseTopic: "reply", retained: true))
            precondition(retained.status == .rejected, "a retained command was executed")
        }
    }

    static func split(_ data: [UInt8]) -> (String, [UInt8]) {
        guard let newline = data.prefix(64).firstIndex(of: 0x0A) else { return ("set-level", data) }
        return (String(decoding: data[..<newline], as: UTF8.self), Array(data[(newline + 1)...]))
    }

    static func register(on router: CommandRouter) async {
        await router.register("set-level", arguments: Arguments.self) { args in
            guard let level = args.level else { return .rejected(reason: "invalid-arguments", message: "no level") }
            return .accepted(["level": .number(level), "duration_s": args.durationS.map { .number($0) } ?? .null])
        }
        await router.register("set-profile", arguments: Arguments.self) { args in
            .accepted(["entries": .number(Double(args.profile?.count ?? 0))])
        }
        await router.register("authorize", arguments: Arguments.self) { args in
            .accepted(["id_tag": args.idTag.map { .string($0) } ?? .null])
        }
        // Whatever `args` holds comes back in the result, so every JSON value goes through the published encoding.
        await router.register("echo", arguments: JSONValue.self) { args in .accepted(args) }
        await router.register("ping") { .accepted(["pong": true]) }
        await router.register("fail") { throw CommandFailure(message: "failed on purpose") }
    }

    /// Signed commands (good, for another device, by a retired key, expired), unsigned ones, and malformed ones.
    @Sendable static func seeds() -> [(String, [UInt8])] {
        guard let identity, let other = try? DeviceIdentity(site: "fuzz-site", kind: "streetlight", device: "pole-2")
        else { return [] }
        func signed(_ name: String, _ id: String, _ args: JSONValue, for device: DeviceIdentity = identity)
            -> [UInt8]
        {
            var envelope = Fuzz.signatureFields(
                topic: TopicScheme(identity: device).command(name), identity: device, name: name, id: id, args: args)
            envelope["args"] = args
            return Array("\(name)\n".utf8) + Fuzz.json(.object(envelope))
        }
        var seeds: [(String, [UInt8])] = [
            ("signed-set-level", signed("set-level", "c-1", ["level": 40, "duration_s": 600])),
            (
                "signed-set-profile",
                signed(
                    "set-profile", "c-2",
                    ["profile": [["from": "18:00", "level": 80], ["from": "23:30", "level": 30]]])
            ),
            ("signed-authorize", signed("authorize", "c-3", ["id_tag": "04A2B3C4"])),
            ("signed-other-device", signed("set-level", "c-4", ["level": 0], for: other)),
            ("signed-echo", signed("echo", "c-5", ["nested": ["a": [1, 2.5, "x", .null, true]]])),
        ]
        var tampered = signed("set-level", "c-6", ["level": 40])
        if let index = tampered.firstIndex(of: UInt8(ascii: "4")) { tampered[index] = UInt8(ascii: "9") }
        seeds.append(("signed-tampered", tampered))
        seeds += [
            ("unsigned-set-level", Array("set-level\n".utf8) + Fuzz.json(["id": "u-1", "args": ["level": 10]])),
            ("unsigned-ping", Array("ping\n".utf8) + Fuzz.json(["id": "u-2"])),
            ("unsigned-fail", Array("fail\n".utf8) + Fuzz.json(["id": "u-3"])),
            (
                "expires-unsigned",
                Array("echo\n".utf8) + Fuzz.json(["id": "u-4", "expires": "2027-01-15T08:10:00Z", "args": [1]])
            ),
            (
                "bad-args",
                Array("set-level\n".utf8)
                    + Fuzz.json(["id": "u-5", "args": ["level": "bright"], "sig": ["key": "ops", "ed25519": "AA=="]])
            ),
            ("not-json", Array("ping\n{\"id\": ".utf8)),
            ("no-id", Array("ping\n{\"args\": {}}".utf8)),
        ]
        return seeds
    }
}
