import Foundation
import Glibc

/// Replaces a file so that a crash or power cut at any moment leaves either the old or the new contents, never a
/// torn file: write a temporary file in the same folder, `fsync` it, `rename` over the target, `fsync` the folder.
public enum AtomicFile {
    public struct Failure: Error, Sendable, Hashable, CustomStringConvertible {
        public var path: String
        public var operation: String
        public var errno: Int32
        public var description: String { "\(path) \(operation): \(String(cString: strerror(errno))) (errno \(errno))" }
    }

    /// Temporary files carry this suffix; readers ignore them (a leftover one is a write that never finished).
    public static let temporarySuffix = ".tmp-write"

    public static func write(_ bytes: [UInt8], to path: String, mode: UInt32 = 0o600) throws(Failure) {
        let folder = (path as NSString).deletingLastPathComponent
        let temporary = path + temporarySuffix
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
        guard fd >= 0 else { throw Failure(path: temporary, operation: "open", errno: errno) }
        var written = 0
        while written < bytes.count {
            let n = bytes.withUnsafeBytes { buffer in
                Glibc.write(fd, buffer.baseAddress! + written, buffer.count - written)
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
}
