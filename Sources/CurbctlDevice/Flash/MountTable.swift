import FoundationEssentials

/// The mounts `/proc/self/mountinfo` lists (proc(5)), and whether a target disk or any partition of it is among them.
struct MountTable: Sendable {
    struct Mount: Sendable, Hashable {
        /// `major:minor` of the mounted device (a block device for disk file systems).
        var device: String
        var mountPoint: String
        /// What was mounted (`/dev/mmcblk0p2`), as the kernel prints it.
        var source: String
    }

    var mounts: [Mount]

    /// Reads a mountinfo file (the test suite passes its own).
    static func read(_ path: String) throws(ImageError) -> MountTable {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw ImageError(.invalidInput, "cannot read \(path) to check what is mounted")
        }
        return MountTable(mounts: text.split(separator: "\n").compactMap(Self.parse))
    }

    /// `36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue`
    static func parse(_ line: Substring) -> Mount? {
        let fields = line.split(separator: " ")
        guard fields.count > 6, let separator = fields.firstIndex(of: "-"), separator + 2 < fields.count else {
            return nil
        }
        return Mount(
            device: String(fields[2]), mountPoint: unescape(fields[4]), source: unescape(fields[separator + 2]))
    }

    /// mountinfo writes space, tab, newline and backslash as `\040`, `\011`, `\012`, `\134`.
    static func unescape(_ field: Substring) -> String {
        var bytes: [UInt8] = []
        var utf8 = Array(field.utf8)[...]
        while let byte = utf8.popFirst() {
            if byte == UInt8(ascii: "\\"), utf8.count >= 3,
                let value = UInt8(String(decoding: utf8.prefix(3), as: UTF8.self), radix: 8)
            {
                bytes.append(value)
                utf8 = utf8.dropFirst(3)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The mounts of `target` or of a partition of it: by device number for a block device (a partition's parent is
    /// found through /sys/dev/block), and by name (`/dev/sdb` covers `/dev/sdb1`, `/dev/mmcblk0` covers
    /// `/dev/mmcblk0p1`) for any path.
    func mounts(of target: String, device: String?, sysfs: String = "/sys/dev/block") -> [Mount] {
        let resolved = URL(fileURLWithPath: target).resolvingSymlinksInPath().path
        return mounts.filter { mount in
            if let device {
                if mount.device == device { return true }
                // A partition's sysfs folder sits inside its disk's, whose `dev` file holds the disk's major:minor.
                let parent = URL(fileURLWithPath: "\(sysfs)/\(mount.device)").resolvingSymlinksInPath()
                    .deletingLastPathComponent().appendingPathComponent("dev")
                if FileManager.default.fileExists(atPath: "\(sysfs)/\(mount.device)/partition"),
                    let text = try? String(contentsOf: parent, encoding: .utf8),
                    text.trimmed == device
                {
                    return true
                }
            }
            return [target, resolved].contains { Self.names(mount.source, partitionOf: $0) }
        }
    }

    /// Whether `source` is `disk` or one of its partitions: `sdb` → `sdb1`, and after a digit `mmcblk0` → `mmcblk0p1`
    /// (so `loop1` does not claim `loop10`).
    static func names(_ source: String, partitionOf disk: String) -> Bool {
        guard source.hasPrefix(disk) else { return false }
        var rest = source.dropFirst(disk.count)
        if rest.isEmpty { return true }
        if disk.last?.isNumber == true {
            guard rest.first == "p" else { return false }
            rest = rest.dropFirst()
        }
        return !rest.isEmpty && rest.allSatisfy(\.isNumber)
    }

    /// Mount points whose file systems the running system cannot do without.
    static let systemMountPoints: Set<String> = ["/", "/boot", "/boot/firmware", "/boot/efi", "/usr", "/var"]
}
