import AgentRuntime
import Foundation
import Locking
import Testing

struct SetLevel: Decodable, Sendable {
    var level: Double
    var durationSeconds: Int?

    enum CodingKeys: String, CodingKey {
        case level
        case durationSeconds = "duration_s"
    }
}

/// Arguments named in snake_case on the wire, camelCase in Swift, without CodingKeys.
struct Dim: SnakeCaseArguments, Sendable {
    var level: Double
    var durationS: Double?
}

/// Counts handler executions so tests can prove a duplicate did not run again.
final class Counter: Sendable {
    private let value = Lock(0)
    func increment() { value.withLock { $0 += 1 } }
    var count: Int { value.withLock { $0 } }
}

@Suite("Command router")
struct CommandRouterTests {
    let fixedNow = Date(timeIntervalSince1970: 1_795_000_000)

    func router(maxPayload: Int = 1024, authorizer: any CommandAuthorizer = AllowUnsigned()) async
        -> (CommandRouter, Counter)
    {
        let now = fixedNow
        let router = CommandRouter(maxPayloadBytes: maxPayload, authorizer: authorizer, wallClock: { now })
        let counter = Counter()
        await router.register("set-level", arguments: SetLevel.self) { args in
            counter.increment()
            guard (0...100).contains(args.level) else {
                return .rejected(reason: "out-of-range", message: "level must be 0…100, got \(args.level)")
            }
            return .accepted(["level": .number(args.level)])
        }
        await router.register("explode") { throw CommandFailure(reason: "bus-error", message: "i2c-1@0x40 NACK") }
        return (router, counter)
    }

    func send(_ router: CommandRouter, _ name: String, _ json: String) async -> CommandResult {
        await router.handle(CommandRequest(name: name, payload: Array(json.utf8)))
    }

