// `make sanitize`'s proof that its ThreadSanitizer run can tell real races from the `Mutex` false positives
// (Tools/sanitize runs every mode and checks TSan's verdict on each):
//   tsan-probe race   two threads increment an unguarded counter: TSan must report a data race here.
//   tsan-probe lock   eight threads increment a counter behind `Lock`: TSan must report nothing.
//   tsan-probe mutex  the same behind `Synchronization.Mutex`: reported on Linux (futexes in the uninstrumented
//                     standard library), which is why the project locks with `Lock`. Informational only.
// and, in the AddressSanitizer build, the same for LeakSanitizer and Tools/lsan-suppressions.txt:
//   tsan-probe leak    an object retained and forgotten: LeakSanitizer must report it with the suppressions in force.
//   tsan-probe tagged  an object still referenced at exit, but only through a multi-payload enum case whose tag
//                      Swift keeps in the pointer's spare bits: reported although it is not a leak — the false positive
//                      behind the swift-nio and Data entries of the suppressions. Informational only.
// Built in every build (one small file), run only by `make sanitize`.
import Locking
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

let threads = 8
let increments = 10_000

/// Runs `body` on `count` new pthreads at once and joins them all (`pthread_create`, `pthread_join`).
func onThreads(_ count: Int, _ body: @escaping @Sendable () -> Void) {
    final class Job: Sendable {
        let body: @Sendable () -> Void
        init(_ body: @escaping @Sendable () -> Void) { self.body = body }
    }
    var started: [pthread_t] = []
    for _ in 0..<count {
        var thread = pthread_t()
        let job = Unmanaged.passRetained(Job(body)).toOpaque()
        let status = pthread_create(
            &thread, nil,
            { raw in
                guard let raw else { return nil }
                Unmanaged<Job>.fromOpaque(raw).takeRetainedValue().body()
                return nil
            }, job)
        precondition(status == 0, "pthread_create failed: errno \(status)")
        started.append(thread)
    }
    for thread in started { pthread_join(thread, nil) }
}

// The deliberate race: no lock at all. Escape hatch on purpose — this is what TSan has to catch.
nonisolated(unsafe) var unguarded = 0

/// Increments `unguarded` from two threads with no synchronization.
func racyIncrements() {
    onThreads(2) {
        for _ in 0..<increments { unguarded += 1 }
    }
    print("race: unguarded counter reached \(unguarded) of \(2 * increments) (lost updates are possible)")
}

/// Runs `increment` `increments` times on each of `threads` threads, then exits 1 if `total` lost an update.
func countOnThreads(_ name: String, increment: @escaping @Sendable () -> Void, total: () -> Int) {
    onThreads(threads) {
        for _ in 0..<increments { increment() }
    }
    let reached = total()
    print("\(name): counter reached \(reached) of \(threads * increments)")
    if reached != threads * increments { exit(1) }
}

/// The counter behind the project's `Lock`.
func lockedIncrements() {
    let counter = Lock(0)
    countOnThreads("lock", increment: { counter.withLock { $0 += 1 } }, total: { counter.withLock { $0 } })
}

/// The counter behind `Synchronization.Mutex`.
func mutexIncrements() {
    let counter = Mutex(0)
    countOnThreads("mutex", increment: { counter.withLock { $0 += 1 } }, total: { counter.withLock { $0 } })
}

/// A deliberate leak: the only reference is dropped while its retain count is still one.
func deliberateLeak() {
    final class Forgotten {
        let payload = [UInt8](repeating: 0xA5, count: 4096)
    }
    _ = Unmanaged.passRetained(Forgotten()).toOpaque()
    print("leak: one object of 4 KiB retained and forgotten")
}

/// Not a leak: `holder` is alive until exit, and through it the box behind `.third`.
func taggedAtExit() {
    final class Box {
        let payload = [UInt8](repeating: 0x5A, count: 64)
    }
    enum Reference {
        case first(Box), second(Box), third(Box)
    }
    final class Holder: @unchecked Sendable {
        var reference: Reference?
    }
    let holder = Holder()
    holder.reference = .third(Box())
    kept = holder
    print("tagged: one box held at exit through a multi-payload enum case")
}

nonisolated(unsafe) var kept: AnyObject?

switch CommandLine.arguments.dropFirst().first {
case "race": racyIncrements()
case "lock": lockedIncrements()
case "mutex": mutexIncrements()
case "leak": deliberateLeak()
case "tagged": taggedAtExit()
default:
    print("usage: tsan-probe race|lock|mutex|leak|tagged")
    exit(64)
}
