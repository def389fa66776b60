import AgentRuntime
import ConfigSupport
import FoundationEssentials
import Glibc

/// `curbctl provision`: makes a board (or a scratch root) ready to run one daemon — configuration from the kind's
/// example with the identity filled in, state directory, device key and certificate request (or given files),
/// and the enabled systemd unit. Every step says what it did; a second run changes nothing and says so;
/// `dryRun` changes nothing at all.
///
/// The key and CSR come from the `openssl` command (EC P-256): it is on every Debian board (the package depends on
/// it), it writes PEM that every broker and CA tool reads, and it keeps a second DER/PEM writer and a crypto
/// dependency out of the suite.
public struct Provisioner: Sendable {
    public struct Request: Sendable {
        /// `streetlightd`, or the kind (`streetlight`) as the example's `identity.kind` says it.
        public var kind: String
        public var device: String
        public var site: String
        /// The target system's root (`/` on the board; a scratch folder in tests and image builds).
        public var root = "/"
        /// Where the examples are (`/usr/share/curbside/examples` from the package, `Firmware-config/examples` in a
        /// checkout).
        public var examples = "/usr/share/curbside/examples"
        /// The board files' folder on the target, written into `board:`.
        public var boards = "/usr/share/curbside/boards"
        /// A board id (`raspberry-pi-4b`); nil keeps the example's.
        public var board: String?
        /// `linux` or `rig`; nil keeps the example's.
        public var hal: String?
        /// Replaces `mqtt.url`.
        public var broker: String?
        /// Given certificate, key and CA, installed instead of generating a key and CSR.
        public var certificate: String?
        public var key: String?
        public var ca: String?
        /// The unit file to install when the target has none (from Tools/systemd/render in a checkout).
        public var unit: String?
        /// Replace a configuration that differs from what would be written (a key is never replaced).
        public var force = false
        public var dryRun = false

        public init(kind: String, device: String, site: String) {
            self.kind = kind
            self.device = device
            self.site = site
        }
    }

    public let request: Request
    /// Where progress lines go.
    let say: @Sendable (String) -> Void

    public init(_ request: Request, say: @escaping @Sendable (String) -> Void = { print($0) }) {
        self.request = request
        self.say = say
    }

    /// - Returns: how many steps changed (or would change, on a dry run) something.
    @discardableResult
    public func run() throws -> Int {
        let (daemon, example) = try findExample()
        let config = try render(example: example, daemon: daemon)
        let identity = "\(request.site)~\(config.agent.identity.kind)~\(request.device)"
        say("provisioning \(daemon) as \(identity) in \(request.root)\(request.dryRun ? " (dry run)" : "")")
        var changes = 0
        func step(_ name: String, _ outcome: Outcome) {
            if outcome.changed { changes += 1 }
            say("  \(outcome.changed ? (request.dryRun ? "would" : "✓") : "=")  \(name): \(outcome.detail)")
        }
        let etc = "/etc/curbside"
        let credentials = "\(etc)/\(daemon)"
        let owner = try user(named: "curbside-\(daemon)")
        let configuration = "\(etc)/\(daemon).yaml"
        let written = try writeConfiguration(config.text, to: configuration, example: example)
        step("configuration", written)
        // A kept (edited) configuration may move the state directory: the daemon will use the one it reads.
        let kept = written.changed ? nil : keptConfiguration(at: configuration)
        let stateDirectory = kept?.stateDirectory ?? config.agent.stateDirectory
        step("state directory", try directory(stateDirectory, mode: 0o750, owner: owner))
        step("credentials directory", try directory(credentials, mode: 0o750, owner: owner))
        if let certificate = request.certificate, let key = request.key {
            step("private key", try install(key, to: "\(credentials)/device.key", mode: 0o600, owner: owner))
            step("certificate", try install(certificate, to: "\(credentials)/device.pem", mode: 0o644, owner: nil))
            if let ca = request.ca {
                step("CA certificate", try install(ca, to: "\(credentials)/ca.pem", mode: 0o644, owner: nil))
            }
        } else {
            let generated = try generateKey(at: "\(credentials)/device.key", owner: owner)
            step("private key", generated)
            step(
                "certificate request",
                try generateCSR(
                    key: "\(credentials)/device.key", at: "\(credentials)/device.csr", subject: identity,
                    keyIsNew: generated.changed))
        }
        step("systemd unit", try installUnit(daemon))
        step("enabled", try enable(daemon))
        say(
            changes == 0
                ? "nothing to change: \(daemon) is already provisioned as \(identity)"
                : "\(changes) step\(changes == 1 ? "" : "s") \(request.dryRun ? "would change something" : "done")")
        if changes > 0, request.certificate == nil, !request.dryRun {
            say(
                "next: have \(credentials)/device.csr signed by the fleet CA, install the certificate with "
                    + "curbctl provision … --cert FILE --key \(credentials)/device.key, then curbctl check")
        }
        return changes
    }

