import FoundationEssentials

/// An ext4 file system inside a disk image, read and written with e2fsprogs' `debugfs` at the partition's byte offset
/// (`image?offset=N`): nothing is mounted, so it runs without root and without loop devices.
struct Ext4Image {
    /// One change to the file system. Paths are absolute inside the file system.
    enum Edit {
        /// A folder with its mode and owner (created if missing; mode and owner set either way).
        case directory(String, mode: Int, uid: Int, gid: Int)
        /// A regular file from `source` on this machine, replacing any file at the path.
        case file(String, source: String, mode: Int, uid: Int, gid: Int)
        /// A symbolic link to `target`, replacing any link at the path.
        case symlink(String, target: String)

        var path: String {
            switch self {
            case .directory(let path, _, _, _), .file(let path, _, _, _, _), .symlink(let path, _): path
            }
        }
    }

    /// Mode (with the file type bits), owner and group of a file.
    struct Status: Hashable {
        var mode: Int
        var uid: Int
        var gid: Int
    }

    /// `debugfs`'s name for the file system: the image and the partition's offset.
    let device: String
    /// Where the partition is, for messages.
    let name: String

    init(image: String, partition: PartitionTable.Partition) {
        device = "\(image)?offset=\(partition.offset)"
        name = "partition \(partition.number) (ext4)"
    }

    /// The file's contents; nil when there is no such file.
    func read(_ path: String) throws(ImageError) -> Data? {
        guard try status(path) != nil else { return nil }
        return try ExternalTool.checked("debugfs", ["-R", "cat \"\(path)\"", device]).output
    }

    /// The file's mode and owner; nil when there is no such file.
    func status(_ path: String) throws(ImageError) -> Status? {
        let result = try ExternalTool.run("debugfs", ["-R", "stat \"\(path)\"", device])
        if result.errors.contains("File not found") { return nil }
        guard result.status == 0 else {
            throw ImageError(.toolFailed, "debugfs stat \(path) in \(name): \(result.errors)")
        }
        // "Inode: 13   Type: regular    Mode:  0600   Flags: 0x80000" and "User:   123   Group:     0   …"
        let words = result.text.split(whereSeparator: { $0 == " " || $0 == "\n" })
        func field(_ label: String, radix: Int) -> Int? {
            words.firstIndex(of: Substring(label)).flatMap { words.index(after: $0) < words.endIndex ? $0 : nil }
                .flatMap { Int(words[words.index(after: $0)], radix: radix) }
        }
        let type = words.firstIndex(of: "Type:").map { String(words[words.index(after: $0)]) } ?? ""
        let typeBits = ["regular": 0o100000, "directory": 0o040000, "symlink": 0o120000][type] ?? 0
        guard let mode = field("Mode:", radix: 8), let uid = field("User:", radix: 10),
            let gid = field("Group:", radix: 10)
        else {
            throw ImageError(.toolFailed, "debugfs stat \(path) in \(name) printed no mode and owner:\n\(result.text)")
        }
        return Status(mode: typeBits | mode, uid: uid, gid: gid)
    }

    /// Applies `edits` in order, creating missing parent folders (0755, root), then reads every path back and checks
    /// that it has the mode and owner asked for.
    func apply(_ edits: [Edit]) throws(ImageError) {
        var script: [String] = []
        var known: Set<String> = ["/"]
        func ensureParents(of path: String) throws(ImageError) {
            var parent = ""
            for component in path.split(separator: "/").dropLast() {
                parent += "/\(component)"
                if known.contains(parent) { continue }
                known.insert(parent)
                if try status(parent) == nil {
                    script += ["mkdir \"\(parent)\"", "set_inode_field \"\(parent)\" mode 040755"]
                    script += ["set_inode_field \"\(parent)\" uid 0", "set_inode_field \"\(parent)\" gid 0"]
                }
            }
        }
        for edit in edits {
            try ensureParents(of: edit.path)
            let path = "\"\(edit.path)\""
            var exists = known.contains(edit.path)
            if !exists { exists = try status(edit.path) != nil }
            switch edit {
            case .directory(_, let mode, let uid, let gid):
                if !exists { script.append("mkdir \(path)") }
                script += Self.inodeFields(path, mode: 0o040000 | mode, uid: uid, gid: gid)
            case .file(_, let source, let mode, let uid, let gid):
                if exists { script.append("rm \(path)") }
                script.append("write \"\(source)\" \(path)")
                script += Self.inodeFields(path, mode: 0o100000 | mode, uid: uid, gid: gid)
            case .symlink(_, let target):
                if exists { script.append("rm \(path)") }
                script.append("symlink \(path) \"\(target)\"")
            }
            known.insert(edit.path)
        }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent(
            "curbctl-debugfs-\(UUID().uuidString.prefix(8))")
        do {
            try (script.joined(separator: "\n") + "\n").write(to: file, atomically: true, encoding: .utf8)
        } catch {
            throw ImageError(.outputFailed, "cannot write the debugfs script \(file.path): \(error)")
        }
        defer { try? FileManager.default.removeItem(at: file) }
        let result = try ExternalTool.checked("debugfs", ["-w", "-f", file.path, device])
        // debugfs keeps going after a failed command and exits 0; anything but its banner on stderr is a failure.
        let problems = result.errors.split(separator: "\n").filter { !$0.hasPrefix("debugfs ") }
        guard problems.isEmpty else {
            throw ImageError(.toolFailed, "debugfs writing \(name): " + problems.joined(separator: "; "))
        }
        for edit in edits {
            let found = try status(edit.path)
            let wanted: Status? =
                switch edit {
                case .directory(_, let mode, let uid, let gid): Status(mode: 0o040000 | mode, uid: uid, gid: gid)
                case .file(_, _, let mode, let uid, let gid): Status(mode: 0o100000 | mode, uid: uid, gid: gid)
                case .symlink: nil
                }
            guard found != nil, wanted == nil || found == wanted else {
                throw ImageError(
                    .toolFailed,
                    "\(edit.path) in \(name) reads back as \(found.map { "\($0)" } ?? "missing"), not \(wanted.map { "\($0)" } ?? "a link")"
                )
            }
        }
    }

    private static func inodeFields(_ path: String, mode: Int, uid: Int, gid: Int) -> [String] {
        [
            "set_inode_field \(path) mode 0\(String(mode, radix: 8))", "set_inode_field \(path) uid \(uid)",
            "set_inode_field \(path) gid \(gid)",
        ]
    }
}
