import Glibc
import HAL
import HALLinux
import Testing

/// `LinuxModbusClient.sleep(until:)`: the poll loop's tick kept on the client's owner thread. No peer: a sleep never
/// touches the connection (nothing listens on the port, nothing is connected).
@Suite("Linux Modbus client: sleeping on the owner thread")
struct OwnerThreadSleepTests {
    static func client() throws -> LinuxModbusClient {
        try LinuxModbusClient.tcp(ModbusTCPConfiguration(host: "127.0.0.1", port: 9))
    }

    @Test(
        "a cancelled sleep wakes at once, long before its deadline, and throws CancellationError",
        .timeLimit(.minutes(1)), arguments: [true, false])
    func cancelled(onOwnerThread: Bool) async throws {
        let client = try Self.client()
        let deadline = ContinuousClock.now + .seconds(3600)
        let (started, starting) = AsyncStream.makeStream(of: Void.self)
        let sleeper = Task {
            await withTaskExecutorPreference(onOwnerThread ? client.preferredExecutor : nil) {
                starting.yield()
                do throws(CancellationError) {
                    try await client.sleep(until: deadline)
                    return false
                } catch {
                    return true
                }
            }
        }
        for await _ in started { break }
        // Either order is a valid test: cancelled while armed (the handler resumes it) or before (it never arms).
        try await Task.sleep(for: .milliseconds(50))
        sleeper.cancel()
        #expect(await sleeper.value, "the sleep returned instead of throwing CancellationError")
        #expect(ContinuousClock.now < deadline)
    }

    @Test("a sleep in an already cancelled task throws without waiting", .timeLimit(.minutes(1)))
    func alreadyCancelled() async throws {
        let client = try Self.client()
        let threw = await withTaskExecutorPreference(client.preferredExecutor) {
            withUnsafeCurrentTask { $0?.cancel() }
            do throws(CancellationError) {
                try await client.sleep(until: .now + .seconds(3600))
                return false
            } catch {
                return true
            }
        }
        #expect(threw)
    }

    @Test("sleepers wake in deadline order, none before its deadline, whatever order they came in")
    func order() async throws {
        let client = try Self.client()
        let start = ContinuousClock.now
        let woken = await withTaskGroup(of: (index: Int, onTime: Bool).self) { group in
            for index in [3, 1, 2, 0] {
                group.addTask(executorPreference: client.preferredExecutor) {
                    let deadline = start + .milliseconds(100 * (index + 1))
                    try? await client.sleep(until: deadline)
                    return (index, ContinuousClock.now >= deadline)
                }
            }
            var woken: [(index: Int, onTime: Bool)] = []
            for await sleeper in group { woken.append(sleeper) }
            return woken
        }
        #expect(woken.map(\.index) == [0, 1, 2, 3])
        #expect(woken.filter { !$0.onTime }.isEmpty, "woke before its deadline: \(woken)")
    }

    @Test("a loop sleeping until start + k × period keeps its schedule while each tick costs time (by count)")
    func noDrift() async throws {
        let client = try Self.client()
        let period = Duration.milliseconds(10)
        let ticks = 50
        let inSlot = await withTaskExecutorPreference(client.preferredExecutor) {
            let start = ContinuousClock.now
            var inSlot = 0
            for tick in 1...ticks {
                let deadline = start + period * tick
                try? await client.sleep(until: deadline)
                let woke = ContinuousClock.now
                // Woke within its own slot, before the next tick's deadline: a schedule that drifts (a relative sleep
                // after 3 ms of work) leaves its slots after the first few ticks and stays out.
                if woke >= deadline && woke < deadline + period { inSlot += 1 }
                // A transaction's worth of blocking work on the owner thread.
                var pause = timespec(tv_sec: 0, tv_nsec: 3_000_000)
                nanosleep(&pause, nil)
            }
            return inSlot
        }
        #expect(inSlot >= ticks / 2, "\(inSlot) of \(ticks) ticks woke in their slot")
    }
}
