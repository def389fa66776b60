import CurbsideTestKit
import Foundation
import Testing

/// Small synthetic base OS images, built by the tests with the tools a real image is made with: an MBR table from
/// sfdisk, a FAT boot partition from mkfs.vfat (files put in with mcopy) and an ext4 root from mkfs.ext4 -d.
/// 13 MiB: 1 MiB before the first partition, 4 MiB boot, 8 MiB root.
enum ImageFixture {
    static let bootOffset = 1 << 20
    static let rootOffset = 5 << 20

    /// What the base image's file systems hold, so a test can say what must not change.
    static let rootFiles: [(path: String, text: String, mode: Int)] = [
        ("etc/passwd", "root:x:0:0:root:/root:/bin/bash\npi:x:1000:1000::/home/pi:/bin/bash\n", 0o644),
        ("etc/group", "root:x:0:\nshadow:x:42:\npi:x:1000:\n", 0o644),
        ("etc/shadow", "root:*:19000:0:99999:7:::\npi:*:19000:0:99999:7:::\n", 0o640),
        ("etc/gshadow", "root:*::\nshadow:*::\npi:!::\n", 0o640),
        ("etc/hostname", "raspberrypi\n", 0o644),
        ("etc/hosts", "127.0.0.1\tlocalhost\n::1\t\tlocalhost ip6-localhost\n127.0.1.1\traspberrypi\n", 0o644),
        ("home/pi/notes.txt", "left alone by curbctl image\n", 0o600),
        ("lib/systemd/system/ssh.service", "[Unit]\nDescription=OpenBSD Secure Shell server\n", 0o644),
    ]
    static let bootFiles: [(name: String, text: String)] = [
        (
            "config.txt",
            "# For more options see config.txt(5)\ndtparam=audio=on\n\n[cm4]\notg_mode=1\n\n[pi5]\nauto_initramfs=1\n"
        ),
        ("cmdline.txt", "console=serial0,115200 console=tty1 root=PARTUUID=0000-02 rootfstype=ext4 rootwait\n"),
    ]

    /// Runs a tool and fails the test with its output when it does not succeed.
    @discardableResult
    static func tool(_ tool: String, _ arguments: [String]) async throws -> String {
        let result = try await ToolRun.run(tool, arguments, timeout: .seconds(60))
        guard result.status == 0 else {
            throw TestFailure(
                "\(tool) \(arguments.joined(separator: " ")) failed (\(result.status)):\n\(result.output)")
        }
        return result.output
    }

