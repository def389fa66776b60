public import AgentRuntime
public import FoundationEssentials

/// What the broker's retained documents say about one device: `status` (birth or offline), `state`, and
/// `config/reported`, plus the newest timestamp seen in anything it published.
public struct DeviceRecord: Sendable, Hashable {
    /// Who the device is.
    public var identity: DeviceIdentity
    /// The retained `status` document.
    public var status: JSONValue?
    /// The retained `state` document.
    public var state: JSONValue?
    /// The retained `config/reported` document.
    public var reported: JSONValue?
    /// The newest time the device is known to have been alive: a telemetry or event `ts`, a report's `ts`, or the
    /// birth document's `boot_time`.
    public var lastSeen: Date?

    /// A device known by its identity only, so far.
    public init(identity: DeviceIdentity) { self.identity = identity }

    /// `true` online, `false` offline, nil when no status was retained.
    public var online: Bool? {
        guard case .string(let state)? = status?["state"] else { return nil }
        return state == "online"
    }

    /// The agent version its birth document announces.
    public var version: String? { status?["version"].flatMap(\.stringValue) }
    /// The daemon its birth document names (`streetlightd`).
    public var agent: String? { status?["agent"].flatMap(\.stringValue) }
    /// The revision the device runs: the birth document's, or a newer one it reported applying since.
    public var configRevision: Int? {
        let birth = status?["config_revision"].flatMap(\.intValue)
        let active = reported?["active_revision"].flatMap(\.intValue)
        switch (birth, active) {
        case (let birth?, let active?): return max(birth, active)
        case (let birth?, nil): return birth
        default: return active
        }
    }

    /// Takes one retained or live message of this device into account.
    public mutating func take(_ part: DeviceTopic.Part, _ document: JSONValue?) {
        switch part {
        case .status:
            status = document
            noteSeen(document?["boot_time"])
        case .state: state = document
        case .configReported:
            reported = document
            noteSeen(document?["ts"])
        case .telemetry, .event, .commandResult: noteSeen(document?["ts"])
        default: break
        }
    }

    private mutating func noteSeen(_ value: JSONValue?) {
        guard case .string(let text)? = value, let date = RFC3339.parse(text) else { return }
        if lastSeen.map({ date > $0 }) ?? true { lastSeen = date }
    }

    /// The state document in one short line: its scalar values as `key=value`.
    public var stateSummary: String {
        guard case .object(let object)? = state else { return state.map(JSONText.compact) ?? "" }
        return object.keys.sorted().compactMap { key in
            guard let value = object[key] else { return nil }
            switch value {
            case .object, .array: return nil
            default: return "\(key)=\(JSONText.compact(value))"
            }
        }.joined(separator: " ")
    }
}
