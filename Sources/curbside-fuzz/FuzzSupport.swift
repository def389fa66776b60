import AgentRuntime
import Crypto
import Foundation

/// Runs async code to completion from libFuzzer's synchronous callback (the targets' actors live on the cooperative
/// pool; the fuzzing thread only waits).
func runBlocking(_ body: @escaping @Sendable () async -> Void) {
    let done = DispatchSemaphore(value: 0)
    Task {
        await body()
        done.signal()
    }
    done.wait()
}

/// What the targets share: the repository (for real example files), a scratch folder per target that starts empty
/// for every input, the operator key the signed seeds are made with, and a fixed clock so they stay valid.
enum Fuzz {
    /// The package root, from this file's place in it (`Sources/curbside-fuzz/`).
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    static func path(_ relative: String) -> String { (root as NSString).appendingPathComponent(relative) }

    /// A fixed instant: signatures made for it never expire under the fuzzer.
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    /// The operator key of the generated seeds (a fixed test key, trusted only by this harness).
    static var operatorKey: Curve25519.Signing.PrivateKey? {
        try? Curve25519.Signing.PrivateKey(rawRepresentation: Array(1...32) as [UInt8])
    }
    static var retiredKey: Curve25519.Signing.PrivateKey? {
        try? Curve25519.Signing.PrivateKey(rawRepresentation: Array(33...64) as [UInt8])
    }

    static func security(signConfig: Bool) -> SecuritySettings {
        var settings = SecuritySettings()
        settings.isConfigured = true
        settings.signConfig = signConfig
        if let operatorKey {
            settings.trustedKeys.append(.init(id: "ops", publicKey: Array(operatorKey.publicKey.rawRepresentation)))
        }
        if let retiredKey {
            settings.trustedKeys.append(
                .init(
                    id: "retired", publicKey: Array(retiredKey.publicKey.rawRepresentation),
                    notAfter: now.addingTimeInterval(-86_400)))
        }
        return settings
    }

    /// Signature fields for `args` sent as `name` on `topic` of `identity`, valid from `now` for `seconds`.
    static func signatureFields(
        topic: String, identity: DeviceIdentity, name: String, id: String, args: JSONValue, seconds: Double = 600
    ) -> [String: JSONValue] {
        let request = SignedRequest(
            topic: topic, device: identity.description, name: name, id: id, issuedAt: RFC3339.format(now),
            expires: RFC3339.format(now.addingTimeInterval(seconds)), args: args)
        guard let operatorKey, let fields = try? request.signatureFields(keyID: "ops", privateKey: operatorKey) else {
            return [:]
        }
        return fields
    }

    /// An empty folder for one input of `target`, under `/dev/shm` when there is one (no disk writes per input).
    static func scratch(_ target: String) -> String {
        let base = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
        let folder = (base as NSString).appendingPathComponent("curbside-fuzz-\(getpid())/\(target)")
        try? FileManager.default.removeItem(atPath: folder)
        try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        return folder
    }

    /// JSON as the agent publishes it; a value that cannot be encoded is a finding (the agent would send `{}`).
    static func published(_ value: some Encodable, _ what: @autoclosure () -> String) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(value) else { preconditionFailure("\(what()) cannot be encoded as JSON") }
        return Array(data)
    }

    static func json(_ value: JSONValue) -> [UInt8] { published(value, "a seed") }
}
