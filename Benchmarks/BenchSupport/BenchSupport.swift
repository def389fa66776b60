public import CurbsideTestKit
import Foundation
import HAL
import Locking
import MQTTTransport

/// What the daemon benchmarks share: percentiles and their one-line summary, line-at-once output, and the broker
/// flood that loads the machine.
public enum BenchFigures {
    public static func percentile(_ values: [Duration], _ fraction: Double) -> Duration {
        let sorted = values.sorted()
        return sorted[min(sorted.count - 1, Int((Double(sorted.count) * fraction).rounded(.up)) - 1)]
    }

    public static func milliseconds(_ duration: Duration) -> Double { Double(duration.totalNanoseconds) / 1e6 }

    public static func summary(_ values: [Duration]) -> String {
        guard !values.isEmpty else { return "no figures" }
        return String(
            format: "p50 %.2f ms  p99 %.2f ms  max %.2f ms", milliseconds(percentile(values, 0.5)),
            milliseconds(percentile(values, 0.99)), milliseconds(values.max() ?? .zero))
    }

    public static func ratio(_ measured: [Duration], _ floor: [Duration], _ fraction: Double) -> Double {
        milliseconds(percentile(measured, fraction)) / milliseconds(percentile(floor, fraction))
    }
}

/// One line to standard output at once (not block-buffered into a pipe), so a run cut short shows how far it got.
public func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

/// The `reaction_ms` figures of a daemon's event messages (those `accept` takes).
public final class ReportedReactions: Sendable {
    private let figures = Lock<[Duration]>([])
    private let accept: @Sendable ([String: Any]) -> Bool

    public init(accept: @escaping @Sendable ([String: Any]) -> Bool = { _ in true }) {
        self.accept = accept
    }

    public func add(_ payload: String) {
        guard let data = payload.data(using: .utf8),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any], accept(object),
            let milliseconds = object["reaction_ms"] as? Double
        else { return }
        figures.withLock { $0.append(.nanoseconds(Int64(milliseconds * 1e6))) }
    }

    public func reset() { figures.withLock { $0 = [] } }
    public func reactions() -> [Duration] { figures.withLock { $0 } }
}

/// Telemetry-sized messages through the broker to a `mosquitto_sub`, at a fixed rate, competing for the CPU.
public final class Flood: Sendable {
    private let client: MosquittoClient
    private let subscriber: SpawnedProcess
    private let task: Task<Void, Never>

    private init(client: MosquittoClient, subscriber: SpawnedProcess, task: Task<Void, Never>) {
        self.client = client
        self.subscriber = subscriber
        self.task = task
    }

    public static func start(broker: MosquittoBroker, perSecond: Int) async throws -> Flood {
        let subscriber = try SpawnedProcess(
            "mosquitto_sub", ["-p", String(broker.port), "-t", "curb/v1/bench/load/#"],
            outputFile: URL(fileURLWithPath: "/dev/null"))
        let client = try MosquittoClient(
            configuration: MQTTConfiguration(url: broker.url, clientID: "bench-flood", cleanStart: true))
        client.start()
        let payload = String(repeating: "x", count: 300)
        let task = Task {
            let clock = ContinuousClock()
            var next = clock.now
            let batch = max(1, perSecond / 100)
            while !Task.isCancelled {
                for index in 0..<batch {
                    _ = try? client.publish(
                        MQTTMessage(topic: "curb/v1/bench/load/device-\(index % 20)/telemetry/t", string: payload))
                }
                next += .milliseconds(10)
                try? await Task.sleep(until: next, clock: clock)
            }
        }
        try await Task.sleep(for: .seconds(1))
        return Flood(client: client, subscriber: subscriber, task: task)
    }

    public func stop() {
        task.cancel()
        client.disconnect()
        subscriber.signal(SIGTERM)
    }
}
