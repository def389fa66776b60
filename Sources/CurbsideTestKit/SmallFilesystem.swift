public import Foundation

/// A small tmpfs of its own, so free space is known and can run out; root may mount one (CI runs as root).
///
/// When the mount fails (not root) `mounted` is false and `directory` is an ordinary folder: a test that needs the
/// size limit says it skipped.
public final class SmallFilesystem {
    public let directory: URL
    public private(set) var mounted = false

    public init(megabytes: Int) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("fs-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let mount = Process()
        mount.executableURL = URL(fileURLWithPath: "/bin/mount")
        mount.arguments = ["-t", "tmpfs", "-o", "size=\(megabytes)m", "tmpfs", directory.path]
        mount.standardError = FileHandle.nullDevice
        try mount.run()
        mount.waitUntilExit()
        mounted = mount.terminationStatus == 0
    }

    public func unmount() {
        guard mounted else { return }
        let umount = Process()
        umount.executableURL = URL(fileURLWithPath: "/bin/umount")
        umount.arguments = [directory.path]
        try? umount.run()
        umount.waitUntilExit()
        mounted = false
    }

    /// Fills the filesystem with one file until a write fails with ENOSPC, leaving no room for anything else.
    /// Returns the bytes written.
    @discardableResult
    public func fill(name: String = "filler") throws -> Int {
        let path = directory.appendingPathComponent(name).path
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw TestKitError("open \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        let block = [UInt8](repeating: 0x5A, count: 4096)
        var total = 0
        while true {
            let n = block.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                if errno == ENOSPC { break }
                throw TestKitError("write \(path): \(String(cString: strerror(errno)))")
            }
            total += n
        }
        return total
    }
}
