import AgentRuntime
import CurbsideTestKit
import DeviceTestKit
import Foundation
import HAL
import HALSim
import Testing
import VibrationDevice
import VibrationLogic

/// Capture bounds against the filesystem they share with the outbox and the configuration (issue 12 item 9).
@Suite("Vibration captures and free space", .serialized)
struct CaptureSpaceTests {
    let base = VibrationControllerTests()

    @Test("remote capture bounds are applied to the store (max_count 1 keeps one capture)")
    func boundsFollowRemoteSettings() async throws {
        let controller = await base.controller()
        var configuration = await controller.configuration
        configuration.settings.capture.maxCount = 1
        try await controller.apply(configuration)
        for start in [0.0, 4.0] {
            #expect(await controller.captureNow())
            await base.run(controller, seconds: 4, from: start) { _ in 0 }
        }
        #expect(base.sink.eventNames.filter { $0 == "capture-stored" }.count == 2, "\(base.sink.eventNames)")
        #expect(try await controller.listCaptures().count == 1)
    }

    @Test("capture bounds the filesystem cannot hold beside the 64 MiB reserve are refused, with the figures")
    func boundsBeyondFreeSpaceRefused() async throws {
        let filesystem = try SmallFilesystem(megabytes: 96)
        defer { filesystem.unmount() }
        guard filesystem.mounted else {
            print("skipped: cannot mount a tmpfs here (needs root); capture-space bounds not checked")
            return
        }
        let controller = await base.controller(
            captureDirectory: filesystem.directory.appendingPathComponent("captures"))
        var configuration = await controller.configuration
        configuration.settings.capture.maxTotalBytes = 64 << 20
        await #expect {
            try await controller.apply(configuration)
        } throws: { error in
            "\(error)".contains("device.capture.max_total_mb: 64 MiB do not fit")
                && "\(error)".contains("32 MiB can be used")
        }
        configuration.settings.capture.maxTotalBytes = 16 << 20
        try await controller.apply(configuration)
    }

    @Test("a capture that would eat into the reserve is not written, and the event says why")
    func captureWithoutRoomRefused() async throws {
        let filesystem = try SmallFilesystem(megabytes: 64)
        defer { filesystem.unmount() }
        guard filesystem.mounted else {
            print("skipped: cannot mount a tmpfs here (needs root); capture refusal not checked")
            return
        }
        let controller = await base.controller(
            captureDirectory: filesystem.directory.appendingPathComponent("captures"))
        #expect(await controller.captureNow())
        await base.run(controller, seconds: 4) { _ in 0 }
        let failed = try #require(base.sink.lastEvent("capture-failed"), "\(base.sink.eventNames)")
        #expect(failed["reason"] == "no-space")
        #expect(!base.sink.eventNames.contains("capture-stored"))
    }

    @Test("a capture the store cannot write says why in capture-failed: which capture, which path, which errno")
    func unwritableStoreNamesTheReason() async throws {
        try FileManager.default.createDirectory(at: base.directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: base.directory) }
        // A file where the capture folder should be: mkdir cannot make it, whoever runs the test (root included).
        let folder = base.directory.appendingPathComponent("captures")
        try Data("not a folder".utf8).write(to: folder)
        let controller = await base.controller(captureDirectory: folder)
        #expect(await controller.captureNow())
        await base.run(controller, seconds: 4) { _ in 0 }
        let failed = try #require(base.sink.lastEvent("capture-failed"), "\(base.sink.eventNames)")
        #expect(failed["reason"] == "unwritable", "\(failed)")
        #expect(failed["path"] == .string(folder.path), "\(failed)")
        #expect(failed["errno"] == .number(Double(ENOTDIR)), "\(failed)")
        guard case .string(let id)? = failed["id"] else {
            Issue.record("no capture id in \(failed)")
            return
        }
        #expect(CaptureStore.isValidID(id))
        guard case .string(let error)? = failed["error"] else {
            Issue.record("no error text in \(failed)")
            return
        }
        #expect(error.contains(folder.path) && error.contains("Not a directory"), "\(error)")
        #expect(!base.sink.eventNames.contains("capture-stored"))
    }

    @Test("a capture chunk the outbox refuses fails get-capture, naming the chunk, instead of claiming it was sent")
    func chunkNotStored() async throws {
        let refusing = RefusingSink()
        let controller = VibrationController(
            configuration: await base.controller().configuration, bus: base.bus, sink: refusing,
            captureDirectory: base.directory, now: { Timestamp(secondsSinceEpoch: 1_800_000_000) })
        let store = CaptureStore(directory: base.directory, maxCount: 5, maxTotalBytes: 1 << 24)
        let capture = Capture(
            start: Timestamp(secondsSinceEpoch: 1_800_000_000), outputDataRateHz: 250, triggerIndex: 0,
            reason: "test", samples: Triaxial(x: [0, 1], y: [0, 1], z: [1, 1]))
        try store.save(capture)
        await #expect {
            _ = try await controller.sendCapture(id: capture.id, chunkSize: 256)
        } throws: { error in
            "\(error)".contains("chunk 1 of 1 not sent: packet too large")
        }
    }
}

/// A sink whose outbox refuses every durable record, as one does for a record larger than the broker accepts.
final class RefusingSink: DeviceSink {
    struct Refused: Error, CustomStringConvertible {
        var description: String { "packet too large" }
    }
    func telemetry(_ stream: String, _ values: [String: JSONValue]) async {}
    func durableTelemetry(_ stream: String, _ values: [String: JSONValue]) async throws { throw Refused() }
    func event(_ name: String, _ values: [String: JSONValue]) async {}
    func state(_ values: [String: JSONValue]) async {}
}
