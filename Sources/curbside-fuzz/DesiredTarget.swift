import AgentRuntime
import ConfigSupport
import Foundation
import Yams

/// `config/desired` as each daemon handles it: `RemoteConfigurator.handleDesired` (size, JSON, revision, unknown
/// keys, reset, signature and replay check, the device section's own validation with its local-only hardware part,
/// apply, persist) for every daemon's section, and the report as published.
///
/// Properties checked: a revision that was applied is `ignored` when the retained document comes again, and a fresh
/// configurator restores it from the state folder without a problem (what a restart does).
enum DesiredTarget {
    static let identity = try? DeviceIdentity(site: "fuzz-site", kind: "streetlight", device: "pole-1")

    static let target = FuzzTarget("desired-config", generatedSeeds: seeds) { data in
        runBlocking {
            for kind in DeviceKind.all { await kind.desired(data, Fuzz.scratch("desired-config")) }
        }
    }

    static func handle<Device: RemotelyConfigurable>(
        _ payload: [UInt8], device: Device, baseline: Device.Settings, state: String
    ) async {
        guard let identity else { return }
        func configurator() -> RemoteConfigurator<Device> {
            // Signatures are optional here (sign_config false) but checked when present, as on a daemon.
            let authorizer = SignatureAuthorizer(
                settings: Fuzz.security(signConfig: false), identity: identity, actuatorCommands: [],
                stateDirectory: state, wallClock: { Fuzz.now })
            return RemoteConfigurator(
                device: device, baseline: baseline, stateDirectory: state, healthWindow: .zero, authorizer: authorizer)
        }
        let remote = configurator()
        let report = await remote.handleDesired(payload)
        _ = Fuzz.published(report, "the config/reported document")
        let again = await remote.handleDesired(payload)
        guard report.status == .applied else { return }
        precondition(again.status == .ignored, "an applied revision was handled again: \(again.status)")
        let restarted = configurator()
        let problems = await restarted.restore()
        precondition(problems.isEmpty, "the applied revision does not restore: \(problems)")
        let restored = await restarted.activeRevision
        precondition(restored == report.revision, "restored revision \(restored), applied \(report.revision)")
    }

    /// Desired configurations: each daemon's example `device` section as revision 3; for streetlightd also signed,
    /// signed for another device, a reset, and malformed documents.
    @Sendable static func seeds() -> [(String, [UInt8])] {
        guard let identity, let other = try? DeviceIdentity(site: "fuzz-site", kind: "streetlight", device: "pole-2")
        else { return [] }
        var seeds: [(String, [UInt8])] = []
        var streetlight: JSONValue = [:]
        for kind in DeviceKind.all {
            guard let device = exampleDevice(kind.daemon) else { continue }
            if kind.daemon == "streetlightd" { streetlight = device }
            seeds.append(("plain-\(kind.daemon)", Fuzz.json(["revision": 3, "config": ["device": device]])))
        }
        func signed(_ document: [String: JSONValue], _ id: String, for target: DeviceIdentity = identity) -> [UInt8] {
            let fields = Fuzz.signatureFields(
                topic: TopicScheme(identity: target).configDesired, identity: target,
                name: SignedRequest.configurationName, id: id, args: .object(document))
            return Fuzz.json(.object(document.merging(fields) { first, _ in first }))
        }
        return seeds + [
            ("signed", signed(["revision": 4, "config": ["device": streetlight]], "d-1")),
            ("signed-other-device", signed(["revision": 5, "config": ["device": streetlight]], "d-2", for: other)),
            ("reset", Fuzz.json(["revision": 1, "reset": true, "config": ["device": streetlight]])),
            ("not-remote", Fuzz.json(["revision": 2, "config": ["mqtt": ["url": "mqtt://evil"], "device": [:]]])),
            ("bad-revision", Fuzz.json(["revision": 1.5, "config": [:]])),
            ("unknown-key", Fuzz.json(["revision": 6, "config": [:], "extra": true])),
        ]
    }

    /// The `device` section of a daemon's example configuration, as JSON.
    private static func exampleDevice(_ daemon: String) -> JSONValue? {
        guard
            let text = try? String(
                contentsOfFile: Fuzz.path("Firmware-config/examples/\(daemon).yaml"), encoding: .utf8),
            let document = try? Yams.load(yaml: text) as? [String: Any], let device = document["device"],
            let data = try? JSONSerialization.data(withJSONObject: device)
        else { return nil }
        return try? JSONDecoder().decode(JSONValue.self, from: data)
    }
}
