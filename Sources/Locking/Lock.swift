#if CURBSIDE_TSAN
    #if canImport(Glibc)
        import Glibc
    #elseif canImport(Darwin)
        import Darwin
    #endif
#else
    public import Synchronization
#endif

/// The project's one lock around shared state: `Synchronization.Mutex` in every normal build, a `pthread_mutex_t`
/// when built with the compilation condition `CURBSIDE_TSAN` (`make sanitize` sets it for its ThreadSanitizer run).
///
/// Why two: on Linux `Mutex` locks with futexes inside the uninstrumented standard library, so ThreadSanitizer sees
/// no happens-before edge and reports every `Mutex`-guarded access as a race (`docs`: README "Sanitizers"). TSan
/// intercepts `pthread_mutex_lock`/`pthread_mutex_unlock` (the corresponding C functions), so under `CURBSIDE_TSAN`
/// the same `withLock` is visible to it, and what TSan still reports is a real race. In the normal build `Lock`
/// is a single stored `Mutex` and `withLock` is `@_transparent`, inlined even at `-Onone`: the code is `Mutex`'s.
#if CURBSIDE_TSAN
    public struct Lock<Value: ~Copyable>: ~Copyable {
        // Heap cells: a pthread mutex must not move once initialized, and `withLock` borrows `self`.
        private let mutex: UnsafeMutablePointer<pthread_mutex_t>
        private let value: UnsafeMutablePointer<Value>

        /// Creates a lock holding `initialValue` (`pthread_mutex_init`).
        public init(_ initialValue: consuming sending Value) {
            mutex = .allocate(capacity: 1)
            mutex.initialize(to: pthread_mutex_t())
            let status = pthread_mutex_init(mutex, nil)
            precondition(status == 0, "pthread_mutex_init failed: errno \(status)")
            value = .allocate(capacity: 1)
            value.initialize(to: initialValue)
        }

        deinit {
            pthread_mutex_destroy(mutex)
            mutex.deallocate()
            value.deinitialize(count: 1)
            value.deallocate()
        }

        /// Runs `body` with exclusive access to the value (`pthread_mutex_lock` … `pthread_mutex_unlock`).
        public borrowing func withLock<Result: ~Copyable, E: Error>(
            _ body: (inout sending Value) throws(E) -> sending Result
        ) throws(E) -> sending Result {
            pthread_mutex_lock(mutex)
            defer { pthread_mutex_unlock(mutex) }
            return try body(&value.pointee)
        }
    }

    // The pthread mutex serializes every access to `value`, as `Mutex`'s own conformance says of its lock.
    extension Lock: @unchecked Sendable where Value: ~Copyable {}
#else
    public struct Lock<Value: ~Copyable>: ~Copyable, Sendable {
        @usableFromInline let mutex: Mutex<Value>

        /// Creates a lock holding `initialValue` (`Mutex.init`).
        @_transparent
        public init(_ initialValue: consuming sending Value) {
            mutex = Mutex(initialValue)
        }

        /// Runs `body` with exclusive access to the value (`Mutex.withLock`).
        @_transparent
        public borrowing func withLock<Result: ~Copyable, E: Error>(
            _ body: (inout sending Value) throws(E) -> sending Result
        ) throws(E) -> sending Result {
            try mutex.withLock(body)
        }
    }
#endif
