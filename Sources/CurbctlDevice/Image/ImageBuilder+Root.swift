import AgentRuntime
import BoardSupport
import FoundationEssentials
import MQTTTransport

extension ImageBuilder {
    /// Stages the configuration and credentials with the provisioning steps, then writes them, the packages, the
    /// first-boot unit, the daemon's user and the host name into the root file system.
    func writeRoot(
        _ root: Ext4Image, config: (text: String, agent: AgentConfiguration), daemon: String, hostname: String,
        packages: [String], scratch: URL
    ) throws(ImageError) -> Summary {
        let staged = scratch.appendingPathComponent("root").path
        let identity = config.agent.identity
        let etc = "/etc/curbside"
        let credentials = "\(etc)/\(daemon)"
        let tls = config.agent.mqtt.tls
        var provision = Provisioner.Request(kind: identity.kind, device: identity.device, site: identity.site)
        provision.root = staged
        provision.force = true
        // The daemon's user is made in the image below; the staged files' owners on this machine do not matter.
        let provisioner = Provisioner(provision) { _ in }

        let user = "curbside-\(daemon)"
        let account = try ensureUser(user, home: config.agent.stateDirectory, in: root, scratch: scratch)
        var edits: [Ext4Image.Edit] = account.edits
        func stagedFile(_ path: String, mode: Int, uid: Int = 0, gid: Int = 0) {
            edits.append(.file(path, source: staged + path, mode: mode, uid: uid, gid: gid))
        }
        var csr: String?
        do {
            _ = try provisioner.writeConfiguration(config.text, to: "\(etc)/\(daemon).yaml")
            edits.append(.directory(etc, mode: 0o755, uid: 0, gid: 0))
            stagedFile("\(etc)/\(daemon).yaml", mode: 0o644)
            // As the package's postinst leaves it: root's, readable by the daemon's group.
            edits.append(.directory(credentials, mode: 0o750, uid: 0, gid: account.gid))
            if let certificate = request.certificate, let key = request.key {
                guard let keyFile = tls.keyFile, let certificateFile = tls.certificateFile else {
                    throw ImageError(
                        .invalidInput,
                        "--cert and --key given, but \(request.deviceConfig) names no mqtt.tls cert_file and key_file "
                            + "(e.g. \(credentials)/device.pem and \(credentials)/device.key)")
                }
                _ = try provisioner.install(key, to: keyFile, mode: 0o600, owner: nil)
                _ = try provisioner.install(certificate, to: certificateFile, mode: 0o644, owner: nil)
                stagedFile(keyFile, mode: 0o600, uid: account.uid, gid: account.gid)
                stagedFile(certificateFile, mode: 0o644)
                if let ca = request.ca {
                    guard let caFile = tls.caFile else {
                        throw ImageError(
                            .invalidInput, "--ca given, but \(request.deviceConfig) names no mqtt.tls ca_file")
                    }
                    _ = try provisioner.install(ca, to: caFile, mode: 0o644, owner: nil)
                    stagedFile(caFile, mode: 0o644)
                }
            } else if let keyFile = tls.keyFile {
                // No certificate yet: the device's key is made here, and its request goes beside the image.
                _ = try provisioner.generateKey(at: keyFile, owner: nil)
                let request = URL(fileURLWithPath: keyFile).deletingPathExtension().path + ".csr"
                _ = try provisioner.generateCSR(
                    key: keyFile, at: request, subject: "\(identity.site)~\(identity.kind)~\(identity.device)",
                    keyIsNew: true)
                stagedFile(keyFile, mode: 0o600, uid: account.uid, gid: account.gid)
                stagedFile(request, mode: 0o644)
                csr = self.request.out + ".csr"
                try? FileManager.default.removeItem(atPath: self.request.out + ".csr")
                try FileManager.default.copyItem(atPath: staged + request, toPath: self.request.out + ".csr")
            }
        } catch let error as ImageError {
            throw error
        } catch {
            throw ImageError(.invalidInput, "staging the configuration and credentials: \(error)")
        }
        edits.append(.directory("/var/lib/curbside", mode: 0o755, uid: 0, gid: 0))
        edits.append(.directory(config.agent.stateDirectory, mode: 0o750, uid: account.uid, gid: account.gid))

        edits.append(.directory(FirstBoot.folder, mode: 0o755, uid: 0, gid: 0))
        for package in packages {
            let name = URL(fileURLWithPath: package).lastPathComponent
            edits.append(.file("\(FirstBoot.folder)/\(name)", source: package, mode: 0o644, uid: 0, gid: 0))
        }
        let identityText = "\(identity.site)~\(identity.kind)~\(identity.device)"
        edits.append(
            try scratchFile(
                FirstBoot.script, FirstBoot.scriptText(daemon: daemon, identity: identityText), scratch, 0o755))
        edits.append(try scratchFile(FirstBoot.unit, FirstBoot.unitText(daemon: daemon), scratch, 0o644))
        edits.append(.symlink(FirstBoot.wants, target: FirstBoot.unit))
        edits.append(try scratchFile("/etc/hostname", hostname + "\n", scratch, 0o644))
        let hosts = String(decoding: try root.read("/etc/hosts") ?? Data(), as: UTF8.self)
        edits.append(try scratchFile("/etc/hosts", Self.hosts(hosts, hostname: hostname), scratch, 0o644))

        try root.apply(edits)
        for edit in edits { say("  ✓  \(Self.describe(edit, user: user, account: account))") }
        return Summary(
            daemon: daemon, hostname: hostname, user: user, uid: account.uid, gid: account.gid,
            written: edits.map(\.path), bootSettings: [], csr: csr)
    }