    @Test("a good command is executed once and accepted with the handler's result")
    func accepted() async {
        let (router, counter) = await router()
        let result = await send(router, "set-level", #"{"id":"c1","args":{"level":40}}"#)
        #expect(result.status == .accepted)
        #expect(result.id == "c1")
        #expect(result.result == ["level": 40])
        #expect(result.ts == "2026-11-18T11:06:40.000Z")
        #expect(counter.count == 1)
    }

    @Test(
        "malformed commands are rejected with the right reason and never reach a handler",
        arguments: [
            ("set-level", #"{"id":"x","args":{"level":40}"#, "invalid-json"),
            ("set-level", #"[1,2]"#, "invalid-json"),
            ("set-level", #"{"args":{"level":40}}"#, "missing-id"),
            ("set-level", #"{"id":17,"args":{"level":40}}"#, "missing-id"),
            ("set-level", #"{"id":"","args":{"level":40}}"#, "missing-id"),
            ("dance", #"{"id":"d1"}"#, "unknown-command"),
            ("set-level", #"{"id":"e1","expires":"2020-01-01T00:00:00Z","args":{"level":1}}"#, "expired"),
            ("set-level", #"{"id":"e2","expires":"tomorrow","args":{"level":1}}"#, "invalid-expiry"),
            ("set-level", #"{"id":"t1","args":{"level":"bright"}}"#, "invalid-arguments"),
            ("set-level", #"{"id":"t2","args":{}}"#, "invalid-arguments"),
            ("set-level", #"{"id":"t3"}"#, "invalid-arguments"),
        ])
    func malformed(name: String, json: String, reason: String) async {
        let (router, counter) = await router()
        let result = await send(router, name, json)
        #expect(result.status == .rejected)
        #expect(result.reason == reason, "\(result.message ?? "")")
        #expect(counter.count == 0)
    }

    @Test("argument errors name the JSON path, what was expected and what was found")
    func argumentPaths() async {
        let (router, _) = await router()
        let wrongType = await send(router, "set-level", #"{"id":"p1","args":{"level":"bright"}}"#)
        #expect(wrongType.message == "args.level: expected number, got string")
        let missing = await send(router, "set-level", #"{"id":"p2","args":{"duration_s":5}}"#)
        #expect(missing.message == "args.level: missing")
    }

    @Test("an oversized payload is rejected unread")
    func oversized() async {
        let (router, counter) = await router(maxPayload: 64)
        let padding = String(repeating: "x", count: 100)
        let result = await send(router, "set-level", #"{"id":"big","args":{"level":1},"pad":"\#(padding)"}"#)
        #expect(result.reason == "payload-too-large")
        #expect(result.id == nil)
        #expect(counter.count == 0)
    }

    /// Found by the `commands` fuzz target: at fcdcfdb a 400-deep `args` value was decoded — about 5 s of CPU per
    /// decode in a debug build, growing faster than the depth — and then executed.
    @Test("a payload nested deeper than 64 levels is rejected unread; 64 levels, and brackets in strings, are not")
    func tooDeep() async {
        let (router, counter) = await router(maxPayload: 64 * 1024)
        func nested(_ levels: Int) -> String {
            String(repeating: "[", count: levels) + String(repeating: "]", count: levels)
        }
        let deep = await send(router, "set-level", #"{"id":"d1","args":{"level":1,"pad":\#(nested(400))}}"#)
        #expect(deep.status == .rejected)
        #expect(deep.reason == "invalid-json")
        #expect(deep.message == "payload nests deeper than 64 levels")
        // The envelope and `args` are two levels: 62 more make exactly 64.
        let limit = await send(router, "set-level", #"{"id":"d2","args":{"level":1,"pad":\#(nested(62))}}"#)
        #expect(limit.status == .accepted)
        let brackets = String(repeating: "[{", count: 100)
        let quoted = await send(router, "set-level", #"{"id":"d3","args":{"level":1,"note":"\"\#(brackets)"}}"#)
        #expect(quoted.status == .accepted, "\(quoted.message ?? "")")
        #expect(counter.count == 2)
    }

    @Test("a command delivered with the retain flag is rejected as retained and never executed; a live resend runs")
    func retained() async {
        let (router, counter) = await router()
        let payload = Array(#"{"id":"stale","args":{"level":70}}"#.utf8)
        let stored = await router.handle(CommandRequest(name: "set-level", payload: payload, retained: true))
        #expect(stored.status == .rejected)
        #expect(stored.reason == "retained")
        #expect(stored.id == "stale")
        #expect(counter.count == 0)
        let live = await router.handle(CommandRequest(name: "set-level", payload: payload))
        #expect(live.status == .accepted)
        #expect(counter.count == 1)
    }

    @Test("a repeated id gets the first result again without executing again")
    func duplicates() async {
        let (router, counter) = await router()
        let first = await send(router, "set-level", #"{"id":"dup","args":{"level":10}}"#)
        let second = await send(router, "set-level", #"{"id":"dup","args":{"level":99}}"#)
        #expect(first == second)
        #expect(counter.count == 1)
        // Concurrent duplicates also run once.
        async let a = send(router, "set-level", #"{"id":"dup2","args":{"level":5}}"#)
        async let b = send(router, "set-level", #"{"id":"dup2","args":{"level":5}}"#)
        let (ra, rb) = await (a, b)
        #expect(ra == rb)
        #expect(counter.count == 2)
    }

    @Test("handler refusals are rejected, handler failures are failed, the router keeps serving")
    func handlerOutcomes() async {
        let (router, _) = await router()
        let refused = await send(router, "set-level", #"{"id":"r1","args":{"level":140}}"#)
        #expect(refused.status == .rejected)
        #expect(refused.reason == "out-of-range")
        let failed = await send(router, "explode", #"{"id":"f1"}"#)
        #expect(failed.status == .failed)
        #expect(failed.reason == "bus-error")
        #expect(failed.message == "i2c-1@0x40 NACK")
        let after = await send(router, "set-level", #"{"id":"ok","args":{"level":1}}"#)
        #expect(after.status == .accepted)
    }

    struct DenyAll: CommandAuthorizer {
        func authorize(command: String, envelope: [String: JSONValue], payload: [UInt8]) async
            -> AuthorizationDecision
        { .deny("signature required for \(command)") }
    }

    @Test("the authorizer seam runs before the handler")
    func authorization() async {
        let (router, counter) = await router(authorizer: DenyAll())
        let result = await send(router, "set-level", #"{"id":"a1","args":{"level":1}}"#)
        #expect(result.reason == "unauthorized")
        #expect(result.message == "signature required for set-level")
        #expect(counter.count == 0)
    }
}

@Suite("Topic scheme")
struct TopicSchemeTests {
    @Test("topics follow curb/v1/{site}/{kind}/{device}/")
    func topics() throws {
        let scheme = TopicScheme(
            identity: try DeviceIdentity(site: "district-7", kind: "streetlight", device: "p-0042"))
        #expect(scheme.status == "curb/v1/district-7/streetlight/p-0042/status")
        #expect(scheme.telemetry("env") == "curb/v1/district-7/streetlight/p-0042/telemetry/env")
        #expect(scheme.commandResult("ping") == "curb/v1/district-7/streetlight/p-0042/cmd/ping/result")
        #expect(scheme.commandName(in: "curb/v1/district-7/streetlight/p-0042/cmd/ping") == "ping")
        #expect(scheme.commandName(in: "curb/v1/district-7/streetlight/p-0042/cmd/ping/result") == nil)
        #expect(scheme.commandName(in: "curb/v1/district-7/streetlight/p-0043/cmd/ping") == nil)
    }

    @Test(
        "identity segments that would break topic ACLs or broker user names are refused",
        arguments: ["a/b", "+", "#", "", "sp ace", "a~b", "a:b"])
    func badSegments(segment: String) {
        #expect(throws: IdentityError.self) { try DeviceIdentity(site: segment, kind: "k", device: "d") }
        #expect(throws: IdentityError.self) { try DeviceIdentity(site: "s", kind: "k", device: segment) }
    }

    @Test("broker user names are {site}~{kind}~{device} and never collide, dots in ids included")
    func brokerUsernames() throws {
        let identities = [
            try DeviceIdentity(site: "a.b", kind: "c", device: "d"),
            try DeviceIdentity(site: "a", kind: "b.c", device: "d"),
            try DeviceIdentity(site: "a", kind: "b", device: "c.d"),
            try DeviceIdentity(site: "a.b.c", kind: "d", device: "e"),
        ]
        #expect(identities[0].brokerUsername == "a.b~c~d")
        #expect(Set(identities.map(\.brokerUsername)).count == identities.count)
        // The name splits back into the identity it came from: the separator occurs only between segments.
        for identity in identities {
            let parts = identity.brokerUsername.split(separator: "~", omittingEmptySubsequences: false).map(String.init)
            #expect(parts == [identity.site, identity.kind, identity.device])
        }
    }

    @Test("default MQTT client ids never collide, hyphens in ids included")
    func clientIDs() throws {
        // With `-` joining the segments, a-b/c/d and a/b-c/d both were curb-a-b-c-d: the broker then disconnects
        // whichever of the two devices connected first, every time the other reconnects (a takeover loop).
        let identities = [
            try DeviceIdentity(site: "a-b", kind: "c", device: "d"),
            try DeviceIdentity(site: "a", kind: "b-c", device: "d"),
            try DeviceIdentity(site: "a", kind: "b", device: "c-d"),
        ]
        #expect(Set(identities.map(\.clientID)).count == identities.count)
        #expect(identities[0].clientID == "curb-a-b~c~d")
    }

    @Test("snake-case arguments: duration_s reaches durationS, and a wrong type is named as the payload spells it")
    func snakeCaseArguments() async throws {
        let router = CommandRouter(wallClock: { Date(timeIntervalSince1970: 1_795_000_000) })
        await router.register("dim", arguments: Dim.self) { args in
            .accepted(["duration_s": .number(args.durationS ?? -1)])
        }
        let good = await router.handle(
            CommandRequest(name: "dim", payload: Array(#"{"id":"d1","args":{"level":5,"duration_s":60}}"#.utf8)))
        #expect(good.result == ["duration_s": 60])
        let bad = await router.handle(
            CommandRequest(name: "dim", payload: Array(#"{"id":"d2","args":{"level":5,"duration_s":"x"}}"#.utf8)))
        #expect(bad.message == "args.duration_s: expected number, got string")
    }
}
