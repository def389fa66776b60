import AgentRuntime
import VibrationDevice
import VibrationLogic

/// `calibrate`, `self-test`, `capture-now`, `list-captures`, `get-capture`.
enum VibrationCommands {
    struct Calibrate: Decodable, Sendable { var seconds: Double? }
    struct GetCapture: SnakeCaseArguments, Sendable {
        var id: String
        var chunkSize: Int?
    }

    static func register(on router: CommandRouter, controller: VibrationController) async {
        await router.register("calibrate", arguments: Calibrate.self) { args in
            let seconds = args.seconds ?? 2
            guard (0.1...60).contains(seconds) else {
                return .rejected(reason: "out-of-range", message: "seconds must be 0.1…60")
            }
            await controller.calibrate(seconds: seconds)
            return .accepted(["averaging_s": .number(seconds), "note": "result in event/calibrated"])
        }
        await router.register("self-test") {
            let (passed, details) = await controller.selfTest()
            var result = details
            result["passed"] = .bool(passed)
            return .accepted(.object(result))
        }
        await router.register("capture-now") {
            guard await controller.captureNow() else {
                return .rejected(reason: "busy", message: "a capture is already running")
            }
            return .accepted(["note": "result in event/capture-stored, or event/capture-failed with the reason"])
        }
        await router.register("list-captures") {
            do {
                let captures = try await controller.listCaptures()
                return .accepted([
                    "captures": .array(
                        captures.map { ["id": .string($0.id), "bytes": .number(Double($0.sizeBytes))] })
                ])
            } catch {
                throw CommandFailure(message: "\(error)")
            }
        }
        await router.register("get-capture", arguments: GetCapture.self) { args in
            let size = args.chunkSize ?? 32_768
            guard (256...262_144).contains(size) else {
                return .rejected(reason: "out-of-range", message: "chunk_size must be 256…262144 bytes")
            }
            guard CaptureStore.isValidID(args.id) else {
                return .rejected(reason: "invalid-arguments", message: "args.id: not a capture id")
            }
            do {
                let sent = try await controller.sendCapture(id: args.id, chunkSize: size)
                return .accepted([
                    "id": .string(args.id), "chunks": .number(Double(sent.chunks)),
                    "bytes": .number(Double(sent.bytes)),
                    "crc32": .number(Double(sent.crc32)), "topic": "telemetry/capture",
                ])
            } catch let error as CaptureSendError {
                // Chunks before this one went out; the result says which one failed and why (often: too large for
                // the broker — ask again with a smaller chunk_size).
                return .rejected(reason: "not-sent", message: "\(error)")
            } catch {
                return .rejected(reason: "not-found", message: "\(error)")
            }
        }
    }
}
