public import ConfigSupport
public import Yams

/// A daemon's `device` section as the shared composition reads it: validated with path-precise errors, with a
/// local-only `hardware` part (board names, addresses, Modbus placements) that remote configuration may not change,
/// because a wrong pin set from afar could strand a device beyond reach.
public protocol DeviceConfiguration: Sendable, Hashable {
    /// The `hardware` section's type; `NoHardware` for a daemon without one.
    associatedtype Hardware: Sendable & Hashable = NoHardware
    /// Reads the section (nil node: absent, the defaults), recording every problem in `reader` at its path.
    static func read(_ reader: inout NodeReader, _ node: Node?, at path: JSONPath) -> Self?
    /// The local-only part, compared between the local file and a remote candidate.
    var hardware: Hardware { get }
    /// Loads the files the section names (modbusd's register maps) once the section was read, relative paths against
    /// the folder of `configurationFile`; returns every problem, each a `DocumentError` naming its own file. By
    /// default a section names no files.
    mutating func loadReferencedFiles(configurationFile: String) -> [DocumentError]
}

extension DeviceConfiguration {
    public mutating func loadReferencedFiles(configurationFile: String) -> [DocumentError] { [] }
}

/// For a device section without a `hardware` part: everything in it is remotely settable.
public struct NoHardware: Sendable, Hashable {
    public init() {}
}

extension DeviceConfiguration where Hardware == NoHardware {
    public var hardware: NoHardware { NoHardware() }
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
    /// Puts every actuator in its safe state. Called once the parts are open, before `start()` and before any
    /// stored or remote configuration; and on stop, after the daemon has stopped taking commands and configurations,
    /// so nothing changes the outputs afterwards.
    func enterSafeState() async
}

/// Settings whose keys are declared once in a `ConfigSection` (`StreetlightSettings`, `VibrationSettings`).
public protocol DeclaredSettings {
    static var section: ConfigSection<Self> { get }
    static func read(_ reader: inout NodeReader, _ node: Node?, at path: JSONPath) -> Self?
}

/// The usual `device` section: local keys (`hardware`, and what else stays local) read by `localSection`, and the
/// device's settings in the same mapping read by their own declarations. Gives the reader, the merged section and
/// the JSON Schema `make schemas` writes, the same for every daemon.
public protocol DeclaredDeviceConfiguration: DeviceConfiguration {
    associatedtype Settings: DeclaredSettings
    /// The keys read before the settings (at least `hardware`).
    static var localSection: ConfigSection<Self> { get }
    /// The settings, read from the keys `localSection` leaves.
    var settings: Settings { get set }
    /// The defaults.
    init()
}

extension DeclaredDeviceConfiguration {
    /// Every key of the `device` section, for its JSON Schema.
    public static var section: ConfigSection<Self> {
        localSection.merged(with: Settings.section.lifted(\.settings))
    }

    /// The JSON Schema of the section of daemon `daemon`, as `make schemas` writes it.
    public static func schema(daemon: String) -> SchemaJSON {
        section.document(
            id: "https://curbside.example/schema/\(daemon)-device.schema.json", title: "\(daemon) device section",
            defaults: Self())
    }

    /// Reads the `device` section (absent: defaults), every problem recorded with its path.
    public static func read(_ reader: inout NodeReader, _ node: Node?, at path: JSONPath) -> Self? {
        localSection.read(&reader, node, at: path, defaults: Self(), rest: \.settings, Settings.read)
    }
}
