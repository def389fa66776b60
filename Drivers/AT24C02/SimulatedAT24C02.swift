public import HAL
import Locking

/// A byte-level model of the AT24C02 for `SimulatedI2CBus` (datasheet 5126H–SEEPR–8/07).
///
/// Modelled: the 256-byte array and the internal data word address counter; page writes that wrap inside their
/// 8-byte page ("Write Operations", PAGE WRITE); sequential reads that roll over from 0xFF to 0x00
/// ("Read Operations", CURRENT ADDRESS READ); data latched at STOP, followed by a write cycle during which the chip
/// NACKs its address ("Write Operations", ACKNOWLEDGE POLLING). See README.md for what is not modelled.
public final class SimulatedAT24C02: SimulatedI2CChip {
    /// How long the chip stays busy after a write.
    public enum WriteCycle: Sendable, Hashable {
        /// Busy for this long in real time, as the part is (tWR up to 5 ms).
        case timed(Duration)
        /// Busy for this many addressing attempts, then ready: deterministic timing for tests.
        case addressAttempts(Int)
    }

    private enum Busy {
        case idle
        case until(ContinuousClock.Instant)
        case attempts(Int)
        case held
    }

    private struct State {
        var memory: [UInt8]
        var pointer: UInt8 = 0
        /// Data bytes received in the current transfer, with the address each goes to; committed at STOP.
        var pending: [(address: UInt8, value: UInt8)] = []
        var busy: Busy = .idle
        var writeCycle: WriteCycle
        var writeCycles = 0
        var nacksDuringWriteCycle = 0
    }

    private let state: Lock<State>

    /// - Parameters:
    ///   - contents: the initial array (padded with 0xFF, the erased state, or cut to 256 bytes).
    ///   - writeCycle: how the write cycle after each write behaves.
    public init(contents: [UInt8] = [], writeCycle: WriteCycle = .timed(AT24C02.writeCycleTime)) {
        var memory = Array(contents.prefix(AT24C02.memorySize))
        memory += [UInt8](repeating: 0xFF, count: AT24C02.memorySize - memory.count)
        self.state = Lock(State(memory: memory, writeCycle: writeCycle))
    }

    // MARK: Test hooks

    /// The whole array, as a programmer would dump it; setting it preloads the chip without a write cycle.
    public var contents: [UInt8] {
        get { state.withLock { $0.memory } }
        set {
            precondition(newValue.count == AT24C02.memorySize, "the AT24C02 holds exactly 256 bytes")
            state.withLock { $0.memory = newValue }
        }
    }

    /// The internal data word address counter.
    public var addressPointer: UInt8 { state.withLock { $0.pointer } }

    /// How many internal write cycles have started (one per page write).
    public var writeCycleCount: Int { state.withLock { $0.writeCycles } }

    /// How many addressing attempts the chip has NACKed because a write cycle was running.
    public var nacksDuringWriteCycle: Int { state.withLock { $0.nacksDuringWriteCycle } }

    /// Changes the write-cycle model for later writes.
    public func setWriteCycle(_ writeCycle: WriteCycle) {
        state.withLock { $0.writeCycle = writeCycle }
    }

    /// Keeps the chip busy (NACKing) until `finishWriteCycle()`: a chip whose write never completes.
    public func holdWriteCycle() {
        state.withLock { $0.busy = .held }
    }

    /// Ends a running write cycle now.
    public func finishWriteCycle() {
        state.withLock { $0.busy = .idle }
    }

    /// Whether a write cycle is running (the chip would NACK its address now).
    public var isBusy: Bool { state.withLock { Self.isBusy(&$0, consumeAttempt: false) } }

    // MARK: SimulatedI2CChip

    /// A write message: data word address, then data bytes latched for the page (committed at STOP). NACKs while
    /// a write cycle runs.
    public func received(_ bytes: [UInt8]) throws(SimulatedI2CFault) {
        try state.withLock { state throws(SimulatedI2CFault) in
            guard !Self.isBusy(&state, consumeAttempt: true) else {
                state.nacksDuringWriteCycle += 1
                throw .nack
            }
            guard let wordAddress = bytes.first else { return }
            state.pointer = wordAddress
            // The lower three address bits count within the page and wrap; the page itself never changes.
            let pageStart = wordAddress & ~UInt8(AT24C02.pageSize - 1)
            let pageMask = UInt8(AT24C02.pageSize - 1)
            var inPage = wordAddress & pageMask
            for value in bytes.dropFirst() {
                state.pending.append((pageStart | inPage, value))
                inPage = (inPage + 1) & pageMask
            }
            if bytes.count > 1 { state.pointer = pageStart | inPage }
        }
    }

    /// A read message: bytes from the address counter, rolling over at the end of memory. NACKs while a write cycle
    /// runs.
    public func transmit(count: Int) throws(SimulatedI2CFault) -> [UInt8] {
        try state.withLock { state throws(SimulatedI2CFault) -> [UInt8] in
            guard !Self.isBusy(&state, consumeAttempt: true) else {
                state.nacksDuringWriteCycle += 1
                throw .nack
            }
            var bytes: [UInt8] = []
            bytes.reserveCapacity(count)
            for _ in 0..<count {
                bytes.append(state.memory[Int(state.pointer)])
                // Sequential reads roll over from the last byte of the last page to the first byte of the first.
                state.pointer &+= 1
            }
            return bytes
        }
    }

    /// STOP after a write with data bytes commits them and starts the write cycle (datasheet: Byte Write).
    public func stop() {
        state.withLock { state in
            guard !state.pending.isEmpty else { return }
            // Later bytes for the same cell win: more than 8 data bytes overwrite earlier ones in the page.
            for (address, value) in state.pending { state.memory[Int(address)] = value }
            state.pending.removeAll()
            state.writeCycles += 1
            switch state.writeCycle {
            case .timed(let duration): state.busy = .until(.now + duration)
            case .addressAttempts(let attempts): state.busy = attempts > 0 ? .attempts(attempts) : .idle
            }
        }
    }

    private static func isBusy(_ state: inout State, consumeAttempt: Bool) -> Bool {
        switch state.busy {
        case .idle:
            return false
        case .held:
            return true
        case .until(let end):
            if ContinuousClock.now < end { return true }
            state.busy = .idle
            return false
        case .attempts(let left):
            guard consumeAttempt else { return true }
            state.busy = left > 1 ? .attempts(left - 1) : .idle
            return true
        }
    }
}
