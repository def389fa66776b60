public import AgentRuntime
public import FoundationEssentials
import HAL
import MQTTTransport
import VibrationLogic

/// Downloads a vibration capture from `vibrationd`: `get-capture` makes the daemon publish the `.vcap` file in
/// numbered chunks on `telemetry/capture` (each with the chunk count and the CRC-32 of the whole file); the chunks
/// are put back together and checked against that CRC-32 and the command result's.
public enum CaptureDownload {
    /// One stored capture, as `list-captures` answers.
    public struct Entry: Sendable, Hashable, Codable {
        /// The capture id, `capture-` and the trigger time in epoch milliseconds.
        public var id: String
        /// The size of its `.vcap` file.
        public var bytes: Int
    }

    /// The device's captures (`list-captures`).
    public static func list(
        _ identity: DeviceIdentity, on connection: FleetConnection, timeout: Duration
    ) async throws(FleetError) -> [Entry] {
        let call = CommandCall(target: identity, name: "list-captures")
        let result = try await call.run(on: connection, timeout: timeout)
        let answer = try accepted(result, call, connection)
        guard case .array(let items)? = answer["captures"] else { return [] }
        return items.compactMap { item in
            guard let id = item["id"]?.stringValue, let bytes = item["bytes"]?.intValue else { return nil }
            return Entry(id: id, bytes: bytes)
        }
    }

    /// The capture's `.vcap` bytes, CRC-checked. `progress` is called with (chunks received, chunk count, bytes
    /// received) after each new chunk. `timeout` is the longest wait for the next message.
    public static func get(
        _ identity: DeviceIdentity, id: String, chunkSize: Int, on connection: FleetConnection, timeout: Duration,
        progress: (Int, Int, Int) -> Void = { _, _, _ in }
    ) async throws(FleetError) -> Data {
        let topic = TopicScheme(identity: identity).telemetry("capture")
        try await connection.subscribe([topic])
        let call = CommandCall(
            target: identity, name: "get-capture",
            arguments: ["id": .string(id), "chunk_size": .number(Double(chunkSize))])
        try await call.send(on: connection)
        var chunks: [Int: CaptureChunk] = [:]
        var count: Int?
        var result: CommandResult?
        var bytes = 0
        while result == nil || count.map({ chunks.count < $0 }) ?? true {
            guard let message = await connection.next(before: .now + timeout) else {
                let have = count.map { "\(chunks.count) of \($0) chunks" } ?? "no chunk"
                throw FleetError(
                    .timeout, broker: connection.broker,
                    detail:
                        "capture \(id) from \(identity): \(have) and \(result == nil ? "no result" : "the result") within \(timeout) of the last message"
                )
            }
            if let answer = try call.result(in: message, clientID: connection.clientID) {
                _ = try accepted(answer, call, connection)
                result = answer
                continue
            }
            guard message.topic == topic, let chunk = decodeChunk(message.payload), chunk.captureID == id,
                chunks[chunk.index] == nil
            else { continue }
            chunks[chunk.index] = chunk
            count = chunk.count
            bytes += chunk.payload.count
            progress(chunks.count, chunk.count, bytes)
        }
        let data: Data
        do {
            data = try CaptureChunk.reassemble(Array(chunks.values))
        } catch {
            throw FleetError(.corrupt, broker: connection.broker, detail: "capture \(id) from \(identity): \(error)")
        }
        let checksum = CRC32.checksum(data)
        if let announced = result?.result?["crc32"]?.intValue, UInt32(truncatingIfNeeded: announced) != checksum {
            throw FleetError(
                .corrupt, broker: connection.broker,
                detail: "capture \(id): CRC-32 \(String(checksum, radix: 16)) differs from the result's "
                    + String(announced, radix: 16))
        }
        return data
    }

    /// The chunk in a `telemetry/capture` payload; nil when it is not one.
    static func decodeChunk(_ payload: [UInt8]) -> CaptureChunk? {
        guard let document = JSONText.decode(payload), let id = document["id"]?.stringValue,
            let index = document["index"]?.intValue, let count = document["count"]?.intValue,
            let total = document["total_bytes"]?.intValue, let crc = document["crc32"]?.intValue,
            let text = document["data"]?.stringValue, let bytes = Data(base64Encoded: text)
        else { return nil }
        return CaptureChunk(
            captureID: id, index: index, count: count, totalBytes: total, crc32: UInt32(truncatingIfNeeded: crc),
            payload: bytes)
    }

    /// The result's `result` when accepted; otherwise the error with the device's reason.
    private static func accepted(
        _ result: CommandResult?, _ call: CommandCall, _ connection: FleetConnection
    ) throws(FleetError) -> JSONValue {
        guard let result else {
            throw FleetError(
                .timeout, broker: connection.broker, detail: "no answer to \(call.name) from \(call.target)")
        }
        let why =
            "\(call.target) \(call.name): \(result.status.rawValue) \(result.reason ?? "") \(result.message ?? "")"
        switch result.status {
        case .accepted: return result.result ?? .null
        case .rejected: throw FleetError(.rejected, broker: connection.broker, detail: why)
        case .failed: throw FleetError(.failedOnDevice, broker: connection.broker, detail: why)
        }
    }
}
