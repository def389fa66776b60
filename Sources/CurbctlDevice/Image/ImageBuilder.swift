import AgentRuntime
import BoardSupport
import ConfigSupport
import FoundationEssentials
import Glibc

/// `curbctl image`: a flashable image for one device, made from a base OS image without mounting anything — the
/// Curbside package(s) for the board's architecture and a first-boot unit that installs them and enables the daemon,
/// the device configuration, its credentials (key 0600, owned by the daemon's user), the host name from the device
/// id, and the boot settings the board file declares.
///
/// The files for the root file system are staged with ``Provisioner``'s own steps (configuration, folders, given or
/// generated key and CSR) in a scratch folder, then written into the ext4 partition with `debugfs` and into the FAT
/// partition with mtools, at the partitions' offsets from `sfdisk --json`. The output appears under its name only
/// when everything succeeded.
public struct ImageBuilder: Sendable {
    public struct Request: Sendable {
        /// A board id with an `image` section (`raspberry-pi-4b`).
        public var board: String
        /// The base OS image, `.img` or `.img.xz`.
        public var base: String
        /// The device's complete daemon configuration (identity, broker, hardware).
        public var deviceConfig: String
        /// Where the device image goes.
        public var out: String
        /// Curbside packages (`.deb`), or folders holding them; those for the board's architecture are used.
        public var packages: [String]
        /// Given certificate, key and CA; without them a key is generated in the image and its CSR written beside
        /// the output when the configuration names a key file.
        public var certificate: String?
        public var key: String?
        public var ca: String?
        /// The board files (`Boards/` in a checkout).
        public var boards = "/usr/share/curbside/boards"
        /// The example configurations, which say which daemon runs a kind.
        public var examples = "/usr/share/curbside/examples"

        public init(board: String, base: String, deviceConfig: String, out: String, packages: [String]) {
            self.board = board
            self.base = base
            self.deviceConfig = deviceConfig
            self.out = out
            self.packages = packages
        }
    }

    /// What went into the image.
    public struct Summary: Sendable {
        public var daemon: String
        public var hostname: String
        /// The daemon's user in the image, with its uid and gid.
        public var user: String
        public var uid: Int
        public var gid: Int
        /// Paths inside the root file system that were written.
        public var written: [String]
        /// Boot settings that changed the boot configuration file.
        public var bootSettings: [String]
        /// The certificate request to have signed, beside the output, when a key was generated.
        public var csr: String?
        /// Kernel arguments taken out of the boot partition's command line.
        public var removedArguments: [String] = []
    }

    public let request: Request
    let say: @Sendable (String) -> Void

    public init(_ request: Request, say: @escaping @Sendable (String) -> Void = { print($0) }) {
        self.request = request
        self.say = say
    }

