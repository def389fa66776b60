import Locking
import Testing

@testable import VibrationDevice

/// The accelerometer's turns: sequences that wait for the chip get it in the order they asked, each exactly once,
/// and a cancelled waiter neither spins nor loses its place (nor anyone else's).
@Suite("Chip turns")
struct ChipTurnsTests {
    /// The order in which waiters held the chip.
    final class Order: Sendable {
        private let held = Lock<[Int]>([])
        func append(_ index: Int) { held.withLock { $0.append(index) } }
        var indices: [Int] { held.withLock { $0 } }
    }

    /// Starts `count` waiters one after the other (each queued before the next starts); each records its index when
    /// it holds the chip, then releases it.
    func queueWaiters(_ count: Int, on turns: ChipTurns, into order: Order) async -> [Task<Void, Never>] {
        var tasks: [Task<Void, Never>] = []
        for index in 0..<count {
            tasks.append(
                Task {
                    await turns.take()
                    order.append(index)
                    turns.release()
                })
            while turns.waiting < index + 1 { await Task.yield() }
        }
        return tasks
    }

    @Test("waiters get the chip in the order they asked, each once, and the chip is free after the last")
    func fifo() async {
        let turns = ChipTurns()
        #expect(turns.tryTake())
        #expect(!turns.tryTake(), "held")
        let order = Order()
        let tasks = await queueWaiters(50, on: turns, into: order)
        #expect(order.indices.isEmpty, "nobody runs while the chip is held")
        turns.release()
        for task in tasks { await task.value }
        #expect(order.indices == Array(0..<50))
        #expect(turns.waiting == 0)
        #expect(turns.tryTake(), "free again")
    }

    @Test("a cancelled waiter keeps its place and runs once; the waiters behind it are not lost")
    func cancelledWaiterKeepsItsPlace() async {
        let turns = ChipTurns()
        #expect(turns.tryTake())
        let order = Order()
        let tasks = await queueWaiters(5, on: turns, into: order)
        tasks[1].cancel()
        tasks[3].cancel()
        turns.release()
        for task in tasks { await task.value }
        #expect(order.indices == [0, 1, 2, 3, 4])
        #expect(turns.tryTake())
    }

    @Test("a drain's tryTake does not slip in while the chip is handed from one holder to the next")
    func handOverKeepsTheChipHeld() async {
        let turns = ChipTurns()
        #expect(turns.tryTake())
        let order = Order()
        let next = Task {
            await turns.take()
            order.append(1)
        }
        while turns.waiting < 1 { await Task.yield() }
        turns.release()
        #expect(!turns.tryTake(), "handed to the waiter, not freed")
        await next.value
        #expect(order.indices == [1])
        turns.release()
        #expect(turns.tryTake())
    }
}
