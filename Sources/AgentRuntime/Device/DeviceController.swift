public import ConfigSupport
public import Yams

/// A daemon's `device` section as the shared composition reads it: validated with path-precise errors, with an
/// optional local-only part (`hardware`: board names, addresses) that remote configuration may not change, because a
/// wrong pin set from afar could strand a device beyond reach.
public protocol DeviceConfiguration: Sendable, Hashable {
    /// The part of the section that stays local (`Never?`-like `NoLocalSection` when there is none).
    associatedtype LocalSection: Sendable & Hashable
    /// The key of the local-only part inside `device` (`hardware`), or nil when everything is remotely settable.
    static var localSectionKey: String? { get }
    /// Reads the section (nil node: absent, the defaults), recording every problem in `reader` at its path.
    static func read(_ reader: inout NodeReader, _ node: Node?, at path: JSONPath) -> Self?
    /// The local-only part, compared between the local file and a remote candidate.
    var localSection: LocalSection { get }
}

/// For a device section without a local-only part.
public struct NoLocalSection: Sendable, Hashable {
    public init() {}
}

extension DeviceConfiguration where LocalSection == NoLocalSection {
    public static var localSectionKey: String? { nil }
    public var localSection: NoLocalSection { NoLocalSection() }
}

/// What the shared daemon composition needs from a device's logic bound to its parts: start, take new settings, say
/// whether it works, and put every actuator in its defined safe state.
public protocol DeviceController: Sendable {
    associatedtype Configuration: DeviceConfiguration
    /// Opens and configures the parts; failures are reported as events and retried by the controller's loops.
    func start() async
    /// Takes remotely applied settings (the local-only section is unchanged; the composition checks that).
    func apply(_ configuration: Configuration) async throws
    /// Whether the device works with what was applied; asked after a remote configuration's health window.
    var isHealthy: Bool { get async }
    /// Puts every actuator in its safe state. Called on stop, after the daemon has stopped taking commands and
    /// configurations, so nothing changes the outputs afterwards.
    func enterSafeState() async
}
