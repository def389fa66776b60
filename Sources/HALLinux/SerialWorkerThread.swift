import Glibc
import HAL

/// A dedicated thread running submitted jobs one at a time, in submission order.
///
/// Blocking C calls (libmodbus waits for a response with `select`) run here, off the cooperative pool; the FIFO order
/// is what makes a silent Modbus unit cost only its own timeout: every waiting request is served in turn.
///
/// `@unchecked Sendable`: `jobs`, `head` and `stopping` are guarded by `mutex` (waited on with `condition`); the
/// thread is detached and holds its own retain, so the object lives until the last job has run.
final class SerialWorkerThread: @unchecked Sendable {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private var jobs: [() -> Void] = []
    private var head = 0
    private var stopping = false

    /// Starts the thread; throws when the system refuses one.
    init() throws(SystemCallFailure) {
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(condition, nil)
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

    private func run() {
        while let job = next() { job() }
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

    private func next() -> (() -> Void)? {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        while head == jobs.count && !stopping { pthread_cond_wait(condition, mutex) }
        guard head < jobs.count else { return nil }
        let job = jobs[head]
        head += 1
        if head > 64 && head * 2 > jobs.count {
            jobs.removeFirst(head)
            head = 0
        }
        return job
    }
}
