public import AgentRuntime
import ArgumentParser
public import Logging

/// A device daemon, as the shared composition runs it: its name and version, its parts, its controller, its
/// commands and its loops. Everything else — command line, configuration (exit 78), parts on the configured backend
/// (exit 69), session, remote configuration with a local-only `hardware` section, built-in commands, health with
/// outbox and bus-error figures, the systemd watchdog, and one shutdown order — is the same for every daemon.
///
/// ```swift
/// @main
/// enum Streetlightd: DeviceDaemon {
///     static let name = "streetlightd"
///     …
/// }
/// ```
public protocol DeviceDaemon: SendableMetatype {
    /// The device logic bound to its parts; its `Configuration` is the daemon's `device` section.
    associatedtype Controller: DeviceController
    /// What `openParts` hands to `makeController` and `loops` (lines, buses, Modbus devices).
    associatedtype Parts: Sendable

    /// The executable's name (`streetlightd`); also the birth document's `agent` and the log label.
    static var name: String { get }
    /// The daemon's version; by default the suite's (`CurbsideVersion.current`), as every daemon ships in one release.
    static var version: String { get }
    /// One line for `--help`.
    static var summary: String { get }
    /// The commands that move an actuator: with a `security` section and no `require_signature` list, these are
    /// the ones that must be signed. Empty by default (a daemon that drives nothing declares none).
    static var actuatorCommands: Set<String> { get }

    /// Opens the parts by board name. A thrown error ends the daemon with exit status 69 (EX_UNAVAILABLE), the
    /// error on standard error.
    static func openParts(_ configuration: Controller.Configuration, from hardware: DeviceHardware) async throws
        -> Parts
    /// Builds the controller; `start()` is called by the composition afterwards.
    static func makeController(_ configuration: Controller.Configuration, parts: Parts, context: DaemonContext) async
        -> Controller
    /// Registers the daemon's own commands (the built-in ones are already there).
    static func registerCommands(on router: CommandRouter, controller: Controller, context: DaemonContext) async
    /// The controller's periodic steps and edge handlers.
    static func loops(_ controller: Controller, parts: Parts, context: DaemonContext) async -> [DeviceLoop]
    /// Runs after the safe state on stop (saving counters, say); the session is still connected.
    static func stopped(_ controller: Controller, context: DaemonContext) async
}

/// The release every daemon of this build belongs to (the birth document's `version`, `--version`).
public enum CurbsideVersion {
    public static let current = "0.1.0"
}

extension DeviceDaemon {
    public static var version: String { CurbsideVersion.current }
    public static var actuatorCommands: Set<String> { [] }
    public static func registerCommands(on router: CommandRouter, controller: Controller, context: DaemonContext)
        async
    {}
    public static func loops(_ controller: Controller, parts: Parts, context: DaemonContext) async -> [DeviceLoop] {
        []
    }
    public static func stopped(_ controller: Controller, context: DaemonContext) async {}

    /// The daemon's entry point: parses the command line and runs (see `DaemonCommand`).
    public static func main() async {
        await DaemonCommand<Self>.main()
    }

    /// The same with the arguments after the daemon's name given (the multi-call `curbside`, see `MultiCall`).
    public static func main(arguments: [String]) async {
        await DaemonCommand<Self>.main(arguments)
    }
}

/// What a daemon's parts and controller get from the composition.
public struct DaemonContext: Sendable {
    /// The runtime sections of the configuration file.
    public let agent: AgentConfiguration
    public let session: AgentSession
    /// Where the controller's telemetry, events and state go (the session).
    public let sink: any DeviceSink
    public let health: HealthRegistry
    public let logger: Logger

    /// The daemon's own state directory (`state_dir`), created before the controller is built.
    public var stateDirectory: String { agent.stateDirectory }
}