    @discardableResult
    public func run() throws(ImageError) -> Summary {
        let board = try loadBoard()
        guard let layout = board.image else {
            throw ImageError(
                .boardNotFlashable,
                "\(board.id) (\(board.name)) has no image section in its board file: it is not flashed")
        }
        let packages = try Self.packages(request.packages, for: layout.architecture, board: board.id)
        try checkKeyPermissions()
        let config = try loadDeviceConfig(board: board.id)
        let identity = config.agent.identity
        let hostname = try Self.hostname(identity.device)
        let daemon = try daemonName(kind: identity.kind)
        say("making \(request.out) for \(identity.site)~\(identity.kind)~\(identity.device) (\(daemon) on \(board.id))")

        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent(
            "curbctl-image-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let partial = request.out + ".partial"
        defer { try? FileManager.default.removeItem(atPath: partial) }
        try copyBase(to: partial)
        let table = try PartitionTable.read(partial)
        let (root, boot) = try partitions(of: table, in: partial, layout: layout)

        var summary = try writeRoot(
            Ext4Image(image: partial, partition: root), config: config, daemon: daemon, hostname: hostname,
            packages: packages, scratch: scratch)
        summary.bootSettings = try writeBootSettings(
            layout.bootConfig, root: Ext4Image(image: partial, partition: root),
            boot: boot.map { FATImage(image: partial, partition: $0) }, board: board.id, scratch: scratch)
        if let boot {
            summary.removedArguments = try removeKernelArguments(
                layout.kernelCommandLine, from: FATImage(image: partial, partition: boot))
        }
        do {
            if FileManager.default.fileExists(atPath: request.out) {
                try FileManager.default.removeItem(atPath: request.out)
            }
            try FileManager.default.moveItem(atPath: partial, toPath: request.out)
        } catch {
            throw ImageError(.outputFailed, "cannot move \(partial) to \(request.out): \(error)")
        }
        say("wrote \(request.out): flash it with curbctl flash \(request.out) /dev/sdX (or /dev/mmcblk0)")
        return summary
    }

    // MARK: Inputs

    func loadBoard() throws(ImageError) -> Board {
        let catalog: BoardCatalog
        do {
            catalog = try BoardCatalog.load(directory: request.boards)
        } catch {
            throw ImageError(.invalidInput, "board files in \(request.boards) do not load:\n\(error)")
        }
        guard let board = catalog.boards[request.board] else {
            let names = catalog.boards.keys.sorted()
            let nearest = NearestMatch.suggestion(for: request.board, among: names).map { " Did you mean \($0)?" }
            throw ImageError(
                .unknownBoard,
                "no board \"\(request.board)\" in \(request.boards) (there: \(names.joined(separator: ", "))).\(nearest ?? "")"
            )
        }
        return board
    }

    /// Each package's architecture must be the board's (or `all`); folders contribute the packages for it.
    static func packages(
        _ paths: [String], for architecture: BoardImage.Architecture, board: String
    ) throws(ImageError) -> [String] {
        var chosen: [String] = []
        var seen: [String] = []
        for path in paths {
            var isFolder = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else {
                throw ImageError(.missingPackage, "\(path) does not exist")
            }
            if isFolder {
                let files = ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).filter {
                    $0.hasSuffix(".deb")
                }
                for file in files.sorted() {
                    let arch = try packageArchitecture("\(path)/\(file)")
                    seen.append("\(file) (\(arch))")
                    if arch == architecture.rawValue || arch == "all" { chosen.append("\(path)/\(file)") }
                }
            } else {
                let arch = try packageArchitecture(path)
                guard arch == architecture.rawValue || arch == "all" else {
                    throw ImageError(
                        .missingPackage,
                        "\(path) is for \(arch); \(board) runs \(architecture.rawValue) packages "
                            + "(make package on an \(architecture.rawValue) machine, or with its cross toolchain)")
                }
                chosen.append(path)
            }
        }
        guard !chosen.isEmpty else {
            throw ImageError(
                .missingPackage,
                "no Curbside package for \(architecture.rawValue) (\(board)) among "
                    + (seen.isEmpty ? "the given paths (pass --package FILE.deb)" : seen.joined(separator: ", ")))
        }
        return chosen
    }

    static func packageArchitecture(_ path: String) throws(ImageError) -> String {
        let result = try ExternalTool.run("dpkg-deb", ["-f", path, "Architecture"])
        guard result.status == 0 else {
            throw ImageError(.missingPackage, "\(path) is not a Debian package: \(result.errors)")
        }
        return result.text.trimmed
    }

    /// A private key must be readable by its owner only, here as on the device: a key others could read is a key
    /// that may have been copied, and is refused rather than installed.
    func checkKeyPermissions() throws(ImageError) {
        guard (request.certificate == nil) == (request.key == nil) else {
            throw ImageError(.invalidInput, "--cert and --key go together")
        }
        guard let key = request.key else { return }
        guard let mode = Provisioner.permissions(key) else {
            throw ImageError(.invalidInput, "key file \(key) cannot be read")
        }
        guard mode & 0o077 == 0 else {
            throw ImageError(
                .keyPermissions,
                "key file \(key) has mode 0\(String(mode, radix: 8)): group or others can read it; "
                    + "chmod 600 \(key) (and consider it exposed if it was shared)")
        }
    }

    func loadDeviceConfig(board: String) throws(ImageError) -> (text: String, agent: AgentConfiguration) {
        let text: String
        do {
            text = try String(contentsOfFile: request.deviceConfig, encoding: .utf8)
        } catch {
            throw ImageError(.invalidInput, "device configuration \(request.deviceConfig) cannot be read: \(error)")
        }
        let agent: AgentConfiguration
        do {
            agent = try PartsInventories.parse(yaml: text, file: request.deviceConfig).agent
        } catch {
            throw ImageError(.invalidInput, "device configuration \(request.deviceConfig) is not valid:\n\(error)")
        }
        let named = URL(fileURLWithPath: agent.board).deletingPathExtension().lastPathComponent
        guard named == board else {
            throw ImageError(
                .invalidInput,
                "\(request.deviceConfig) names board \(agent.board); the image is for \(board) "
                    + "(board: /usr/share/curbside/boards/\(board).yaml)")
        }
        // The daemon reads the board file on the device, where the package installs them: a workshop path (a
        // checkout's Boards/, a relative path) would stop it at its first start.
        let installed = "/usr/share/curbside/boards/\(board).yaml"
        guard agent.board == installed else {
            throw ImageError(
                .invalidInput,
                "\(request.deviceConfig) names board file \(agent.board), which the device does not have; "
                    + "use board: \(installed) (where the package installs it)")
        }
        guard agent.hal.backend == .linux else {
            throw ImageError(
                .invalidInput,
                "\(request.deviceConfig) uses hal backend \(agent.hal.backend.rawValue); a device needs linux")
        }
        return (text, agent)
    }

