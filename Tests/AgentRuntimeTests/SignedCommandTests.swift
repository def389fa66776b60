import AgentRuntime
import ConfigSupport
import Crypto
import Foundation
import Locking
import Testing

/// Signed commands and desired configurations: real Ed25519 keys, the real router and authorizer, the replay cache
/// in a real state directory.
@Suite("Signed commands and configuration")
struct SignedCommandTests {
    static let now = Date(timeIntervalSince1970: 1_796_000_000)
    let operatorKey = Curve25519.Signing.PrivateKey()
    let pole = try! DeviceIdentity(site: "district-7", kind: "streetlight", device: "pole-0042")
    let otherPole = try! DeviceIdentity(site: "district-7", kind: "streetlight", device: "pole-0043")
    let state = FileManager.default.temporaryDirectory.appendingPathComponent("signed-\(UUID().uuidString)").path

    init() throws {
        // A daemon creates its state directory before anything else.
        try FileManager.default.createDirectory(atPath: state, withIntermediateDirectories: true)
    }

    @Test("a replay cache that cannot be written refuses the request (fail closed)")
    func unwritableCache() async throws {
        try FileManager.default.removeItem(atPath: state)
        let refusals = Refusals()
        let (router, executed) = await makeRouter(refusals: refusals)
        let result = await send(router, try signedCommand())
        #expect(result.reason == "replay-cache-unavailable", "\(result)")
        #expect(executed.value == 0)
        #expect(refusals.all.map(\.reason) == ["replay-cache-unavailable"])
    }

    /// How often the actuator handler ran.
    final class Counter: Sendable {
        let count = Lock(0)
        var value: Int { count.withLock { $0 } }
        func increment() { count.withLock { $0 += 1 } }
    }

    /// Refusals the authorizer reported (what the daemon publishes on `event/security`).
    final class Refusals: Sendable {
        let seen = Lock<[SecurityRefusal]>([])
        var all: [SecurityRefusal] { seen.withLock { $0 } }
    }

    func settings(_ keys: [SecuritySettings.TrustedKey]? = nil, require: [String]? = nil) -> SecuritySettings {
        var settings = SecuritySettings()
        settings.isConfigured = true
        settings.trustedKeys =
            keys ?? [.init(id: "ops-2026", publicKey: Array(operatorKey.publicKey.rawRepresentation))]
        settings.requireSignature = require
        return settings
    }

    /// A router with `set-level` (an actuator) and `ping` (not one), whose authorizer is built on `state`.
    func makeRouter(
        _ settings: SecuritySettings? = nil, identity: DeviceIdentity? = nil, refusals: Refusals = Refusals(),
        at clock: Date = now
    ) async -> (CommandRouter, Counter) {
        let authorizer = SignatureAuthorizer(
            settings: settings ?? self.settings(), identity: identity ?? pole, actuatorCommands: ["set-level"],
            stateDirectory: state, wallClock: { clock },
            onRefusal: { refusal in refusals.seen.withLock { $0.append(refusal) } })
        let router = CommandRouter(authorizer: authorizer, wallClock: { clock })
        let executed = Counter()
        await router.register("set-level") {
            executed.increment()
            return .accepted(nil)
        }
        await router.register("ping") { .accepted(["pong": true]) }
        return (router, executed)
    }

    /// A `set-level` payload signed for `target` by `key` as `keyID`.
    func signedCommand(
        id: String = "cmd-1", args: JSONValue = ["level": 30], for target: DeviceIdentity? = nil,
        key: Curve25519.Signing.PrivateKey? = nil, keyID: String = "ops-2026", issued: Date = now,
        validity: TimeInterval = 300, claimDevice: Bool = true, alter: (inout [String: JSONValue]) -> Void = { _ in }
    ) throws -> [UInt8] {
        let target = target ?? pole
        let request = SignedRequest(
            topic: TopicScheme(identity: target).command("set-level"), device: target.description, name: "set-level",
            id: id, issuedAt: RFC3339.format(issued), expires: RFC3339.format(issued.addingTimeInterval(validity)),
            args: args)
        var document = try request.signatureFields(keyID: keyID, privateKey: key ?? operatorKey)
        document["args"] = args
        if !claimDevice { document["device"] = nil }
        alter(&document)
        return Array(try JSONEncoder().encode(JSONValue.object(document)))
    }

    func send(_ router: CommandRouter, _ payload: [UInt8], name: String = "set-level") async -> CommandResult {
        await router.handle(CommandRequest(name: name, payload: payload))
    }

    @Test("the canonical encoding: sorted keys, no whitespace, integers without a fraction, escapes")
    func canonical() {
        let value: JSONValue = [
            "b": [1, 2.5, -0.0, 1e300], "a": "x\"\\\n\u{1}é", "c": ["z": true, "y": .null],
        ]
        let text = String(decoding: CanonicalJSON.encode(value), as: UTF8.self)
        #expect(text == #"{"a":"x\"\\\u000a\u0001é","b":[1,2.5,0,1e+300],"c":{"y":null,"z":true}}"#)
    }

