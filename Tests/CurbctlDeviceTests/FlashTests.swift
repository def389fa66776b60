import CurbctlDevice
import CurbsideTestKit
import Foundation
import Locking
import Testing

/// `curbctl flash` to file targets: written, synced, read back and compared; and every refusal.
@Suite("curbctl flash", .timeLimit(.minutes(3)))
struct FlashTests {
    /// A 13 MiB synthetic image (the image tests' base) and an empty mount table.
    static func setUp() async throws -> (folder: URL, image: String, mountinfo: String) {
        let folder = try RigFixture.scratch()
        let image = try await ImageFixture.base(in: folder)
        let mountinfo = folder.appendingPathComponent("mountinfo").path
        try "".write(toFile: mountinfo, atomically: true, encoding: .utf8)
        return (folder, image, mountinfo)
    }

    static func flash(
        _ source: String, _ target: String, mountinfo: String, edit: (inout Flasher.Request) -> Void = { _ in },
        progress: @escaping @Sendable (String) -> Void = { _ in }
    ) throws -> (Flasher.Report, [String]) {
        var request = Flasher.Request(source: source, target: target)
        request.mountinfo = mountinfo
        edit(&request)
        let lines = Lock<[String]>([])
        let report = try Flasher(request, say: { line in lines.withLock { $0.append(line) } }, progress: progress)
            .run()
        return (report, lines.withLock { $0 })
    }

