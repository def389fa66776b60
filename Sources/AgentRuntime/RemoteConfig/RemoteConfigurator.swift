public import ConfigSupport
import FoundationEssentials
import Glibc
public import Yams

/// Reads a candidate `device` section of a desired configuration: what the daemon validates with before applying,
/// and what `curbctl config push` validates with before sending.
public protocol DesiredSettingsReader: Sendable {
    associatedtype Settings: Sendable
    /// Reads a candidate `device` section (nil: absent) with the shared reader, recording problems at their paths.
    func read(_ reader: inout NodeReader, _ node: Node?, at path: JSONPath) -> Settings?
}

/// What device logic offers to remote configuration: validate a candidate, apply it, and say whether it is healthy.
public protocol RemotelyConfigurable: DesiredSettingsReader {
    /// Puts the settings into effect (actuators stay in a safe state if this throws).
    func apply(_ settings: Settings) async throws
    /// Whether the device works with what was applied; asked once the health window has passed.
    func isHealthy() async -> Bool
}

/// Handles `config/desired`: validate → apply → wait the health window → persist atomically → report; a failure
/// at any step leaves (or puts back) the last good configuration, and the report says why.
///
/// A rejected or rolled-back revision is remembered in the state directory and answered `ignored` when the retained
/// document comes again (every reconnect and restart), so a bad revision is tried once, not once per reconnect.
/// A document with `"reset": true` is the way back from a revision number set too high by mistake: its revision is
/// accepted even when lower than the active one (not equal to it), goes through the same validate → apply → health
/// → persist steps, and once applied the refused revisions are forgotten.
///
/// Remotely settable: the `device` section and the runtime keys in `remoteRuntimeKeys`. Identity, broker,
/// credentials, board and backend stay local: a remote change there could cut the device off for good.
public actor RemoteConfigurator<Device: RemotelyConfigurable> {
    public static var remoteRuntimeKeys: [String] { DesiredConfigurationCheck.remoteRuntimeKeys }

    private let device: Device
    private let file: String
    private let healthWindow: Duration
    private let maxPayloadBytes: Int
    private let baseline: Device.Settings
    private var refused: RefusedRevisions
    private let authorizer: (any DesiredConfigurationAuthorizer)?
    public private(set) var active: AppliedConfiguration?
    private var activeSettings: Device.Settings

    /// - Parameters:
    ///   - baseline: the settings from the local configuration file (revision 0).
    ///   - stateDirectory: where `applied-config.json` and `refused-revisions.json` live.
    ///   - maxPayloadBytes: larger `config/desired` payloads are rejected unread, as oversized commands are.
    ///   - authorizer: checks the document's signature (the `security` section); nil: none is checked.
    public init(
        device: Device, baseline: Device.Settings, stateDirectory: String, healthWindow: Duration,
        maxPayloadBytes: Int = 64 * 1024, authorizer: (any DesiredConfigurationAuthorizer)? = nil
    ) {
        self.authorizer = authorizer
        self.device = device
        self.baseline = baseline
        self.activeSettings = baseline
        self.file = PathComponents.joined(stateDirectory, "applied-config.json")
        self.healthWindow = healthWindow
        self.maxPayloadBytes = maxPayloadBytes
        self.refused = RefusedRevisions(stateDirectory: stateDirectory)
    }

    public var activeRevision: Int { active?.revision ?? 0 }

    /// Loads the persisted revision (if any) and applies it; a stored configuration that no longer validates (after
    /// an agent upgrade, say) is skipped and the local one stays, with the problems returned for logging.
    public func restore() async -> [String] {
        let problems = refused.loadProblem.map { [$0] } ?? []
        return problems + (await restoreApplied())
    }

    private func restoreApplied() async -> [String] {
        let bytes: [UInt8]?
        do {
            bytes = try AtomicFile.read(file)
        } catch {
            return ["\(error), keeping the local configuration"]
        }
        guard let bytes else { return [] }
        guard let stored = try? JSONDecoder().decode(AppliedConfiguration.self, from: Data(bytes)) else {
            return ["\(file): unreadable, keeping the local configuration"]
        }
        switch validate(stored.config) {
        case .failure(let failures):
            return failures.errors.map { "\(file) revision \(stored.revision): \($0)" }
        case .success(let settings):
            do {
                try await device.apply(settings)
                active = stored
                activeSettings = settings
                return []
            } catch {
                return ["\(file) revision \(stored.revision): apply failed: \(error)"]
            }
        }
    }

    /// Handles one `config/desired` payload and returns the report to publish.
    public func handleDesired(_ payload: [UInt8]) async -> ConfigReport {
        guard payload.count <= maxPayloadBytes else {
            return report(revision: 0, .rejected, ["$: payload is \(payload.count) bytes, limit \(maxPayloadBytes)"])
        }
        guard !JSONValue.nestsDeeper(than: YAMLDocument.maximumNesting, in: payload) else {
            return report(revision: 0, .rejected, ["$: nests deeper than \(YAMLDocument.maximumNesting) levels"])
        }
        let document: JSONValue
        do {
            document = try JSONDecoder().decode(JSONValue.self, from: Data(payload))
        } catch {
            return report(revision: 0, .rejected, ["$: expected a JSON object {revision, config}, got invalid JSON"])
        }
        guard case .number(let number)? = document["revision"], number >= 1, number == number.rounded(),
            number < 9e15
        else {
            return report(
                revision: 0, .rejected,
                ["$.revision: expected integer ≥ 1, got \(document["revision"].map(describe) ?? "nothing")"])
        }
        let revision = Int(number)
        guard let config = document["config"], case .object = config else {
            return report(
                revision: revision, .rejected,
                ["$.config: expected an object, got \(document["config"].map(describe) ?? "nothing")"])
        }
        if case .object(let keys) = document {
            let unknown = keys.keys.filter {
                !(["revision", "config", "reset"] + SignedRequest.signatureKeys).contains($0)
            }.sorted()
            if !unknown.isEmpty {
                return report(revision: revision, .rejected, unknown.map { "$.\($0): unknown key" })
            }
        }
        let reset: Bool
        switch document["reset"] {
        case nil: reset = false
        case .bool(let value)?: reset = value
        case let other?:
            return report(revision: revision, .rejected, ["$.reset: expected boolean, got \(describe(other))"])
        }
        if reset ? revision == activeRevision : revision <= activeRevision {
            return report(
                revision: revision, .ignored,
                [
                    reset
                        ? "$.revision: \(revision) is the active revision"
                        : "$.revision: \(revision) is not newer than the active revision \(activeRevision)"
                ])
        }
        if let earlier = refused.refusal(of: revision) {
            return report(
                revision: revision, .ignored,
                ["$.revision: \(revision) was \(earlier.status.rawValue) before; send a new revision to try again"]
                    + earlier.errors)
        }
        // After the `ignored` checks, so the retained document coming again on every reconnect is not re-judged (its
        // signature may have expired since it was applied). Not remembered as refused: a forged revision must not
        // block the operator's genuine one with the same number.
        if let authorizer, case .object(let members) = document {
            switch await authorizer.authorize(desired: members) {
            case .allow: break
            case .deny(let why): return report(revision: revision, .rejected, ["$.sig: unauthorized: \(why)"])
            case .refuse(let reason, let message):
                return report(revision: revision, .rejected, ["$.sig: \(reason): \(message)"])
            }
        }
        let settings: Device.Settings
        switch validate(config) {
        case .failure(let failures): return refuse(revision, .rejected, failures.errors)
        case .success(let valid): settings = valid
        }
        do {
            try await device.apply(settings)
        } catch {
            await rollBack()
            return refuse(revision, .rolledBack, ["apply failed: \(error)"])
        }
        try? await Task.sleep(for: healthWindow)
        if Task.isCancelled {
            // The daemon is stopping inside the health window: the revision was not watched long enough to keep.
            await rollBack()
            return report(
                revision: revision, .rolledBack, ["interrupted by shutdown; revision \(activeRevision) restored"])
        }
        guard await device.isHealthy() else {
            await rollBack()
            return refuse(
                revision, .rolledBack,
                ["health check failed within \(healthWindow); revision \(activeRevision) restored"])
        }
        let applied = AppliedConfiguration(revision: revision, config: config)
        do {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            try AtomicFile.write(Array(try encoder.encode(applied)), to: file)
        } catch {
            await rollBack()
            return refuse(revision, .rolledBack, ["could not persist: \(error)"])
        }
        active = applied
        activeSettings = settings
        do {
            try refused.forget(atOrBelow: revision, all: reset)
        } catch {
            // The configuration is applied and persisted; a stale refusal only costs an `ignored` for a revision
            // number the operator reuses after a reset, so report it without undoing the apply.
            return report(revision: revision, .applied, ["could not update the refused revisions: \(error)"])
        }
        return report(revision: revision, .applied, nil)
    }

    /// Reports a refusal and remembers it durably, so the retained document delivered again is `ignored`.
    private func refuse(_ revision: Int, _ status: ConfigReport.Status, _ errors: [String]) -> ConfigReport {
        do {
            try refused.remember(revision, status, errors)
        } catch {
            return report(revision: revision, status, errors + ["could not remember the refusal: \(error)"])
        }
        return report(revision: revision, status, errors)
    }

    private func rollBack() async {
        // The last good settings applied before; if even that fails the device logic has already gone to its
        // safe state (apply's contract) and the report says so.
        try? await device.apply(activeSettings)
    }

    private func validate(_ config: JSONValue) -> Result<Device.Settings, Failures> {
        device.validate(desired: config).mapError { Failures($0.errors) }
    }

    struct Failures: Error {
        var errors: [String]
        init(_ errors: [String]) { self.errors = errors }
    }

    private func report(revision: Int, _ status: ConfigReport.Status, _ errors: [String]?) -> ConfigReport {
        ConfigReport(
            revision: revision, status: status, activeRevision: activeRevision, errors: errors,
            ts: RFC3339.format(Date()))
    }

    private func describe(_ value: JSONValue) -> String {
        switch value {
        case .string(let text): "\"\(text)\""
        case .number(let number): String(number)
        default: value.typeName
        }
    }
}