    @Test("a signed actuator command runs; an unsigned ping needs no signature")
    func happyPath() async throws {
        let refusals = Refusals()
        let (router, executed) = await makeRouter(refusals: refusals)
        let result = await send(router, try signedCommand())
        #expect(result.status == .accepted, "\(result)")
        #expect(executed.value == 1)
        let ping = await send(router, Array(#"{"id":"p1"}"#.utf8), name: "ping")
        #expect(ping.status == .accepted)
        #expect(refusals.all.isEmpty)
    }

    @Test(
        "each rejection has its reason, runs nothing and is reported for event/security",
        arguments: [
            "unsigned", "bad-signature", "unknown-key", "expired", "key-expired", "wrong-device", "invalid-signature",
            "signed-for-another-device",
        ])
    func rejections(_ kind: String) async throws {
        let refusals = Refusals()
        var settings = settings()
        let payload: [UInt8]
        var reason = kind
        switch kind {
        case "unsigned":
            payload = Array(#"{"id":"cmd-1","args":{"level":0}}"#.utf8)
        case "bad-signature":
            // The signed level was 30; someone changed it to 0 on the way.
            payload = try signedCommand { $0["args"] = ["level": 0] }
        case "unknown-key":
            payload = try signedCommand(key: Curve25519.Signing.PrivateKey(), keyID: "stolen")
        case "expired":
            payload = try signedCommand(issued: Self.now.addingTimeInterval(-600), validity: 300)
        case "key-expired":
            settings.trustedKeys[0].notAfter = Self.now.addingTimeInterval(-1)
            payload = try signedCommand()
        case "wrong-device":
            payload = try signedCommand(for: otherPole)
        case "invalid-signature":
            // A validity longer than max_validity_s would make the replay cache keep ids for ever.
            payload = try signedCommand(validity: 86_400 * 365)
        default:
            // Made for pole-0043 and sent to pole-0042 without the device claim: the signature itself refuses it.
            payload = try signedCommand(for: otherPole, claimDevice: false)
            reason = "bad-signature"
        }
        let (router, executed) = await makeRouter(settings, refusals: refusals)
        let result = await send(router, payload)
        #expect(result.status == .rejected, "\(result)")
        #expect(result.reason == reason, "\(result)")
        #expect(executed.value == 0)
        #expect(refusals.all.map(\.reason) == [reason])
        #expect(refusals.all.first?.request == "set-level")
    }

    @Test("a replayed id is rejected, also after a restart (the cache is in the state directory)")
    func replayAfterRestart() async throws {
        let payload = try signedCommand(id: "cmd-replay")
        let (first, executed) = await makeRouter()
        #expect(await send(first, payload).status == .accepted)
        #expect(executed.value == 1)
        // A new router and authorizer on the same state directory: what a restarted daemon builds.
        let refusals = Refusals()
        let (restarted, executedAgain) = await makeRouter(refusals: refusals, at: Self.now.addingTimeInterval(5))
        let replay = await send(restarted, payload)
        #expect(replay.status == .rejected)
        #expect(replay.reason == "replayed", "\(replay)")
        #expect(executedAgain.value == 0)
        #expect(refusals.all.map(\.reason) == ["replayed"])
        // The same id signed anew is the same request: still refused. A fresh id runs.
        #expect(await send(restarted, try signedCommand(id: "cmd-replay", args: ["level": 40])).reason == "replayed")
        #expect(await send(restarted, try signedCommand(id: "cmd-2")).status == .accepted)
    }

    @Test("the replay cache forgets ids once they have expired (bounded by the expiry window)")
    func replayCacheBounded() async throws {
        let (router, _) = await makeRouter()
        for index in 0..<5 { #expect(await send(router, try signedCommand(id: "old-\(index)")).status == .accepted) }
        let later = Self.now.addingTimeInterval(400)
        let (laterRouter, _) = await makeRouter(at: later)
        #expect(await send(laterRouter, try signedCommand(id: "new", issued: later)).status == .accepted)
        let stored = try JSONDecoder().decode(
            [String: Double].self, from: Data(contentsOf: URL(fileURLWithPath: state + "/replay-cache.json")))
        #expect(stored.keys.sorted() == ["set-level:new"])
    }

    @Test("rotation: two trusted keys at once; require_signature \"*\" covers every command")
    func rotationAndPolicy() async throws {
        let newKey = Curve25519.Signing.PrivateKey()
        let keys: [SecuritySettings.TrustedKey] = [
            .init(id: "ops-2025", publicKey: Array(operatorKey.publicKey.rawRepresentation)),
            .init(id: "ops-2026", publicKey: Array(newKey.publicKey.rawRepresentation)),
        ]
        let (router, executed) = await makeRouter(settings(keys, require: ["*"]))
        #expect(await send(router, try signedCommand(id: "a", keyID: "ops-2025")).status == .accepted)
        #expect(await send(router, try signedCommand(id: "b", key: newKey, keyID: "ops-2026")).status == .accepted)
        #expect(executed.value == 2)
        let ping = await send(router, Array(#"{"id":"p1"}"#.utf8), name: "ping")
        #expect(ping.reason == "unsigned", "\(ping)")
    }

    @Test("a desired configuration: unsigned refused, signed accepted once, altered or replayed refused")
    func desiredConfiguration() async throws {
        let refusals = Refusals()
        let authorizer = SignatureAuthorizer(
            settings: settings(), identity: pole, actuatorCommands: [], stateDirectory: state,
            wallClock: { Self.now }, onRefusal: { refusal in refusals.seen.withLock { $0.append(refusal) } })
        let unsigned: [String: JSONValue] = ["revision": 3, "config": ["device": ["on_level": 80]]]
        #expect(reason(await authorizer.authorize(desired: unsigned)) == "unsigned")
        let request = SignedRequest(
            topic: TopicScheme(identity: pole).configDesired, device: pole.description,
            name: SignedRequest.configurationName, id: "config-3", issuedAt: RFC3339.format(Self.now),
            expires: RFC3339.format(Self.now.addingTimeInterval(3600)), args: .object(unsigned))
        let signed = unsigned.merging(try request.signatureFields(keyID: "ops-2026", privateKey: operatorKey)) { $1 }
        var altered = signed
        altered["config"] = ["device": ["on_level": 0]]
        #expect(reason(await authorizer.authorize(desired: altered)) == "bad-signature")
        #expect(await authorizer.authorize(desired: signed) == .allow)
        #expect(reason(await authorizer.authorize(desired: signed)) == "replayed")
        #expect(refusals.all.map(\.reason) == ["unsigned", "bad-signature", "replayed"])
        #expect(refusals.all.allSatisfy { $0.request == "config" })
    }
}

/// The reason of a refusal; nil when allowed.
private func reason(_ decision: AuthorizationDecision) -> String? {
    switch decision {
    case .allow: nil
    case .deny: "unauthorized"
    case .refuse(let reason, _): reason
    }
}

@Suite("The security section")
struct SecuritySectionTests {
    static let base = """
        identity: {site: s, kind: streetlight, device: d}
        mqtt: {url: "mqtt://127.0.0.1:1883"}
        board: b.yaml
        hal: {backend: linux}
        state_dir: /tmp/x

        """

    func parse(_ yaml: String) throws(DocumentError) -> AgentConfiguration {
        try AgentConfiguration.parse(yaml: Self.base + yaml) { _, _, _ in 0 }.0
    }

    @Test("absent: nothing is checked and a warning says so; present: keys, policy and limits are read")
    func reads() throws {
        let bare = try parse("")
        #expect(!bare.security.isConfigured)
        #expect(bare.unsignedWarning?.hasPrefix("$.security: absent") == true)
        #expect(!bare.security.requiresSignature(command: "set-level", actuatorCommands: ["set-level"]))

        let key = Data(Curve25519.Signing.PrivateKey().publicKey.rawRepresentation).base64EncodedString()
        let configured = try parse(
            """
            security:
              trusted_keys:
                - {id: ops-2026, public_key: "\(key)"}
                - {id: ops-2025, public_key: "\(key)", not_after: "2027-01-31T00:00:00Z"}
              max_validity_s: 120
            """)
        let security = configured.security
        #expect(security.isConfigured && configured.unsignedWarning == nil)
        #expect(security.trustedKeys.map(\.id) == ["ops-2026", "ops-2025"])
        #expect(security.trustedKeys[1].notAfter == RFC3339.parse("2027-01-31T00:00:00Z"))
        #expect(security.maxCommandValidity == .seconds(120) && security.signConfig)
        // Default policy: the daemon's actuator commands only.
        #expect(security.requiresSignature(command: "set-level", actuatorCommands: ["set-level"]))
        #expect(!security.requiresSignature(command: "ping", actuatorCommands: ["set-level"]))
    }

    @Test("a malformed key, a duplicate id or no key at all is refused with its path")
    func refuses() {
        let cases = [
            ("security: {trusted_keys: [{id: a, public_key: \"c2hvcnQ=\"}]}", "$.security.trusted_keys[0].public_key"),
            (
                "security: {trusted_keys: [{id: a, public_key: \"\(String(repeating: "A", count: 43))=\"}, "
                    + "{id: a, public_key: \"\(String(repeating: "A", count: 43))=\"}]}",
                "$.security.trusted_keys[1].id"
            ),
            ("security: {trusted_keys: []}", "$.security.trusted_keys"),
            ("security: {sign_config: false}", "$.security.trusted_keys"),
        ]
        for (yaml, path) in cases {
            do {
                _ = try parse(yaml)
                Issue.record("accepted: \(yaml)")
            } catch {
                #expect(error.issues.contains { $0.path == path }, "\(yaml): \(error)")
            }
        }
    }
}
