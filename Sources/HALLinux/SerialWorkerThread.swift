import Glibc
import HAL

/// A dedicated thread running submitted jobs one at a time, in submission order, and waking sleepers at their
/// deadlines.
///
/// Blocking C calls (libmodbus waits for a response with `select`) run here, off the cooperative pool; the FIFO order
/// is what makes a silent Modbus unit cost only its own timeout: every waiting request is served in turn. The thread's
/// wait for the next job is a timed wait until the earliest sleeper's deadline (`sleep(untilMonotonic:)`), so a poll
/// loop that runs here keeps its own tick: no timer thread, no hop through the shared pool.
///
/// `@unchecked Sendable`: `jobs`, `head`, `sleepers` (and each sleeper's state) and `stopping` are guarded by `mutex`
/// (waited on with `condition`, which runs on `CLOCK_MONOTONIC`); the thread is detached and holds its own retain, so
/// the object lives until the last job has run.
final class SerialWorkerThread: @unchecked Sendable {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private var jobs: [() -> Void] = []
    private var head = 0
    private var sleepers: [Sleeper] = []
    private var stopping = false

    /// One task waiting for a deadline. Whoever takes `continuation` (the thread at the deadline, the cancellation
    /// handler, or `sleep` itself when cancelled before it armed) resumes it, once.
    ///
    /// `@unchecked Sendable`: `continuation` and `cancelled` are read and written only under the thread's `mutex`.
    private final class Sleeper: @unchecked Sendable {
        let deadline: UInt64
        var continuation: UnsafeContinuation<Bool, Never>?
        var cancelled = false

        init(deadline: UInt64) { self.deadline = deadline }
    }

    /// Starts the thread; throws when the system refuses one.
    init() throws(SystemCallFailure) {
        pthread_mutex_init(mutex, nil)
        // Deadlines are monotonic: a wall-clock step (NTP, RTC set at boot) must neither fire nor hold a tick.
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
        pthread_cond_init(condition, &attributes)
        pthread_condattr_destroy(&attributes)
        let context = Unmanaged.passRetained(self).toOpaque()
        var id = pthread_t()
        let failure = pthread_create(
            &id, nil,
            { context in
                guard let context else { return nil }
                Unmanaged<SerialWorkerThread>.fromOpaque(context).takeRetainedValue().run()
                return nil
            }, context)
        if failure != 0 {
            Unmanaged<SerialWorkerThread>.fromOpaque(context).release()
            throw SystemCallFailure(cause: SystemCause(errno: failure))
        }
        pthread_detach(id)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        condition.deallocate()
        mutex.deallocate()
    }

    /// Queues `job`; returns false (and drops it) once the thread is stopping.
    @discardableResult
    func submit(_ job: @escaping @Sendable () -> Void) -> Bool {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        guard !stopping else { return false }
        jobs.append(job)
        pthread_cond_signal(condition)
        return true
    }

    /// Lets queued jobs finish, then ends the thread. Never blocks, so it is safe from the thread's own jobs.
    func stop() {
        pthread_mutex_lock(mutex)
        stopping = true
        pthread_cond_signal(condition)
        pthread_mutex_unlock(mutex)
    }

    /// Suspends the calling task until `deadline` (`CLOCK_MONOTONIC` nanoseconds); this thread resumes it then, so a
    /// task that prefers this executor continues here without another thread in between. Cancellation resumes it at
    /// once, from the cancelling thread, and throws.
    func sleep(untilMonotonic deadline: UInt64) async throws(CancellationError) {
        let sleeper = Sleeper(deadline: deadline)
        let cancelled = await withTaskCancellationHandler {
            await withUnsafeContinuation { (continuation: UnsafeContinuation<Bool, Never>) in
                pthread_mutex_lock(mutex)
                guard !sleeper.cancelled, !stopping else {
                    pthread_mutex_unlock(mutex)
                    continuation.resume(returning: sleeper.cancelled)
                    return
                }
                sleeper.continuation = continuation
                sleepers.append(sleeper)
                // The thread may be in a longer timed wait, or an untimed one: it recomputes its deadline.
                pthread_cond_signal(condition)
                pthread_mutex_unlock(mutex)
            }
        } onCancel: {
            pthread_mutex_lock(mutex)
            sleeper.cancelled = true
            let continuation = sleeper.continuation
            sleeper.continuation = nil
            if continuation != nil { sleepers.removeAll { $0 === sleeper } }
            pthread_mutex_unlock(mutex)
            continuation?.resume(returning: true)
        }
        if cancelled { throw CancellationError() }
    }

    private func run() {
        while let job = next() { job() }
    }

    /// The next job, or the wake-up of the sleepers whose deadline has passed; waits (until the earliest deadline) when
    /// there is neither. Nil once stopping with nothing queued.
    private func next() -> (() -> Void)? {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        while true {
            if head < jobs.count {
                let job = jobs[head]
                head += 1
                if head > 64 && head * 2 > jobs.count {
                    jobs.removeFirst(head)
                    head = 0
                }
                return job
            }
            if !sleepers.isEmpty, let wake = wakeSleepers(dueBy: stopping ? .max : monotonicNanoseconds()) {
                return wake
            }
            if stopping { return nil }
            if let earliest = sleepers.lazy.map(\.deadline).min() {
                var until = timespec(nanoseconds: earliest)
                pthread_cond_timedwait(condition, mutex, &until)
            } else {
                pthread_cond_wait(condition, mutex)
            }
        }
    }

    /// Takes the sleepers due by `now` out of the list (under `mutex`) and returns the job that resumes them, nil when
    /// none is due. On stopping all are woken: none is left suspended for ever (a poll loop holds its client, and so
    /// this thread, while it sleeps here, so that is not expected).
    private func wakeSleepers(dueBy now: UInt64) -> (() -> Void)? {
        var due: [(deadline: UInt64, continuation: UnsafeContinuation<Bool, Never>)] = []
        sleepers.removeAll { sleeper in
            guard sleeper.deadline <= now, let continuation = sleeper.continuation else { return false }
            sleeper.continuation = nil
            due.append((sleeper.deadline, continuation))
            return true
        }
        guard !due.isEmpty else { return nil }
        // Earliest first: a late wake-up (a long transaction) still resumes the sleepers in the order of their ticks.
        due.sort { $0.deadline < $1.deadline }
        return { for sleeper in due { sleeper.continuation.resume(returning: false) } }
    }
}

/// The thread as a task executor (`LinuxModbusClient.preferredExecutor`): a task that prefers it runs its code here,
/// between the jobs it queues with `submit`, in the same FIFO.
extension SerialWorkerThread: TaskExecutor {
    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        if !submit({ job.runSynchronously(on: executor) }) {
            // Stopping: only the client's deinit stops the thread, and a poll loop holds its client while it prefers
            // this executor, so this is not reached; were it reached, the job still runs, on the shared pool.
            globalConcurrentExecutor.enqueue(ExecutorJob(job))
        }
    }
}