    struct Outcome {
        var changed: Bool
        var detail: String
    }

    // MARK: Configuration

    /// The example for `request.kind`: `<kind>.yaml`, `<kind>d.yaml`, or the one whose `identity.kind` is it.
    func findExample() throws(ProvisionError) -> (daemon: String, path: String) {
        let folder = request.examples
        for name in [request.kind, request.kind + "d"]
        where FileManager.default.fileExists(atPath: "\(folder)/\(name).yaml") {
            return (name, "\(folder)/\(name).yaml")
        }
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter {
            $0.hasSuffix(".yaml")
        }
        for file in files.sorted() {
            let text = (try? String(contentsOfFile: "\(folder)/\(file)", encoding: .utf8)) ?? ""
            if ConfigTemplate(text).value("kind", in: "identity") == request.kind {
                return (String(file.dropLast(5)), "\(folder)/\(file)")
            }
        }
        throw ProvisionError(
            "no example for kind \(request.kind) in \(folder) (there: \(files.sorted().joined(separator: ", ")))")
    }

    /// The example with identity, board, backend and broker filled in, validated as the daemon validates it.
    func render(example: String, daemon: String) throws -> (text: String, agent: AgentConfiguration) {
        var template = ConfigTemplate(try String(contentsOfFile: example, encoding: .utf8))
        let kind = template.value("kind", in: "identity") ?? request.kind
        _ = try DeviceIdentity(site: request.site, kind: kind, device: request.device)
        template.replace(
            "identity",
            with: ["identity:"]
                + [("site", request.site), ("kind", kind), ("device", request.device)].map {
                    "  \($0.0): \(ConfigTemplate.scalar($0.1))"
                })
        let exampleBoard = template.value("board").map {
            URL(fileURLWithPath: $0).deletingPathExtension().lastPathComponent
        }
        if let board = request.board ?? exampleBoard {
            template.replace("board", with: ["board: \(request.boards)/\(board).yaml"])
        }
        if let hal = request.hal {
            template.replace(
                "hal",
                with: hal == "rig"
                    ? ["hal:", "  backend: rig", "  rig_socket: /run/curbside/rig.sock"]
                    : ["hal:", "  backend: \(hal)"])
        }
        if request.broker != nil || request.certificate != nil {
            var mqtt = template.block("mqtt").map { Array(template.lines[$0].dropFirst()) } ?? []
            // Drop the url line and any tls block; they are written anew below.
            var kept: [String] = []
            var inTLS = false
            for line in mqtt {
                if line.hasPrefix("  tls:") { inTLS = true; continue }
                if inTLS, line.hasPrefix("    ") { continue }
                inTLS = false
                if request.broker != nil, line.hasPrefix("  url:") { continue }
                kept.append(line)
            }
            mqtt = kept
            if let broker = request.broker { mqtt.insert("  url: \(ConfigTemplate.scalar(broker))", at: 0) }
            if request.certificate != nil {
                let folder = "/etc/curbside/\(daemon)"
                mqtt +=
                    ["  tls:"] + (request.ca == nil ? [] : ["    ca_file: \(folder)/ca.pem"])
                    + ["    cert_file: \(folder)/device.pem", "    key_file: \(folder)/device.key"]
            }
            template.replace("mqtt", with: ["mqtt:"] + mqtt)
        }
        let text = template.text
        do {
            return (text, try PartsInventories.parse(yaml: text, file: example).agent)
        } catch {
            throw ProvisionError("the configuration made from \(example) is not valid:\n\(error)")
        }
    }

