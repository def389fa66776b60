import CurbsideTestKit
import Glibc
import Synchronization
import Testing

@testable import MQTTTransport

/// `disconnect()` joins the client's network thread: nothing of that thread outlives the call.
@Suite("MosquittoClient network thread", .serialized, .timeLimit(.minutes(1)))
struct NetworkThreadTests {
    /// OpenSSL frees its per-thread state in a thread-exit destructor (a `pthread_key` one); this test gives the
    /// network thread such a destructor of its own. A `disconnect()` that only waits for the thread's loop returns
    /// before the destructor has run: `curbctl` then exited with OpenSSL's state allocated and LeakSanitizer reported
    /// it. The destructor sleeps 200 ms so that such a `disconnect()` returns first on every run; a `disconnect()`
    /// that joins the thread waits for it, however long it takes.
    @Test("disconnect() returns only after the network thread's thread-exit destructors have run")
    func disconnectJoinsTheNetworkThread() async throws {
        let broker = try MosquittoBroker()
        try await broker.start()
        let client = try MosquittoClient(configuration: MQTTConfiguration(url: broker.url, clientID: "curb-test-join"))
        let probe = try ThreadExitProbe(destructorPause: 200_000)
        client.onNetworkThreadStart { probe.arm() }
        let events = EventRecorder(client)
        client.start()
        _ = try await events.connected()
        client.disconnect()
        #expect(probe.armed == 1)
        #expect(probe.destructorsRun == 1)
    }

    @Test("disconnect() on the network thread itself returns (it cannot join itself); the thread ends and is joined")
    func disconnectFromTheNetworkThread() async throws {
        // No broker: the thread stops itself before its first connect.
        let client = try MosquittoClient(
            configuration: MQTTConfiguration(url: "mqtt://127.0.0.1:1", clientID: "curb-test-self"))
        let probe = try ThreadExitProbe(destructorPause: 0)
        client.onNetworkThreadStart { [weak client] in
            probe.arm()
            client?.disconnect()
        }
        client.start()
        // The thread ends by itself, nobody waiting for it (bounded by the time limit).
        while probe.destructorsRun == 0 {
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(probe.armed == 1)
        // The next stop joins it; start() then starts a new thread, which stops itself too and is joined by the last.
        client.disconnect()
        client.start()
        while probe.armed < 2 {
            try await Task.sleep(for: .milliseconds(10))
        }
        client.disconnect()
        #expect(probe.destructorsRun == 2)
    }
}

/// Counts thread exits of the threads that called `arm()`, through a `pthread_key` destructor like OpenSSL's.
private final class ThreadExitProbe: Sendable {
    private let key: pthread_key_t
    private let counts = Atomic<Int>(0)
    private let exits = Atomic<Int>(0)
    let destructorPause: UInt32

    init(destructorPause microseconds: UInt32) throws {
        var key = pthread_key_t()
        let status = pthread_key_create(&key) { value in
            guard let value else { return }
            let probe = Unmanaged<ThreadExitProbe>.fromOpaque(value).takeRetainedValue()
            if probe.destructorPause > 0 { usleep(probe.destructorPause) }
            probe.exits.add(1, ordering: .sequentiallyConsistent)
        }
        guard status == 0 else { throw TestKitError("pthread_key_create: \(String(cString: strerror(status)))") }
        self.key = key
        self.destructorPause = microseconds
    }

    deinit {
        pthread_key_delete(key)
    }

    /// Threads that called `arm()`.
    var armed: Int { counts.load(ordering: .sequentiallyConsistent) }
    /// Destructors that have finished (threads that called `arm()` and exited).
    var destructorsRun: Int { exits.load(ordering: .sequentiallyConsistent) }

    /// Gives the calling thread a value for the key, so the destructor runs when the thread exits.
    func arm() {
        counts.add(1, ordering: .sequentiallyConsistent)
        pthread_setspecific(key, Unmanaged.passRetained(self).toOpaque())
    }
}
