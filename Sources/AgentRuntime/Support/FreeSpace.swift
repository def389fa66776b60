import Glibc

/// Space left on the filesystem holding a path, for bounds that follow configuration (capture stores) and must not
/// eat the space the outbox and the applied configuration need.
public enum FreeSpace {
    /// What every bound that follows configuration leaves free: the outbox, the applied configuration and the
    /// journal still need room when captures have taken theirs.
    public static let reserveBytes = 64 << 20

    /// Bytes available to this (unprivileged) process on the filesystem of `path` — the nearest existing folder
    /// above it when `path` itself does not exist yet; nil when `statvfs(3)` fails.
    public static func availableBytes(at path: String) -> Int? {
        var candidate = path
        while true {
            var info = statvfs()
            if statvfs(candidate, &info) == 0 {
                return Int(clamping: UInt64(info.f_bavail) * UInt64(info.f_frsize))
            }
            guard errno == ENOENT, let slash = candidate.lastIndex(of: "/"), candidate != "/" else { return nil }
            candidate = slash == candidate.startIndex ? "/" : String(candidate[..<slash])
        }
    }
}
