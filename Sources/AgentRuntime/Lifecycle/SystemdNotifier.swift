import Glibc

/// `sd_notify` without libsystemd: one datagram per state change to `$NOTIFY_SOCKET` (see sd_notify(3)).
///
/// Does nothing when the daemon is not started by systemd with `Type=notify` (no `NOTIFY_SOCKET`).
public struct SystemdNotifier: Sendable {
    /// The socket path; a leading `@` means the abstract namespace.
    public let socketPath: String?
    /// From `$WATCHDOG_USEC` (and `$WATCHDOG_PID` naming this process): how often systemd expects `WATCHDOG=1`.
    public let watchdogInterval: Duration?

    public init(environment: [String: String]) {
        socketPath = environment["NOTIFY_SOCKET"].flatMap { $0.isEmpty ? nil : $0 }
        var interval: Duration?
        if let text = environment["WATCHDOG_USEC"], let usec = UInt64(text), usec > 0 {
            let pidMatches = environment["WATCHDOG_PID"].map { $0 == String(getpid()) } ?? true
            if pidMatches { interval = .microseconds(usec) }
        }
        watchdogInterval = interval
    }

    /// Sends `READY=1`, `STOPPING=1`, `WATCHDOG=1`, `STATUS=…` (several separated by newlines). Returns false when
    /// there is no socket or the send failed; notification failures never stop the daemon.
    @discardableResult
    public func notify(_ state: String) -> Bool {
        guard let socketPath, socketPath.utf8.count < 108 else { return false }
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        var pathBytes = Array(socketPath.utf8)
        if pathBytes.first == UInt8(ascii: "@") { pathBytes[0] = 0 }
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            for (index, byte) in pathBytes.enumerated() { buffer[index] = byte }
        }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + pathBytes.count)
        let sent = Array(state.utf8).withUnsafeBytes { payload in
            withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    sendto(fd, payload.baseAddress, payload.count, Int32(MSG_NOSIGNAL), $0, length)
                }
            }
        }
        return sent == state.utf8.count
    }
}
