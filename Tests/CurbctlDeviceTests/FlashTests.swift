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
        _ source: String, _ target: String, mountinfo: String, edit: (inout Flasher.Request) -> Void = { _ in }
    ) throws -> (Flasher.Report, [String]) {
        var request = Flasher.Request(source: source, target: target)
        request.mountinfo = mountinfo
        edit(&request)
        let lines = Lock<[String]>([])
        let report = try Flasher(request, say: { line in lines.withLock { $0.append(line) } }, progress: { _ in })
            .run()
        return (report, lines.withLock { $0 })
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

    @Test("a target altered after writing fails verification; unaltered it verifies")
    func alteredTargetFails() async throws {
        let (folder, image, mountinfo) = try await Self.setUp()
        defer { try? FileManager.default.removeItem(at: folder) }
        let target = folder.appendingPathComponent("card.img").path
        _ = try Self.flash(image, target, mountinfo: mountinfo)
        let (again, _) = try Self.flash(image, target, mountinfo: mountinfo) { $0.verifyOnly = true }
        #expect(again.verified)

        // One byte in the root file system flipped, as a failing card would.
        let handle = try FileHandle(forUpdating: URL(fileURLWithPath: target))
        try handle.seek(toOffset: UInt64(ImageFixture.rootOffset + 1024 + 100))
        let byte = try #require(try handle.read(upToCount: 1)).first ?? 0
        try handle.seek(toOffset: UInt64(ImageFixture.rootOffset + 1024 + 100))
        try handle.write(contentsOf: Data([byte ^ 0xFF]))
        try handle.close()
        #expect {
            try Self.flash(image, target, mountinfo: mountinfo) { $0.verifyOnly = true }
        } throws: { error in
            (error as? ImageError)?.code == .verificationFailed
                && (error as? ImageError)?.detail.contains("read back differs") == true
        }
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
