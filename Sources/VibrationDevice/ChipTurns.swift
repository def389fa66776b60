import Locking

/// Who holds the accelerometer for a sequence of transfers (a FIFO drain, an apply, the self-test, the read-back),
/// and who waits for it, served in the order they came.
///
/// Waiters suspend on a continuation that `release()` resumes, handing the chip over without freeing it in between,
/// so a drain arriving at that moment cannot slip ahead. A waiter whose task is cancelled keeps its place: the
/// sequence it guards still has to run whole and alone, and it neither spins nor is lost. (The loop this replaces,
/// `while busy { try? await Task.sleep(for: .milliseconds(2)) }`, polled the actor, and a cancelled waiter's sleep
/// returned at once, so it spun.)
final class ChipTurns: Sendable {
    private struct State {
        var held = false
        var waiting: [CheckedContinuation<Void, Never>] = []
    }

    private let state = Lock(State())

    /// Takes the chip when nobody holds it. - Returns: whether it was taken.
    func tryTake() -> Bool {
        state.withLock { state in
            guard !state.held else { return false }
            state.held = true
            return true
        }
    }

    /// Takes the chip, after everyone who asked before.
    func take() async {
        await withCheckedContinuation { (turn: CheckedContinuation<Void, Never>) in
            let now = state.withLock { state in
                guard state.held else {
                    state.held = true
                    return true
                }
                state.waiting.append(turn)
                return false
            }
            if now { turn.resume() }
        }
    }

    /// Hands the chip to the longest waiter, or frees it when nobody waits.
    func release() {
        let next: CheckedContinuation<Void, Never>? = state.withLock { state in
            precondition(state.held, "the chip was released by someone who did not hold it")
            guard !state.waiting.isEmpty else {
                state.held = false
                return nil
            }
            return state.waiting.removeFirst()
        }
        next?.resume()
    }

    /// How many wait for the chip.
    var waiting: Int { state.withLock { $0.waiting.count } }
}