    struct TestFailure: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }

    /// The partition layout of a base image: Raspberry Pi OS's (1 FAT, 2 ext4) or the current BeagleBoard.org Debian
    /// AM335x images' (1 FAT, 2 swap, 3 ext4, setup_sdcard.sh --dtb beaglebone-fat-swap), 14 MiB.
    enum Layout {
        case raspberryPi, beagleBone

        /// The root file system's offset, for debugfs.
        var rootOffset: Int { self == .raspberryPi ? ImageFixture.rootOffset : 6 << 20 }
        var size: String { self == .raspberryPi ? "13M" : "14M" }
        /// Files the root holds besides ``ImageFixture/rootFiles`` (which they replace by path).
        var rootFiles: [(path: String, text: String, mode: Int)] {
            guard self == .beagleBone else { return [] }
            return [
                ("etc/hostname", "BeagleBone\n", 0o644),
                ("etc/hosts", "127.0.0.1\tlocalhost\n127.0.1.1\tBeagleBone.localdomain\tBeagleBone\n", 0o644),
                ("boot/uEnv.txt", ImageFixture.beagleBoneUEnv, 0o644),
            ]
        }
    }

    /// The head of the /boot/uEnv.txt beagleboard/image-builder's setup_sdcard.sh writes.
    static let beagleBoneUEnv = """
        #Docs: http://elinux.org/Beagleboard:U-boot_partitioning_layout_2.0

        uname_r=5.10.168-ti-r83
        #uuid=
        #dtb=

        ###U-Boot Overlays###
        ###Documentation: http://elinux.org/Beagleboard:BeagleBoneBlack_Debian#U-Boot_Overlays
        ###Master Enable
        enable_uboot_overlays=1
        ###
        ###Additional custom capes
        #uboot_overlay_addr4=<file4>.dtbo
        #uboot_overlay_addr5=<file5>.dtbo
        ###
        cmdline=coherent_pool=1M net.ifnames=0 lpj=1990656 rng_core.default_quality=100 quiet

        """

    /// A base image in `folder`; `withRoot: false` leaves out the root partition (a wrong base image).
    static func base(in folder: URL, withRoot: Bool = true, layout: Layout = .raspberryPi) async throws -> String {
        let tree = folder.appendingPathComponent("root-tree")
        let replaced = Set(layout.rootFiles.map(\.path))
        for file in rootFiles.filter({ !replaced.contains($0.path) }) + layout.rootFiles {
            let url = tree.appendingPathComponent(file.path)
            try FileManager.default.createDirectory(
                at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try file.text.write(to: url, atomically: true, encoding: .utf8)
            try FileManager.default.setAttributes([.posixPermissions: file.mode], ofItemAtPath: url.path)
        }
        try FileManager.default.createDirectory(
            at: tree.appendingPathComponent("etc/systemd/system/multi-user.target.wants"),
            withIntermediateDirectories: true)
        let root = folder.appendingPathComponent("root.ext4").path
        try await tool("mkfs.ext4", ["-q", "-F", "-E", "root_owner=0:0", "-d", tree.path, root, "8M"])

        let boot = folder.appendingPathComponent("boot.fat").path
        try await tool("mkfs.vfat", ["-C", boot, "4096"])
        for file in bootFiles {
            let path = folder.appendingPathComponent(file.name).path
            try file.text.write(toFile: path, atomically: true, encoding: .utf8)
            try await tool("mcopy", ["-i", boot, path, "::\(file.name)"])
        }

        let image = folder.appendingPathComponent("base.img").path
        let rootSector = layout.rootOffset / 512
        let swap = layout == .beagleBone ? "start=10240, size=2048, type=82\n" : ""
        let table =
            "label: dos\nstart=2048, size=8192, type=c\n" + swap
            + (withRoot ? "start=\(rootSector), size=16384, type=83\n" : "")
        let script = folder.appendingPathComponent("layout.sfdisk").path
        try table.write(toFile: script, atomically: true, encoding: .utf8)
        try await tool("truncate", ["-s", layout.size, image])
        try await tool("sh", ["-c", "sfdisk -q \"$0\" < \"$1\"", image, script])
        try await tool("dd", ["if=\(boot)", "of=\(image)", "bs=512", "seek=2048", "conv=notrunc", "status=none"])
        if !swap.isEmpty {
            let area = folder.appendingPathComponent("swap").path
            try await tool("truncate", ["-s", "1M", area])
            try await tool("mkswap", ["-q", area])
            try await tool("dd", ["if=\(area)", "of=\(image)", "bs=512", "seek=10240", "conv=notrunc", "status=none"])
        }
        if withRoot {
            try await tool(
                "dd", ["if=\(root)", "of=\(image)", "bs=512", "seek=\(rootSector)", "conv=notrunc", "status=none"])
        }
        return image
    }

    /// A tiny package named like the suite's (`curbside_<version>_<arch>.deb`) for `architecture`.
    static func package(_ architecture: String, in folder: URL) async throws -> String {
        let stage = folder.appendingPathComponent("deb-\(architecture)")
        let doc = stage.appendingPathComponent("usr/share/doc/curbside")
        try FileManager.default.createDirectory(at: doc, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(
            at: stage.appendingPathComponent("DEBIAN"), withIntermediateDirectories: true)
        try """
        Package: curbside
        Version: 0.0.1
        Architecture: \(architecture)
        Maintainer: Curbside tests <tests@curbside.example>
        Description: synthetic package for the image tests

        """.write(to: stage.appendingPathComponent("DEBIAN/control"), atomically: true, encoding: .utf8)
        try "synthetic\n".write(to: doc.appendingPathComponent("README"), atomically: true, encoding: .utf8)
        let deb = folder.appendingPathComponent("curbside_0.0.1_\(architecture).deb").path
        try await tool("dpkg-deb", ["--root-owner-group", "-Znone", "--build", stage.path, deb])
        return deb
    }

    /// streetlightd's example made into a device's configuration for `board` (a Raspberry Pi 4) with TLS client
    /// credentials.
    static func deviceConfig(
        in folder: URL, device: String = "pole-0417", board: String = "raspberry-pi-4b", i2cBus: String = "i2c-1"
    ) throws -> String {
        let example = try String(
            contentsOf: RigFixture.root.appendingPathComponent("Firmware-config/examples/streetlightd.yaml"),
            encoding: .utf8)
        var lines: [String] = []
        var skipping = false
        for line in example.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            if skipping, line.hasPrefix("  ") { continue }
            skipping = false
            switch line {
            case let line where line.hasPrefix("  device: "): lines.append("  device: \(device)")
            case let line where line.hasPrefix("  url: "):
                lines += [
                    "  url: mqtts://broker.example:8883", "  tls:", "    ca_file: /etc/curbside/streetlightd/ca.pem",
                    "    cert_file: /etc/curbside/streetlightd/device.pem",
                    "    key_file: /etc/curbside/streetlightd/device.key",
                ]
            case let line where line.hasPrefix("board: "):
                lines.append("board: /usr/share/curbside/boards/\(board).yaml")
            case "hal:":
                lines += ["hal:", "  backend: linux"]
                skipping = true
            case let line where line.hasPrefix("    i2c_bus: "): lines.append("    i2c_bus: \(i2cBus)")
            default: lines.append(line)
            }
        }
        let path = folder.appendingPathComponent("\(device).yaml").path
        try lines.joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// A device certificate, key (0600) and CA, as a fleet CA would hand them over.
    static func credentials(in folder: URL) async throws -> (certificate: String, key: String, ca: String) {
        let key = folder.appendingPathComponent("device.key").path
        let certificate = folder.appendingPathComponent("device.pem").path
        try await tool(
            "openssl",
            [
                "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", key,
                "-out", certificate, "-subj", "/CN=mapo-gu~streetlight~pole-0417", "-days", "1",
            ])
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: key)
        // A self-signed certificate stands in for the CA here; the image only carries the file.
        let ca = folder.appendingPathComponent("ca.pem").path
        try FileManager.default.copyItem(atPath: certificate, toPath: ca)
        return (certificate, key, ca)
    }

    // MARK: Reading the result, with the same tools and no curbctl code

    static func debugfs(_ image: String, _ request: String, offset: Int = rootOffset) async throws -> String {
        try await tool("debugfs", ["-R", request, "\(image)?offset=\(offset)"])
    }

    /// `(mode, uid, gid, type)` from debugfs stat.
    static func stat(_ image: String, _ path: String) async throws -> (mode: Int, uid: Int, gid: Int, type: String) {
        let text = try await debugfs(image, "stat \"\(path)\"")
        let words = text.split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init)
        func after(_ label: String) -> String? { words.firstIndex(of: label).map { words[$0 + 1] } }
        guard let mode = after("Mode:").flatMap({ Int($0, radix: 8) }), let uid = after("User:").flatMap(Int.init),
            let gid = after("Group:").flatMap(Int.init), let type = after("Type:")
        else { throw TestFailure("no \(path) in \(image): \(text)") }
        return (mode, uid, gid, type)
    }

    /// The file's contents, dumped to a scratch file (debugfs prints its banner among cat's output).
    static func cat(_ image: String, _ path: String, offset: Int = rootOffset) async throws -> String {
        let copy = FileManager.default.temporaryDirectory.appendingPathComponent("dump-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: copy) }
        _ = try await debugfs(image, "dump \"\(path)\" \(copy.path)", offset: offset)
        return try String(contentsOf: copy, encoding: .utf8)
    }

    static func fat(_ image: String, _ name: String) async throws -> String {
        try await tool("mtype", ["-i", "\(image)@@\(bootOffset)", "::\(name)"])
    }

    static func bytes(_ path: String, _ range: Range<Int>) throws -> Data {
        let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        try handle.seek(toOffset: UInt64(range.lowerBound))
        return try handle.read(upToCount: range.count) ?? Data()
    }
}
