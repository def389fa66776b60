import Foundation
import HAL
import Testing
import VibrationLogic

@Suite struct CaptureStoreTests {
    static func capture(at second: Double, samples: Int = 100) -> Capture {
        let values = (0..<samples).map { Float($0) * 0.001 }
        return Capture(
            start: Signals.t0.adding(seconds: second), outputDataRateHz: 100, triggerIndex: samples / 4,
            reason: "test \(second)", samples: Triaxial(x: values, y: values.map { -$0 }, z: values.map { $0 + 1 }))
    }

    static func temporaryDirectory() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("vibration-\(UUID().uuidString)")
    }

    @Test func roundTripsAndListsOldestFirst() throws {
        let directory = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = CaptureStore(directory: directory, maxCount: 10, maxTotalBytes: 10_000_000)
        #expect(try store.list().isEmpty)
        let later = Self.capture(at: 20)
        let earlier = Self.capture(at: 10)
        try store.save(later)
        try store.save(earlier)
        #expect(try store.list().map(\.id) == [earlier.id, later.id])
        #expect(try store.list().first?.sizeBytes == earlier.encoded().count)
        #expect(try store.read(id: later.id) == later)
        #expect(try store.data(id: earlier.id) == earlier.encoded())
    }

    @Test("a symbolic link at a capture's name is refused, not written or read through")
    func linksAreRefused() throws {
        let directory = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let store = CaptureStore(directory: directory, maxCount: 10, maxTotalBytes: 10_000_000)
        let victim = directory.appendingPathComponent("elsewhere.txt").path
        try "not a capture".write(toFile: victim, atomically: false, encoding: .utf8)
        let capture = Self.capture(at: 30)
        let path = directory.appendingPathComponent(capture.id + "." + CaptureStore.fileExtension).path
        try FileManager.default.createSymbolicLink(atPath: path, withDestinationPath: victim)
        #expect {
            try store.save(capture)
        } throws: { error in
            let failure = error as? CaptureStoreError
            return failure?.code == .unwritable && failure?.path == path
                && failure?.detail.contains("is a symbolic link") == true
        }
        #expect {
            _ = try store.data(id: capture.id)
        } throws: { error in
            (error as? CaptureStoreError)?.code == .unreadable && "\(error)".contains("is a symbolic link")
        }
        #expect(try String(contentsOfFile: victim, encoding: .utf8) == "not a capture")
    }

    @Test func countBoundEvictsTheOldest() throws {
        let directory = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = CaptureStore(directory: directory, maxCount: 3, maxTotalBytes: 10_000_000)
        let captures = (1...5).map { Self.capture(at: Double($0)) }
        var evicted: [String] = []
        for capture in captures { evicted += try store.save(capture).evicted }
        #expect(evicted == [captures[0].id, captures[1].id])
        #expect(try store.list().map(\.id) == captures[2...].map(\.id))
    }

    @Test func sizeBoundEvictsTheOldest() throws {
        let directory = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let size = Self.capture(at: 1).encoded().count
        let store = CaptureStore(directory: directory, maxCount: 100, maxTotalBytes: size * 5 / 2)
        let captures = (1...4).map { Self.capture(at: Double($0)) }
        for capture in captures { try store.save(capture) }
        let listed = try store.list()
        #expect(listed.map(\.id) == [captures[2].id, captures[3].id])
        #expect(listed.reduce(0) { $0 + $1.sizeBytes } <= size * 5 / 2)
    }

    @Test func rejectsIDsThatCouldEscapeTheDirectoryAndCorruptFiles() throws {
        let directory = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = CaptureStore(directory: directory, maxCount: 3, maxTotalBytes: 10_000_000)
        #expect(throws: CaptureStoreError.self) { try store.read(id: "../../etc/passwd") }
        let capture = Self.capture(at: 1)
        try store.save(capture)
        var bytes = capture.encoded()
        bytes.removeLast()
        try bytes.write(to: directory.appendingPathComponent(capture.id + ".vcap"))
        #expect {
            try store.read(id: capture.id)
        } throws: { error in
            (error as? CaptureStoreError)?.code == .corrupt
        }
    }

    @Test func chunksReassembleAndTheChecksumCatchesCorruption() throws {
        let store = CaptureStore(directory: Self.temporaryDirectory(), maxCount: 1, maxTotalBytes: 1)
        let capture = Self.capture(at: 3, samples: 700)
        let encoded = capture.encoded()
        let chunks = store.chunks(of: capture, size: 1_000)
        #expect(chunks.count == (encoded.count + 999) / 1_000)
        #expect(chunks.map(\.index) == Array(0..<chunks.count))
        #expect(chunks.allSatisfy { $0.count == chunks.count && $0.totalBytes == encoded.count })
        #expect(chunks.allSatisfy { $0.crc32 == CRC32.checksum(encoded) && $0.captureID == capture.id })
        #expect(try CaptureChunk.reassemble(chunks.reversed()) == encoded)
        #expect(try Capture(decoding: CaptureChunk.reassemble(chunks)) == capture)

        var corrupted = chunks
        corrupted[2].payload[corrupted[2].payload.startIndex + 10] ^= 0x01
        #expect {
            try CaptureChunk.reassemble(corrupted)
        } throws: { error in
            (error as? CaptureChunkError)?.code == .checksumMismatch
        }
        #expect {
            try CaptureChunk.reassemble(Array(chunks.dropLast()))
        } throws: { error in
            (error as? CaptureChunkError)?.code == .missingChunk
        }
    }
}
