// `timespec` reaches Swift through the C modules' shared Glibc headers; with MemberImportVisibility a release
// (whole-module) build wants the module that owns the declaration imported here too.
import CGPIOD
import Glibc
import HAL

/// A failed C call, so `Result` can carry its `SystemCause`.
struct SystemCallFailure: Error {
    var cause: SystemCause
    var errno: Int32 { cause.errno }
}

extension SystemCause {
    /// The cause for an `errno` value, with the text `strerror` gives, as `i2cget` would print it.
    init(errno code: Int32) {
        self.init(errno: code, message: String(cString: strerror(code)))
    }
}

/// Runs a C call that returns -1 and sets `errno` on failure, retrying while it was interrupted by a signal.
/// Returns the result or the `errno` of the failure.
func retryingEINTR<T: BinaryInteger>(_ call: () -> T) -> Result<T, SystemCallFailure> {
    while true {
        let result = call()
        guard result == -1 else { return .success(result) }
        let code = errno
        if code == EINTR { continue }
        return .failure(SystemCallFailure(cause: SystemCause(errno: code)))
    }
}

/// Runs a libi2c `i2c_smbus_*` call, which returns `-errno` on failure rather than -1, retrying on `EINTR`.
func retryingEINTR(negativeErrno call: () -> Int32) -> Result<Int32, SystemCallFailure> {
    while true {
        let result = call()
        guard result < 0 else { return .success(result) }
        if -result == EINTR { continue }
        return .failure(SystemCallFailure(cause: SystemCause(errno: -result)))
    }
}

/// Runs a C call that returns NULL and sets `errno` on failure (libgpiod's `gpiod_chip_open*`), retrying on `EINTR`.
func retryingEINTR(pointer call: () -> OpaquePointer?) -> Result<OpaquePointer, SystemCallFailure> {
    while true {
        if let pointer = call() { return .success(pointer) }
        let code = errno
        if code == EINTR { continue }
        return .failure(SystemCallFailure(cause: SystemCause(errno: code)))
    }
}

/// Now on `CLOCK_MONOTONIC`, the clock the GPIO character device timestamps edge events with (kernel ≥ 5.7).
public func monotonicNanoseconds() -> UInt64 {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
}

extension timespec {
    /// `nanoseconds` as seconds and nanoseconds, for the calls that take a `timespec` deadline.
    init(nanoseconds: UInt64) {
        self.init(tv_sec: Int(nanoseconds / 1_000_000_000), tv_nsec: Int(nanoseconds % 1_000_000_000))
    }
}
