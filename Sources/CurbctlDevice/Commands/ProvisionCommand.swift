public import ArgumentParser

/// `curbctl provision --kind K --device ID --site S`.
public struct ProvisionCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "provision",
        abstract: "Make this board ready to run one daemon: configuration, state directory, key and CSR, unit.",
        discussion: """
            Writes /etc/curbside/<daemon>.yaml from the kind's example with the identity filled in, creates the \
            state directory, generates an EC P-256 key (0600) and a certificate request with CN=site~kind~device \
            (or installs --cert/--key/--ca), installs the systemd unit if the package did not, and enables it. \
            Idempotent: a second run changes nothing and says so; an edited configuration is kept unless --force; \
            a key is never replaced. --dry-run shows what would change.

            Example: curbctl provision --kind streetlightd --device pole-0417 --site jongno-gu --hal linux \\
                       --board raspberry-pi-4b --broker mqtts://broker.example:8883
            """)

    @Option(help: "Daemon (streetlightd) or kind (streetlight).") public var kind: String
    @Option(help: "Device id (topic segment).") public var device: String
    @Option(help: "Site (topic segment).") public var site: String
    @Option(help: "Root of the target system.") public var root = "/"
    @Option(help: "Folder of the example configurations.") public var examples = "/usr/share/curbside/examples"
    @Option(help: "Folder of the board files on the target (a checkout's Boards/ to run from source).")
    public var boards = "/usr/share/curbside/boards"
    @Option(help: "Board id (a file in --boards); default: the example's.") public var board: String?
    @Option(help: "HAL backend: linux or rig; default: the example's.") public var hal: String?
    @Option(help: "Broker URL (mqtt:// or mqtts://); default: the example's.") public var broker: String?
    @Option(help: "Device certificate to install (with --key).") public var cert: String?
    @Option(help: "Private key to install (with --cert); installed 0600.") public var key: String?
    @Option(help: "CA certificate to install (with --cert).") public var ca: String?
    @Option(help: "Unit file to install when the package has not (Tools/systemd/render DAEMON).") public var unit:
        String?
    @Flag(help: "Replace a configuration that differs (a key is never replaced).") public var force = false
    @Flag(help: "Show what would change; change nothing.") public var dryRun = false

    public init() {}

    public func validate() throws {
        guard (cert == nil) == (key == nil) else { throw ValidationError("--cert and --key go together") }
        guard ca == nil || cert != nil else { throw ValidationError("--ca goes with --cert and --key") }
        if let hal, !["linux", "rig"].contains(hal) { throw ValidationError("--hal: linux or rig") }
    }

    public func run() throws {
        var request = Provisioner.Request(kind: kind, device: device, site: site)
        request.root = root
        request.examples = examples
        request.boards = boards
        request.board = board
        request.hal = hal
        request.broker = broker
        request.certificate = cert
        request.key = key
        request.ca = ca
        request.unit = unit
        request.force = force
        request.dryRun = dryRun
        try Provisioner(request).run()
    }
}
