/// The MQTT contract v1: every topic a device publishes or subscribes to, under `curb/v1/{site}/{kind}/{device}/`.
public struct TopicScheme: Sendable, Hashable {
    public static let root = "curb/v1"
    public let identity: DeviceIdentity

    public init(identity: DeviceIdentity) { self.identity = identity }

    /// `curb/v1/{site}/{kind}/{device}` without the trailing slash.
    public var prefix: String { "\(Self.root)/\(identity.site)/\(identity.kind)/\(identity.device)" }

    /// Retained birth document; `offline` as last will and on clean shutdown.
    public var status: String { "\(prefix)/status" }
    /// Retained current operating state.
    public var state: String { "\(prefix)/state" }
    public func telemetry(_ stream: String) -> String { "\(prefix)/telemetry/\(stream)" }
    public func event(_ name: String) -> String { "\(prefix)/event/\(name)" }
    public func command(_ name: String) -> String { "\(prefix)/cmd/\(name)" }
    /// Where a command's result goes when the request carried no MQTT 5 response topic.
    public func commandResult(_ name: String) -> String { "\(prefix)/cmd/\(name)/result" }
    /// The filter the device subscribes to for commands (one level: results under `cmd/x/result` are not matched).
    public var commandFilter: String { "\(prefix)/cmd/+" }
    /// Retained, written by operators.
    public var configDesired: String { "\(prefix)/config/desired" }
    /// Retained, written by the device after applying or rejecting a desired configuration.
    public var configReported: String { "\(prefix)/config/reported" }

    /// The command name if `topic` is one of this device's command topics (`…/cmd/{name}`), else nil.
    public func commandName(in topic: String) -> String? {
        let head = "\(prefix)/cmd/"
        guard topic.hasPrefix(head) else { return nil }
        let name = topic.dropFirst(head.count)
        guard !name.isEmpty, !name.contains("/") else { return nil }
        return String(name)
    }
}