    /// The device id as a host name (RFC 1123 label): what the device calls itself on the network.
    static func hostname(_ device: String) throws(ImageError) -> String {
        let allowed = Set("abcdefghijklmnopqrstuvwxyz0123456789-")
        guard (1...63).contains(device.count), device.allSatisfy(allowed.contains), device.first != "-",
            device.last != "-"
        else {
            throw ImageError(
                .invalidInput,
                "device id \"\(device)\" is not a host name: use 1–63 of a-z 0-9 and '-', not starting or ending with '-'"
            )
        }
        return device
    }

    func daemonName(kind: String) throws(ImageError) -> String {
        var lookup = Provisioner.Request(kind: kind, device: "-", site: "-")
        lookup.examples = request.examples
        do {
            return try Provisioner(lookup).findExample().daemon
        } catch {
            throw ImageError(.invalidInput, "\(error) (pass --examples, e.g. Firmware-config/examples in a checkout)")
        }
    }

    // MARK: The base image

    /// The base image, decompressed when it is `.xz` (by `xz -dc`, as `curbctl flash` reads it).
    func copyBase(to path: String) throws(ImageError) {
        try? FileManager.default.removeItem(atPath: path)
        guard FileManager.default.fileExists(atPath: request.base) else {
            throw ImageError(.invalidInput, "base image \(request.base) does not exist")
        }
        do {
            if request.base.hasSuffix(".xz") {
                let source = try ImageSource(path: request.base)
                let out = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
                guard out >= 0 else {
                    throw ImageError(.outputFailed, "cannot create \(path): \(String(cString: strerror(errno)))")
                }
                defer { close(out) }
                var copied = 0
                while let chunk = try source.next() {
                    do {
                        try Descriptor.write(out, chunk)
                    } catch {
                        throw ImageError(
                            .outputFailed,
                            "writing \(path) at byte \(copied + error.written): \(String(cString: strerror(error.code)))"
                        )
                    }
                    copied += chunk.count
                }
                try source.finish()
            } else {
                try FileManager.default.copyItem(atPath: request.base, toPath: path)
            }
        } catch let error as ImageError {
            throw error
        } catch {
            throw ImageError(.outputFailed, "copying \(request.base) to \(path): \(error)")
        }
    }

    /// The root (ext4) and boot (FAT) partitions the board file names, checked by what they hold.
    func partitions(
        of table: PartitionTable, in image: String, layout: BoardImage
    ) throws(ImageError) -> (root: PartitionTable.Partition, boot: PartitionTable.Partition?) {
        let handle = open(image, O_RDONLY | O_CLOEXEC)
        guard handle >= 0 else {
            throw ImageError(.invalidInput, "cannot read \(image): \(String(cString: strerror(errno)))")
        }
        defer { close(handle) }
        let present = table.partitions.map { partition in
            let kind = FileSystemKind.probe(handle, at: partition.offset)
            return "\(partition.number): \(kind.rawValue), \(partition.size >> 20) MiB"
        }
        let described = "\(request.base) has \(table.label) partitions " + present.joined(separator: "; ")
        func find(_ number: Int, _ kind: FileSystemKind, _ role: String) throws(ImageError) -> PartitionTable.Partition
        {
            guard let partition = table.partition(number) else {
                throw ImageError(.missingPartition, "no partition \(number) (\(role), \(kind.rawValue)): \(described)")
            }
            guard FileSystemKind.probe(handle, at: partition.offset) == kind else {
                throw ImageError(
                    .missingPartition, "partition \(number) is not \(kind.rawValue) (\(role)): \(described)")
            }
            return partition
        }
        let root = try find(layout.rootPartition, .ext4, "root")
        let boot = try layout.bootPartition.map { number throws(ImageError) in try find(number, .fat, "boot") }
        return (root, boot)
    }
}