    func writeConfiguration(_ text: String, to path: String, example: String? = nil) throws -> Outcome {
        let target = request.root + path
        var replacing = "written from the example"
        if let existing = try? String(contentsOfFile: target, encoding: .utf8) {
            if existing == text { return Outcome(changed: false, detail: "\(path) is up to date") }
            // The package installs each example unedited as the daemon's default configuration; that one is what
            // provisioning is for, so it is replaced without --force (as an unmodified conffile is on upgrade).
            if let example, existing == (try? String(contentsOfFile: example, encoding: .utf8)) {
                replacing = "the package's default, unedited: written from the example with this identity"
            } else if !request.force {
                return Outcome(
                    changed: false,
                    detail: "\(path) differs from the example with this identity (edited?); kept — --force replaces it")
            }
        }
        if !request.dryRun {
            try makeParent(of: target)
            try AtomicFile.write(Array(text.utf8), to: target, mode: 0o644)
        }
        return Outcome(changed: true, detail: "\(path) \(replacing)")
    }

    /// The configuration kept at `path` under the root; nil when it does not parse (the daemon will refuse it and say
    /// why).
    func keptConfiguration(at path: String) -> AgentConfiguration? {
        guard let text = try? String(contentsOfFile: request.root + path, encoding: .utf8) else { return nil }
        return try? PartsInventories.parse(yaml: text, file: path).agent
    }

    // MARK: Files and folders

    func directory(_ path: String, mode: Int, owner: Owner?) throws -> Outcome {
        let target = request.root + path
        var isDirectory = false
        if FileManager.default.fileExists(atPath: target, isDirectory: &isDirectory), isDirectory {
            return Outcome(changed: false, detail: "\(path) exists")
        }
        if !request.dryRun {
            // Only the directory itself gets `mode` and `owner`: FileManager gives the attributes to every folder it
            // creates on the way, and a /var/lib/curbside (or, in a scratch root, /var) left 0750 root would keep the
            // daemon's user out of its own state directory. The parents are 0755, as `mkdir -p` and systemd's
            // StateDirectory= make them.
            try makeParent(of: target)
            try FileManager.default.createDirectory(
                atPath: target, withIntermediateDirectories: false, attributes: [.posixPermissions: mode])
            try owner?.apply(to: target)
        }
        return Outcome(
            changed: true,
            detail: "\(path) created (mode 0\(String(mode, radix: 8))\(owner.map { ", \($0.name)" } ?? ""))")
    }

    func install(_ source: String, to path: String, mode: Int, owner: Owner?) throws -> Outcome {
        let target = request.root + path
        let data = try Data(contentsOf: URL(fileURLWithPath: source))
        if let existing = try? Data(contentsOf: URL(fileURLWithPath: target)), existing == data,
            Self.permissions(target) == mode
        {
            return Outcome(changed: false, detail: "\(path) is up to date")
        }
        if !request.dryRun {
            try makeParent(of: target)
            try AtomicFile.write(Array(data), to: target, mode: UInt32(mode))
            try owner?.apply(to: target)
        }
        return Outcome(changed: true, detail: "\(path) installed from \(source) (mode 0\(String(mode, radix: 8)))")
    }

