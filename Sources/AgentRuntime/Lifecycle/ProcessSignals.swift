import Glibc

/// Process-wide signal set-up every daemon makes once at start-up, before the first connection.
public enum ProcessSignals {
    /// Ignores `SIGPIPE`, so a write to a connection the peer has reset fails with `EPIPE` instead of ending the
    /// process. libmosquitto's TLS path writes through OpenSSL's socket BIO, which uses plain `write` (no
    /// `MSG_NOSIGNAL`): a broker that restarts or resets the connection mid-write would otherwise kill the daemon.
    /// The corresponding C call is `signal(SIGPIPE, SIG_IGN)`; call it once, first thing in `main`.
    public static func ignoreSIGPIPE() {
        _ = signal(SIGPIPE, SIG_IGN)
    }
}