    /// `/etc/hosts` with the Debian line for the machine's own name (`127.0.1.1 NAME`) set to `hostname`.
    static func hosts(_ text: String, hostname: String) -> String {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.last == "" { lines.removeLast() }
        let line = "127.0.1.1\t\(hostname)"
        if let index = lines.firstIndex(where: { $0.hasPrefix("127.0.1.1") }) {
            lines[index] = line
        } else {
            lines.append(line)
        }
        return lines.joined(separator: "\n") + "\n"
    }

    func scratchFile(_ path: String, _ text: String, _ scratch: URL, _ mode: Int) throws(ImageError) -> Ext4Image.Edit {
        let file = scratch.appendingPathComponent("files").appendingPathComponent(path).path
        do {
            try FileManager.default.createDirectory(
                atPath: URL(fileURLWithPath: file).deletingLastPathComponent().path, withIntermediateDirectories: true)
            try text.write(toFile: file, atomically: true, encoding: .utf8)
        } catch {
            throw ImageError(.outputFailed, "cannot stage \(path) in \(scratch.path): \(error)")
        }
        return .file(path, source: file, mode: mode, uid: 0, gid: 0)
    }

    static func describe(_ edit: Ext4Image.Edit, user: String, account: Account) -> String {
        func owner(_ uid: Int, _ gid: Int) -> String {
            (uid == account.uid ? user : uid == 0 ? "root" : "\(uid)") + ":"
                + (gid == account.gid ? user : gid == 0 ? "root" : "\(gid)")
        }
        switch edit {
        case .directory(let path, let mode, let uid, let gid):
            return "\(path)/ (0\(String(mode, radix: 8)) \(owner(uid, gid)))"
        case .file(let path, _, let mode, let uid, let gid):
            return "\(path) (0\(String(mode, radix: 8)) \(owner(uid, gid)))"
        case .symlink(let path, let target):
            return "\(path) → \(target)"
        }
    }

    // MARK: The daemon's user

    /// The daemon's system user and group in the image, and the account-file edits that make them.
    struct Account {
        var uid: Int
        var gid: Int
        var edits: [Ext4Image.Edit]
    }

