import AgentRuntime
import CurbsideTestKit
import Foundation
import HAL
import Locking
import MQTTTransport
import Testing
import VibrationLogic

extension CurbctlEndToEnd {
    /// A capture whose bytes were damaged on the way is refused, never written. The real daemon never sends one, so a
    /// stand-in device on the real broker answers `get-capture` with the chunks of a real capture, one byte flipped in
    /// the middle chunk (the chunks' CRC-32 is the undamaged file's, as the daemon computes it).
    @Suite("curbctl capture: CRC check", .serialized)
    struct CaptureChecksumTests {
        @Test("a chunk damaged in transit fails the CRC-32 check: exit 1, no file written")
        func damagedChunk() async throws {
            let broker = try MosquittoBroker(persistence: false)
            try await broker.start()
            defer { Task { await broker.stop() } }
            let capture = Capture(
                start: Timestamp(secondsSinceEpoch: 1_764_000_000), outputDataRateHz: 100, triggerIndex: 10,
                reason: "capture-now",
                samples: Triaxial(
                    x: (0..<50).map { Float($0) }, y: Array(repeating: 0, count: 50), z: Array(repeating: 1, count: 50))
            )
            var chunks = CaptureChunk.split(capture.encoded(), captureID: capture.id, size: 256)
            #expect(chunks.count == 3)
            chunks[1].payload[17] ^= 0x40
            let device = try await StandInDevice.start(url: broker.url, chunks: chunks)
            defer { device.stop() }

            let output = FileManager.default.temporaryDirectory.appendingPathComponent(
                "damaged-\(UUID().uuidString.prefix(6)).csv")
            let result = try await ToolRun.run(
                try ExecutableLookup.builtProduct("curbctl"),
                ["capture", "get", "hil/vibration/fake-1", capture.id, "-o", output.path, "--broker", broker.url])
            #expect(result.status == 1, "\(result.output)")
            #expect(result.output.contains("checksum mismatch: CRC-32"), "\(result.output)")
            #expect(!FileManager.default.fileExists(atPath: output.path))
        }
    }
}

/// Answers `get-capture` on `curb/v1/hil/vibration/fake-1` with the given chunks and a result, as vibrationd does.
final class StandInDevice: Sendable {
    private let client: MosquittoClient
    private let task = Lock<Task<Void, Never>?>(nil)
    private let subscribed = Lock(false)

    private init(client: MosquittoClient) { self.client = client }

    static func start(url: String, chunks: [CaptureChunk]) async throws -> StandInDevice {
        let client = try MosquittoClient(
            configuration: MQTTConfiguration(
                url: url, clientID: "stand-in-\(UUID().uuidString.prefix(6))", cleanStart: true))
        let device = StandInDevice(client: client)
        let events = client.events
        let prefix = "curb/v1/hil/vibration/fake-1"
        let running = Task {
            for await event in events {
                switch event {
                case .connected: _ = try? client.subscribe("\(prefix)/cmd/+")
                case .subscribed: device.subscribed.withLock { $0 = true }
                case .message(let request) where request.topic == "\(prefix)/cmd/get-capture":
                    let id = (try? JSONDecoder().decode(JSONValue.self, from: Data(request.payload)))?["id"]
                    for chunk in chunks {
                        let document: JSONValue = [
                            "ts": "2026-12-02T10:00:00.000Z", "seq": 1, "id": .string(chunk.captureID),
                            "index": .number(Double(chunk.index)), "count": .number(Double(chunk.count)),
                            "total_bytes": .number(Double(chunk.totalBytes)), "crc32": .number(Double(chunk.crc32)),
                            "data": .string(chunk.payload.base64EncodedString()),
                        ]
                        _ = try? client.publish(
                            MQTTMessage(
                                topic: "\(prefix)/telemetry/capture",
                                payload: Array(try! JSONEncoder().encode(document))))
                    }
                    let result: JSONValue = [
                        "id": id ?? .null, "command": "get-capture", "status": "accepted",
                        "ts": "2026-12-02T10:00:00.000Z",
                        "result": [
                            "crc32": .number(Double(chunks[0].crc32)), "chunks": .number(Double(chunks.count)),
                        ],
                    ]
                    _ = try? client.publish(
                        MQTTMessage(
                            topic: request.responseTopic ?? "\(prefix)/cmd/get-capture/result",
                            payload: Array(try! JSONEncoder().encode(result)),
                            correlationData: request.correlationData))
                default: break
                }
            }
        }
        device.task.withLock { $0 = running }
        client.start()
        guard try await waitUntil(.seconds(30), { device.subscribed.withLock { $0 } }) else {
            throw TestKitError("the stand-in device did not subscribe on \(url)")
        }
        return device
    }

    func stop() {
        client.disconnect()
        client.finishEvents()
    }
}
