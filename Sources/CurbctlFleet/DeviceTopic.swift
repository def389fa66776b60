public import AgentRuntime

/// A topic of the v1 contract taken apart: `curb/v1/{site}/{kind}/{device}/{rest}`.
public struct DeviceTopic: Sendable, Hashable {
    /// What the rest of the topic names.
    public enum Part: Sendable, Hashable {
        case status
        case state
        case telemetry(String)
        case event(String)
        case command(String)
        case commandResult(String)
        case configDesired
        case configReported
        case other(String)
    }

    /// The device the topic belongs to.
    public var identity: DeviceIdentity
    /// What the topic is, under the device's prefix.
    public var part: Part

    /// Nil when `topic` is not under `curb/v1/` with three valid segments.
    public init?(_ topic: String) {
        let segments = topic.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard segments.count >= 6, "\(segments[0])/\(segments[1])" == TopicScheme.root,
            let identity = try? DeviceIdentity(site: segments[2], kind: segments[3], device: segments[4])
        else { return nil }
        self.identity = identity
        let rest = segments[5...]
        switch (rest.first, rest.count) {
        case ("status", 1): part = .status
        case ("state", 1): part = .state
        case ("telemetry", 2): part = .telemetry(rest.last ?? "")
        case ("event", 2): part = .event(rest.last ?? "")
        case ("cmd", 2): part = .command(rest.last ?? "")
        case ("cmd", 3) where rest.last == "result": part = .commandResult(segments[6])
        case ("config", 2) where rest.last == "desired": part = .configDesired
        case ("config", 2) where rest.last == "reported": part = .configReported
        default: part = .other(rest.joined(separator: "/"))
        }
    }

    /// The part as the topic writes it (`telemetry/vibration`, `config/reported`).
    public var partName: String {
        switch part {
        case .status: "status"
        case .state: "state"
        case .telemetry(let stream): "telemetry/\(stream)"
        case .event(let name): "event/\(name)"
        case .command(let name): "cmd/\(name)"
        case .commandResult(let name): "cmd/\(name)/result"
        case .configDesired: "config/desired"
        case .configReported: "config/reported"
        case .other(let rest): rest
        }
    }
}