    /// The daemon's user, made now as the package's postinst would make it (`useradd --system --user-group`), so its
    /// key and state directory can have their owner in the image; the postinst then finds it and keeps it.
    func ensureUser(_ user: String, home: String, in root: Ext4Image, scratch: URL) throws(ImageError) -> Account {
        let passwd = String(decoding: try root.read("/etc/passwd") ?? Data(), as: UTF8.self)
        let group = String(decoding: try root.read("/etc/group") ?? Data(), as: UTF8.self)
        func entries(_ text: String) -> [[Substring]] {
            text.split(separator: "\n").map { $0.split(separator: ":", omittingEmptySubsequences: false) }
        }
        if let existing = entries(passwd).first(where: { $0.first.map(String.init) == user && $0.count > 3 }),
            let uid = Int(existing[2]), let gid = Int(existing[3])
        {
            return Account(uid: uid, gid: gid, edits: [])
        }
        // useradd --system counts down from SYS_UID_MAX (999); one free number serves as uid and gid.
        let uids = Set(entries(passwd).compactMap { $0.count > 2 ? Int($0[2]) : nil })
        let gids = Set(entries(group).compactMap { $0.count > 2 ? Int($0[2]) : nil })
        guard let id = (100...999).reversed().first(where: { !uids.contains($0) && !gids.contains($0) }) else {
            throw ImageError(.invalidInput, "the base image has no free system uid/gid (100–999) for \(user)")
        }
        // Days since 1970, as useradd writes the password's last change.
        let days = Int(Date().timeIntervalSince1970 / 86_400)
        let additions = [
            ("/etc/passwd", "\(user):x:\(id):\(id)::\(home):/usr/sbin/nologin"), ("/etc/group", "\(user):x:\(id):"),
            ("/etc/shadow", "\(user):!:\(days)::::::"), ("/etc/gshadow", "\(user):!::"),
        ]
        var edits: [Ext4Image.Edit] = []
        for (path, line) in additions {
            // shadow files are absent from some minimal images; the account works without them.
            guard let status = try root.status(path), let current = try root.read(path) else { continue }
            var text = String(decoding: current, as: UTF8.self)
            if !text.isEmpty, !text.hasSuffix("\n") { text += "\n" }
            guard case .file(_, let source, _, _, _) = try scratchFile(path, text + line + "\n", scratch, 0) else {
                continue
            }
            edits.append(.file(path, source: source, mode: status.mode & 0o7777, uid: status.uid, gid: status.gid))
        }
        say("  ✓  user \(user) (uid and gid \(id)) added to the image, as the package would add it")
        return Account(uid: id, gid: id, edits: edits)
    }

    // MARK: Boot settings

    /// Adds the board's boot settings to its boot configuration file, in the boot (FAT) or root (ext4) partition.
    func writeBootSettings(
        _ bootConfig: BoardImage.BootConfig, root: Ext4Image, boot: FATImage?, board: String, scratch: URL
    ) throws(ImageError) -> [String] {
        guard !bootConfig.settings.isEmpty else { return [] }
        let comment = "# Added by curbctl image (Boards/\(board).yaml)"
        let file = bootConfig.file
        switch bootConfig.partition {
        case .boot:
            guard let boot else {
                throw ImageError(.missingPartition, "\(board) puts boot settings in a boot partition it does not name")
            }
            let current = try boot.read(file)
            let (text, added) = BootSettings.apply(
                bootConfig.settings, style: bootConfig.style, to: String(decoding: current ?? Data(), as: UTF8.self),
                comment: comment)
            if !added.isEmpty { try boot.write(file, Data(text.utf8)) }
            report(added, file: "\(file) on \(boot.name)", created: current == nil)
            return added
        case .root:
            let path = file.hasPrefix("/") ? file : "/" + file
            let status = try root.status(path)
            let current = try root.read(path)
            let (text, added) = BootSettings.apply(
                bootConfig.settings, style: bootConfig.style, to: String(decoding: current ?? Data(), as: UTF8.self),
                comment: comment)
            if !added.isEmpty {
                guard case .file(_, let source, _, _, _) = try scratchFile(path, text, scratch, 0) else { return [] }
                try root.apply([
                    .file(
                        path, source: source, mode: (status?.mode ?? 0o644) & 0o7777, uid: status?.uid ?? 0,
                        gid: status?.gid ?? 0)
                ])
            }
            report(added, file: "\(path) on \(root.name)", created: current == nil)
            return added
        }
    }

    /// Takes the board file's arguments out of the kernel command line (Raspberry Pi OS puts a login console on
    /// `serial0`, which `disable-bt` hands to the RS-485 UART).
    func removeKernelArguments(
        _ commandLine: BoardImage.KernelCommandLine, from boot: FATImage
    ) throws(ImageError) -> [String] {
        guard !commandLine.remove.isEmpty else { return [] }
        guard let current = try boot.read(commandLine.file) else {
            say("  =  kernel command line: no \(commandLine.file) on \(boot.name); nothing to remove")
            return []
        }
        let (text, removed) = BootSettings.removing(
            commandLine.remove, from: String(decoding: current, as: UTF8.self))
        if removed.isEmpty {
            say(
                "  =  kernel command line: \(commandLine.file) has none of \(commandLine.remove.joined(separator: " "))"
            )
        } else {
            try boot.write(commandLine.file, Data(text.utf8))
            say("  ✓  kernel command line: \(removed.joined(separator: " ")) removed from \(commandLine.file)")
        }
        return removed
    }

    private func report(_ added: [String], file: String, created: Bool) {
        if added.isEmpty {
            say("  =  boot settings: \(file) has them all")
        } else {
            say("  ✓  boot settings in \(file)\(created ? " (created)" : ""): \(added.joined(separator: ", "))")
        }
    }
}
