import FoundationEssentials
import Glibc

/// Replaces a file so that a crash or power cut at any moment leaves either the old or the new contents, never a
/// torn file: write a temporary file in the same folder, `fsync` it, `rename` over the target, `fsync` the folder.
///
/// State files are never reached through a symbolic link: one planted at the target or at a temporary name (by
/// anyone who can write the state directory) would otherwise redirect a daemon's writes onto another file. The
/// temporary file gets a fresh random name and is created with `O_CREAT | O_EXCL | O_NOFOLLOW`, a symlink at the
/// target refuses the write (`ELOOP`), and ``read(_:)`` opens with `O_NOFOLLOW`.
public enum AtomicFile {
    public struct Failure: Error, Sendable, Hashable, CustomStringConvertible {
        public var path: String
        public var operation: String
        public var errno: Int32
        public var description: String {
            let detail =
                errno == ELOOP
                ? "is a symbolic link; state files are not followed through links (remove it)"
                : "\(String(cString: strerror(errno))) (errno \(errno))"
            return "\(path) \(operation): \(detail)"
        }
    }

    /// Temporary files are named `<file><suffix>.<random>`; readers ignore them (a leftover one is a write that never
    /// finished, removed by the next write of the same file).
    public static let temporarySuffix = ".tmp-write"

    public static func write(_ bytes: [UInt8], to path: String, mode: UInt32 = 0o600) throws(Failure) {
        let folder = PathComponents.folder(of: path)
        try refuseSymbolicLink(at: path, operation: "replace")
        removeLeftovers(of: path, in: folder)
        let (fd, temporary) = try createTemporary(for: path, mode: mode)
        var written = 0
        while written < bytes.count {
            let n = bytes.withUnsafeBytes { buffer in
                // Non-empty here (written < count), so the base address exists.
                Glibc.write(fd, buffer.baseAddress.map { $0 + written }, buffer.count - written)
            }
            if n < 0 {
                if errno == EINTR { continue }
                let code = errno
                close(fd)
                unlink(temporary)
                throw Failure(path: temporary, operation: "write", errno: code)
            }
            written += n
        }
        guard fsync(fd) == 0 else {
            let code = errno
            close(fd)
            unlink(temporary)
            throw Failure(path: temporary, operation: "fsync", errno: code)
        }
        close(fd)
        // rename(2) replaces a link rather than following it, so a link planted since the check above is
        // overwritten by the state file, never written through.
        guard rename(temporary, path) == 0 else {
            let code = errno
            unlink(temporary)
            throw Failure(path: path, operation: "rename", errno: code)
        }
        // The rename itself is durable only once the folder's entry is on disk.
        let dirFD = open(folder.isEmpty ? "." : folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard dirFD >= 0 else { throw Failure(path: folder, operation: "open folder", errno: errno) }
        defer { close(dirFD) }
        guard fsync(dirFD) == 0 else { throw Failure(path: folder, operation: "fsync folder", errno: errno) }
    }

    /// The contents of the state file at `path`, or nil when there is none. A symbolic link there is refused
    /// (`ELOOP`), not followed.
    public static func read(_ path: String) throws(Failure) -> [UInt8]? {
        var fd: Int32
        repeat { fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC) } while fd < 0 && errno == EINTR
        guard fd >= 0 else {
            if errno == ENOENT { return nil }
            throw Failure(path: path, operation: "open", errno: errno)
        }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw Failure(path: path, operation: "read", errno: errno)
            }
            if n == 0 { return bytes }
            bytes += chunk[0..<n]
        }
    }

    /// Throws `ELOOP` when `path` is a symbolic link; nothing there (or a regular file) passes.
    static func refuseSymbolicLink(at path: String, operation: String) throws(Failure) {
        // attributesOfItem reads the entry itself (lstat), not what a link points to.
        let type = (try? FileManager.default.attributesOfItem(atPath: path))?[.type] as? FileAttributeType
        if type == .typeSymbolicLink { throw Failure(path: path, operation: operation, errno: ELOOP) }
    }

    /// A new temporary file beside `path`: a random name, created exclusively, so no earlier file or link of that
    /// name is ever opened.
    private static func createTemporary(for path: String, mode: UInt32) throws(Failure) -> (Int32, String) {
        var attempt = 0
        while true {
            let temporary = path + temporarySuffix + "." + String(UInt64.random(in: 1...UInt64.max), radix: 36)
            let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode)
            if fd >= 0 { return (fd, temporary) }
            let code = errno
            attempt += 1
            // EEXIST means another name is needed (64 random bits: a clash is a planted file, not luck).
            guard code == EEXIST || code == EINTR, attempt < 8 else {
                throw Failure(path: temporary, operation: "create", errno: code)
            }
        }
    }

    /// Removes temporary files a crash left behind for `path` (each file has one writer, so none is in use).
    private static func removeLeftovers(of path: String, in folder: String) {
        let prefix = PathComponents.last(of: path) + temporarySuffix
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder.isEmpty ? "." : folder) else {
            return
        }
        for name in names where name.hasPrefix(prefix) {
            // unlink removes a link itself, never its target.
            unlink(PathComponents.joined(folder, name))
        }
    }
}