    /// One byte of the root file system inverted, as a failing card would.
    static func flipByte(_ path: String) throws {
        let handle = try FileHandle(forUpdating: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        let offset = UInt64(ImageFixture.rootOffset + 1024 + 100)
        try handle.seek(toOffset: offset)
        let byte = try handle.read(upToCount: 1)?.first ?? 0
        try handle.seek(toOffset: offset)
        try handle.write(contentsOf: Data([byte ^ 0xFF]))
    }

    /// The last byte gone, as a card that is smaller than it claims would lose it.
    static func dropLastByte(_ path: String) throws {
        let handle = try FileHandle(forUpdating: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        try handle.truncate(atOffset: try handle.seekToEnd() - 1)
    }

    @Test("an .img and an .img.xz written to a file verify, and the file is the image", arguments: [false, true])
    func flashesAFile(compressed: Bool) async throws {
        let (folder, image, mountinfo) = try await Self.setUp()
        defer { try? FileManager.default.removeItem(at: folder) }
        var source = image
        if compressed {
            try await ImageFixture.tool("xz", ["-k", "-T0", image])
            source = image + ".xz"
        }
        let target = folder.appendingPathComponent("card.img").path
        let (report, lines) = try Self.flash(source, target, mountinfo: mountinfo)
        #expect(report.verified && report.bytes == 13 << 20)
        #expect(try Data(contentsOf: URL(fileURLWithPath: target)) == Data(contentsOf: URL(fileURLWithPath: image)))
        // An independent hash of the image, from coreutils.
        let sum = try await ImageFixture.tool("sha256sum", [image])
        #expect(sum.hasPrefix(report.sha256), "\(sum) vs \(report.sha256)")
        #expect(lines.contains { $0.hasPrefix("verified: 13631488 bytes") && $0.contains(report.sha256) }, "\(lines)")
    }

    @Test("progress to a log (not a terminal) shows each bar's 100 % line once, the final one with the time taken")
    func progressLinesNotRepeated() async throws {
        let (folder, image, mountinfo) = try await Self.setUp()
        defer { try? FileManager.default.removeItem(at: folder) }
        let target = folder.appendingPathComponent("card.img").path
        let output = Lock<[String]>([])
        let record: @Sendable (String) -> Void = { text in output.withLock { $0.append(text) } }
        _ = try Self.flash(image, target, mountinfo: mountinfo, progress: record)
        let lines = output.withLock { $0 }
        for label in ["writing", "verifying"] {
            let complete = lines.filter { $0.hasPrefix(label + " ") && $0.contains("100%") }
            #expect(complete.count == 1, "\(label): \(lines)")
            #expect(complete.first?.contains(" in ") == true, "\(label): \(lines)")
        }
    }

    @Test(
        "flash's read-back catches a target changed after the synced write (a byte dropped, a byte flipped)",
        arguments: [("dropped", "it ends after 13631487 of the image's 13631488 bytes"), ("flipped", "SHA-256 of")])
    func corruptedWriteFails(change: String, detail: String) async throws {
        let (folder, image, mountinfo) = try await Self.setUp()
        defer { try? FileManager.default.removeItem(at: folder) }
        let target = folder.appendingPathComponent("card.img").path
        // No seam for tests: the progress sink is called with the writing bar's last line after fsync and before the
        // read-back, the moment a card that loses data has already lost it. The change goes to the target only.
        let changed = Lock(false)
        let hook: @Sendable (String) -> Void = { line in
            guard line.hasPrefix("writing") && line.contains("  in ") else { return }
            let first = changed.withLock { done in
                defer { done = true }
                return !done
            }
            guard first else { return }
            if change == "dropped" { try? Self.dropLastByte(target) } else { try? Self.flipByte(target) }
        }
        #expect {
            try Self.flash(image, target, mountinfo: mountinfo, progress: hook)
        } throws: { error in
            (error as? ImageError)?.code == .verificationFailed
                && (error as? ImageError)?.detail.contains("read back differs") == true
                && (error as? ImageError)?.detail.contains(detail) == true
        }
        #expect(changed.withLock { $0 }, "the target was changed between write and read-back")
        #expect(try Data(contentsOf: URL(fileURLWithPath: image)).count == 13 << 20, "the image itself is untouched")
    }

    @Test("a target altered after writing fails a later --verify-only; unaltered it verifies")
    func alteredTargetFails() async throws {
        let (folder, image, mountinfo) = try await Self.setUp()
        defer { try? FileManager.default.removeItem(at: folder) }
        let target = folder.appendingPathComponent("card.img").path
        #expect(try Self.flash(image, target, mountinfo: mountinfo).0.verified)
        let (again, _) = try Self.flash(image, target, mountinfo: mountinfo) { $0.verifyOnly = true }
        #expect(again.verified)

        // The written target (not the image) changed after the write, then checked by a separate verify.
        let imageBefore = try Data(contentsOf: URL(fileURLWithPath: image))
        try Self.flipByte(target)
        #expect {
            try Self.flash(image, target, mountinfo: mountinfo) { $0.verifyOnly = true }
        } throws: { error in
            (error as? ImageError)?.code == .verificationFailed
                && (error as? ImageError)?.detail.contains("read back differs") == true
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: image)) == imageBefore)
    }

    @Test("refuses a mounted target, a partition of it mounted, and the system disk; writes nothing")
    func refusesMountedTargets() async throws {
        let (folder, image, mountinfo) = try await Self.setUp()
        defer { try? FileManager.default.removeItem(at: folder) }
        let target = folder.appendingPathComponent("mmcblk9").path
        let cases: [(String, ImageError.Code)] = [
            ("36 25 179:0 / /media/card rw,relatime shared:1 - ext4 \(target) rw\n", .mounted),
            ("37 25 179:2 / /media/card\\040root rw,relatime shared:1 - ext4 \(target)p2 rw\n", .mounted),
            ("21 1 179:2 / / rw,relatime shared:1 - ext4 \(target)p2 rw\n", .systemDisk),
        ]
        for (table, code) in cases {
            try table.write(toFile: mountinfo, atomically: true, encoding: .utf8)
            #expect {
                try Self.flash(image, target, mountinfo: mountinfo)
            } throws: { error in
                (error as? ImageError)?.code == code
            }
            #expect(!FileManager.default.fileExists(atPath: target), "nothing written after refusing")
        }
        // A neighbour's partition (mmcblk90p1 is not a partition of mmcblk9) does not count.
        try "40 25 179:8 / /mnt rw - ext4 \(target)0p1 rw\n".write(toFile: mountinfo, atomically: true, encoding: .utf8)
        #expect(try Self.flash(image, target, mountinfo: mountinfo).0.verified)
    }

    @Test("a target with too little room is refused as full")
    func fullTarget() async throws {
        let (folder, image, mountinfo) = try await Self.setUp()
        defer { try? FileManager.default.removeItem(at: folder) }
        let small = try SmallFilesystem(megabytes: 4)
        defer { small.unmount() }
        guard small.mounted else {
            print("skipped: a 4 MiB tmpfs needs root to mount (run as root, as CI does)")
            return
        }
        #expect {
            try Self.flash(image, small.directory.appendingPathComponent("card.img").path, mountinfo: mountinfo)
        } throws: { error in
            (error as? ImageError)?.code == .targetFull && (error as? ImageError)?.detail.contains("13.0 MiB") == true
        }
    }

    @Test("--dry-run checks and says what would happen, and writes nothing")
    func dryRun() async throws {
        let (folder, image, mountinfo) = try await Self.setUp()
        defer { try? FileManager.default.removeItem(at: folder) }
        let target = folder.appendingPathComponent("card.img").path
        let (report, lines) = try Self.flash(image, target, mountinfo: mountinfo) { $0.dryRun = true }
        #expect(!report.verified && report.bytes == 13 << 20)
        #expect(lines.first?.hasPrefix("dry run: would write") == true, "\(lines)")
        #expect(!FileManager.default.fileExists(atPath: target))
        // An image that is not there is refused by the dry run too, not described as "size unknown".
        #expect {
            try Self.flash(image + ".missing", target, mountinfo: mountinfo) { $0.dryRun = true }
        } throws: { error in
            (error as? ImageError)?.code == .sourceUnreadable
        }
    }

    @Test("end to end with the curbctl binary: image from an .xz base, flash, verify; a mounted target is refused")
    func binaryEndToEnd() async throws {
        let (folder, image, mountinfo) = try await Self.setUp()
        defer { try? FileManager.default.removeItem(at: folder) }
        let curbctl = try ExecutableLookup.builtProduct("curbctl")
        try await ImageFixture.tool("xz", ["-T0", image])
        let deb = try await ImageFixture.package("arm64", in: folder)
        let out = folder.appendingPathComponent("pole-0417.img").path
        let made = try await ToolRun.run(
            curbctl,
            [
                "image", "--board", "raspberry-pi-4b", "--base", image + ".xz", "--device-config",
                try ImageFixture.deviceConfig(in: folder), "--package", deb, "--out", out, "--boards",
                RigFixture.root.appendingPathComponent("Boards").path, "--examples",
                RigFixture.root.appendingPathComponent("Firmware-config/examples").path,
            ], timeout: .seconds(120))
        #expect(made.status == 0, "\(made.output)")
        #expect(made.output.contains("boot settings in") && made.output.contains("wrote \(out)"), "\(made.output)")

        let target = folder.appendingPathComponent("card.img").path
        let flashed = try await ToolRun.run(curbctl, ["flash", out, target, "--mountinfo", mountinfo])
        #expect(flashed.status == 0, "\(flashed.output)")
        #expect(flashed.output.contains("verified: 13631488 bytes"), "\(flashed.output)")
        #expect(
            flashed.output.contains("writing  [") && flashed.output.contains("MiB/s"),
            "progress lines: \(flashed.output)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: target)) == Data(contentsOf: URL(fileURLWithPath: out)))

        try "36 25 8:16 / /media/card rw - vfat \(target) rw\n".write(
            toFile: mountinfo, atomically: true, encoding: .utf8)
        let refused = try await ToolRun.run(curbctl, ["flash", out, target, "--mountinfo", mountinfo])
        #expect(refused.status != 0 && refused.output.contains("target is mounted"), "\(refused.output)")
    }
}