    /// A new EC P-256 key, created 0600 before any key material is written into it; an existing key is kept
    /// (a new one would orphan the certificate issued for it).
    func generateKey(at path: String, owner: Owner?) throws -> Outcome {
        let target = request.root + path
        if FileManager.default.fileExists(atPath: target) {
            guard Self.permissions(target) == 0o600 else {
                throw ProvisionError(
                    "\(path) exists with mode 0\(String(Self.permissions(target) ?? 0, radix: 8)): chmod 600 \(target)")
            }
            return Outcome(changed: false, detail: "\(path) exists (kept)")
        }
        if !request.dryRun {
            try makeParent(of: target)
            try AtomicFile.write([], to: target, mode: 0o600)
            // openssl opens the existing file for writing: it keeps the mode set above.
            try Self.openssl(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", target])
            try owner?.apply(to: target)
        }
        return Outcome(changed: true, detail: "\(path) generated (EC P-256, mode 0600)")
    }

    func generateCSR(key: String, at path: String, subject: String, keyIsNew: Bool) throws -> Outcome {
        let target = request.root + path
        if !keyIsNew, FileManager.default.fileExists(atPath: target) {
            return Outcome(changed: false, detail: "\(path) exists (kept)")
        }
        if !request.dryRun {
            try Self.openssl(["req", "-new", "-key", request.root + key, "-subj", "/CN=\(subject)", "-out", target])
        }
        return Outcome(changed: true, detail: "\(path) for CN=\(subject)")
    }

    // MARK: systemd

    static let unitFolder = "/lib/systemd/system"

    func installUnit(_ daemon: String) throws -> Outcome {
        let path = "\(Self.unitFolder)/\(daemon).service"
        let target = request.root + path
        guard let source = request.unit else {
            guard FileManager.default.fileExists(atPath: target) else {
                throw ProvisionError(
                    "\(path) is missing: install the curbside package, or pass --unit FILE (Tools/systemd/render "
                        + "\(daemon) in a checkout)")
            }
            return Outcome(changed: false, detail: "\(path) present")
        }
        return try install(source, to: path, mode: 0o644, owner: nil)
    }

    /// `systemctl --root=ROOT enable`: works offline, in an image or a scratch root as on the board.
    func enable(_ daemon: String) throws -> Outcome {
        let link = "/etc/systemd/system/multi-user.target.wants/\(daemon).service"
        if (try? FileManager.default.destinationOfSymbolicLink(atPath: request.root + link)) != nil {
            return Outcome(changed: false, detail: "\(daemon).service is enabled")
        }
        if !request.dryRun {
            try Self.run("systemctl", ["--root=\(request.root)", "enable", "\(daemon).service"])
        }
        return Outcome(changed: true, detail: "\(daemon).service enabled (\(link))")
    }

    // MARK: Helpers

    /// A user of the target system, from its /etc/passwd; nil when it has none yet (the package's postinst makes it).
    struct Owner {
        var name: String
        var uid: uid_t
        var gid: gid_t
        func apply(to path: String) throws {
            guard chown(path, uid, gid) == 0 else {
                throw ProvisionError("chown \(name) \(path): \(String(cString: strerror(errno)))")
            }
        }
    }

    func user(named name: String) throws -> Owner? {
        let passwd = (try? String(contentsOfFile: request.root + "/etc/passwd", encoding: .utf8)) ?? ""
        for line in passwd.split(separator: "\n") {
            let fields = line.split(separator: ":", omittingEmptySubsequences: false)
            if fields.count > 3, fields[0] == name, let uid = uid_t(fields[2]), let gid = gid_t(fields[3]) {
                return Owner(name: name, uid: uid, gid: gid)
            }
        }
        say("  !  user \(name) does not exist in \(request.root) yet (the package creates it): files stay root's")
        return nil
    }

    /// The permission bits of `path` (the link's target), nil when there is nothing there.
    ///
    /// stat(2), not FileManager's attributes: without the full Foundation they carry the mode as a UInt.
    static func permissions(_ path: String) -> Int? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return Int(info.st_mode & 0o7777)
    }

    /// The folders above `path`, each created 0755 when missing (whatever the umask); existing ones are left as they are.
    func makeParent(of path: String) throws {
        try FileManager.default.createDirectory(
            atPath: URL(fileURLWithPath: path).deletingLastPathComponent().path, withIntermediateDirectories: true,
            attributes: [.posixPermissions: 0o755])
    }

    static func openssl(_ arguments: [String]) throws {
        try run("openssl", arguments)
    }

    /// Runs a tool to completion; its output is shown only when it fails.
    static func run(_ tool: String, _ arguments: [String]) throws {
        let result: ExternalTool.Result
        do {
            result = try ExternalTool.run(tool, arguments)
        } catch {
            throw ProvisionError(error.detail)
        }
        guard result.status == 0 else {
            throw ProvisionError(
                "\(tool) \(arguments.joined(separator: " ")) failed (status \(result.status)):\n"
                    + result.text + result.errors)
        }
    }
}

/// Provisioning stopped, and why.
public struct ProvisionError: Error, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}
