import CFFTW
import FoundationEssentials
import Glibc

/// FFTW's planner (plan creation and destruction) is not thread-safe; only `fftw_execute` on distinct plans is
/// (FFTW 3 manual §5.4 "Thread safety"). Every planner call in the process goes through this lock.
/// (A pthread mutex rather than `Mutex`: the plan returned from under the lock refers to buffers owned outside it,
/// which `Mutex.withLock`'s `sending` result does not allow; and not `NSLock`, which needs the full Foundation.)
private let plannerLock = PlannerLock()

// @unchecked: the pointer is never reassigned and the mutex it points to is the synchronisation.
private final class PlannerLock: @unchecked Sendable {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t> = {
        let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
        pthread_mutex_init(mutex, nil)
        return mutex
    }()

    func lock() { pthread_mutex_lock(mutex) }
    func unlock() { pthread_mutex_unlock(mutex) }
}

/// A one-sided power spectrum of real signals of one fixed length, through one reused FFTW plan.
///
/// The only place that touches FFTW. One instance is owned by one ``WindowAnalyzer`` and used from one task at a
/// time; its buffers are FFTW-aligned (`fftw_alloc_real`, `fftw_alloc_complex`) and freed in `deinit`.
final class RealFFT {
    /// Samples per transform.
    let length: Int
    private let input: UnsafeMutablePointer<Double>
    private let output: UnsafeMutablePointer<fftw_complex>
    private let plan: fftw_plan

    /// Plans a real-to-complex transform of `length` samples (`fftw_plan_dft_r2c_1d` with `FFTW_ESTIMATE`, which
    /// does not overwrite the buffers while planning and takes microseconds).
    init(length: Int) {
        precondition(length >= 2 && length <= Int(Int32.max), "FFT length \(length) out of range")
        self.length = length
        guard let input = fftw_alloc_real(length), let output = fftw_alloc_complex(length / 2 + 1) else {
            preconditionFailure("fftw_alloc failed for an FFT of \(length) samples")
        }
        self.input = input
        self.output = output
        plannerLock.lock()
        let plan = fftw_plan_dft_r2c_1d(Int32(length), input, output, UInt32(FFTW_ESTIMATE))
        plannerLock.unlock()
        guard let plan else { preconditionFailure("fftw_plan_dft_r2c_1d failed for \(length) samples") }
        self.plan = plan
    }

    deinit {
        plannerLock.lock()
        fftw_destroy_plan(plan)
        plannerLock.unlock()
        fftw_free(input)
        fftw_free(output)
    }

    /// The squared magnitudes |X_k|² for k = 0 … length/2 of the DFT of `signal` (exactly `length` values).
    func squaredMagnitudes(of signal: [Double]) -> [Double] {
        precondition(signal.count == length, "expected \(length) samples, got \(signal.count)")
        for index in 0..<length { input[index] = signal[index] }
        fftw_execute(plan)
        return (0...(length / 2)).map { bin in
            let (real, imaginary) = output[bin]
            return real * real + imaginary * imaginary
        }
    }
}
