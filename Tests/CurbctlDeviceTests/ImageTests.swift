import BoardSupport
import CurbctlDevice
import CurbsideTestKit
import Foundation
import Locking
import Testing

/// `curbctl image` on a synthetic base image, inspected with debugfs and mtools (not with curbctl's own readers).
@Suite("curbctl image", .timeLimit(.minutes(3)))
struct ImageTests {
    static func request(base: String, config: String, out: String, packages: [String]) -> ImageBuilder.Request {
        var request = ImageBuilder.Request(
            board: "raspberry-pi-4b", base: base, deviceConfig: config, out: out, packages: packages)
        request.boards = RigFixture.root.appendingPathComponent("Boards").path
        request.examples = RigFixture.root.appendingPathComponent("Firmware-config/examples").path
        return request
    }

    static func build(_ request: ImageBuilder.Request) throws -> (ImageBuilder.Summary, [String]) {
        let lines = Lock<[String]>([])
        let summary = try ImageBuilder(request) { line in lines.withLock { $0.append(line) } }.run()
        return (summary, lines.withLock { $0 })
    }

    @Test("writes package, first-boot unit, configuration, 0600 key owned by the daemon, host name, boot settings")
    func buildsADeviceImage() async throws {
        let folder = try RigFixture.scratch()
        defer { try? FileManager.default.removeItem(at: folder) }
        let base = try await ImageFixture.base(in: folder)
        let deb = try await ImageFixture.package("arm64", in: folder)
        let config = try ImageFixture.deviceConfig(in: folder)
        let credentials = try await ImageFixture.credentials(in: folder)
        let out = folder.appendingPathComponent("pole-0417.img").path
        var request = Self.request(base: base, config: config, out: out, packages: [deb])
        request.certificate = credentials.certificate
        request.key = credentials.key
        request.ca = credentials.ca
        let (summary, lines) = try Self.build(request)
        print(lines.joined(separator: "\n"))
        #expect(summary.daemon == "streetlightd")

        // The daemon's user, as the package's postinst would make it, and the key it owns.
        let passwd = try await ImageFixture.cat(out, "/etc/passwd")
        let user = try #require(passwd.split(separator: "\n").first { $0.hasPrefix("curbside-streetlightd:") })
        let fields = user.split(separator: ":", omittingEmptySubsequences: false)
        let uid = try #require(Int(fields[2]))
        #expect(fields[6] == "/usr/sbin/nologin" && uid < 1000, "\(user)")
        #expect(try await ImageFixture.cat(out, "/etc/group").contains("curbside-streetlightd:x:\(fields[3]):"))
        let key = try await ImageFixture.stat(out, "/etc/curbside/streetlightd/device.key")
        #expect(key.mode == 0o600 && key.uid == uid && key.type == "regular", "\(key)")
        #expect(
            try await ImageFixture.cat(out, "/etc/curbside/streetlightd/device.key")
                == String(contentsOfFile: credentials.key, encoding: .utf8))
        let certificate = try await ImageFixture.stat(out, "/etc/curbside/streetlightd/device.pem")
        #expect(certificate.mode == 0o644 && certificate.uid == 0, "\(certificate)")
        let folderStatus = try await ImageFixture.stat(out, "/etc/curbside/streetlightd")
        #expect(folderStatus.mode == 0o750 && folderStatus.uid == 0 && folderStatus.gid == Int(fields[3]))
        let state = try await ImageFixture.stat(out, "/var/lib/curbside/streetlightd")
        #expect(state.mode == 0o750 && state.uid == uid, "\(state)")
        #expect(
            try await ImageFixture.cat(out, "/etc/curbside/streetlightd.yaml")
                == String(contentsOfFile: config, encoding: .utf8))

        // The package, and the first-boot unit enabled for multi-user.target.
        #expect(
            try await ImageFixture.cat(out, "/var/lib/curbside/firstboot/curbside_0.0.1_arm64.deb").utf8.count
                == (try Data(contentsOf: URL(fileURLWithPath: deb))).count)
        let link = try await ImageFixture.debugfs(
            out, "stat /etc/systemd/system/multi-user.target.wants/curbside-firstboot.service")
        #expect(link.contains("Type: symlink") && link.contains("/etc/systemd/system/curbside-firstboot.service"))
        let unit = try await ImageFixture.cat(out, "/etc/systemd/system/curbside-firstboot.service")
        #expect(
            unit.contains("ExecStart=/usr/local/sbin/curbside-firstboot") && unit.contains("WantedBy=multi-user.target")
        )
        let script = try await ImageFixture.cat(out, "/usr/local/sbin/curbside-firstboot")
        #expect(script.contains("systemctl enable --now streetlightd.service"), "\(script)")
        #expect(script.contains("rm -f /etc/systemd/system/multi-user.target.wants/curbside-firstboot.service"))
        #expect(try await ImageFixture.stat(out, "/usr/local/sbin/curbside-firstboot").mode == 0o755)

        // Host name from the device id.
        #expect(try await ImageFixture.cat(out, "/etc/hostname") == "pole-0417\n")
        let hosts = try await ImageFixture.cat(out, "/etc/hosts")
        #expect(hosts.hasSuffix("127.0.1.1\tpole-0417\n") && hosts.hasPrefix("127.0.0.1\tlocalhost\n"), "\(hosts)")

        // config.txt: everything that was there, then [all] (the file ends in a [pi5] section) and the settings.
        let original = ImageFixture.bootFiles[0].text
        let bootConfig = try await ImageFixture.fat(out, "config.txt")
        #expect(bootConfig.hasPrefix(original), "\(bootConfig)")
        #expect(
            bootConfig.dropFirst(original.count)
                == "# Added by curbctl image (Boards/raspberry-pi-4b.yaml)\n[all]\ndtparam=i2c_arm=on\nenable_uart=1\n"
                + "dtoverlay=disable-bt\n")
        #expect(summary.bootSettings == ["dtparam=i2c_arm=on", "enable_uart=1", "dtoverlay=disable-bt"])
        // The serial console is taken off the UART that disable-bt gives the RS-485 transceiver; the rest stays.
        #expect(
            try await ImageFixture.fat(out, "cmdline.txt")
                == ImageFixture.bootFiles[1].text.replacing("console=serial0,115200 ", with: ""))
        #expect(summary.removedArguments == ["console=serial0,115200"])

        // Nothing else changed: the other files, their modes, the partition table and the gap before partition 1,
        // and both file systems check clean.
        for file in ImageFixture.rootFiles
        where !["etc/passwd", "etc/group", "etc/shadow", "etc/gshadow", "etc/hostname", "etc/hosts"].contains(file.path)
        {
            #expect(try await ImageFixture.cat(out, "/" + file.path) == file.text, "\(file.path)")
            #expect(try await ImageFixture.stat(out, "/" + file.path).mode == file.mode, "\(file.path)")
        }
        let shadow = try await ImageFixture.stat(out, "/etc/shadow")
        #expect(shadow.mode == 0o640, "the account files keep their modes")
        #expect(try await ImageFixture.cat(out, "/etc/shadow").hasPrefix(ImageFixture.rootFiles[2].text))
        #expect(
            try ImageFixture.bytes(out, 0..<ImageFixture.bootOffset)
                == ImageFixture.bytes(base, 0..<ImageFixture.bootOffset))
        let ext4 = try await ToolRun.run("e2fsck", ["-fn", "\(out)?offset=\(ImageFixture.rootOffset)"])
        #expect(ext4.status == 0, "\(ext4.output)")
        let fat = try await ToolRun.run(
            "sh",
            ["-c", "dd if=\"$0\" bs=1M skip=1 count=4 status=none > \"$0.boot\" && fsck.vfat -n \"$0.boot\"", out])
        #expect(fat.status == 0, "\(fat.output)")
        #expect(!FileManager.default.fileExists(atPath: out + ".partial"))
    }

    @Test("from a .img.xz base without a certificate: a key made in the image and its CSR beside the output")
    func xzBaseWithGeneratedKey() async throws {
        let folder = try RigFixture.scratch()
        defer { try? FileManager.default.removeItem(at: folder) }
        let base = try await ImageFixture.base(in: folder)
        try await ImageFixture.tool("xz", ["-T0", base])
        let packages = folder.appendingPathComponent("packages")
        try FileManager.default.createDirectory(at: packages, withIntermediateDirectories: true)
        _ = try await ImageFixture.package("arm64", in: packages)
        _ = try await ImageFixture.package("amd64", in: packages)
        let out = folder.appendingPathComponent("pole-0417.img").path
        let (summary, _) = try Self.build(
            Self.request(
                base: base + ".xz", config: try ImageFixture.deviceConfig(in: folder), out: out,
                packages: [packages.path]))
        let key = try await ImageFixture.stat(out, "/etc/curbside/streetlightd/device.key")
        #expect(key.mode == 0o600 && key.uid == summary.uid)
        let csr = try #require(summary.csr)
        let checked = try await ToolRun.run("openssl", ["req", "-in", csr, "-noout", "-subject", "-verify"])
        #expect(
            checked.output.contains("CN = jongno-gu~streetlight~pole-0417") && checked.output.contains("verify OK"),
            "\(checked.output)")
        let listing = try await ImageFixture.debugfs(out, "ls -p /var/lib/curbside/firstboot")
        #expect(
            listing.contains("curbside_0.0.1_arm64.deb") && !listing.contains("amd64"), "only the board's architecture")
    }

    @Test("BeagleBone Black, current Debian layout (FAT 1, swap 2, ext4 root 3): UART1 overlay in /boot/uEnv.txt")
    func beagleBoneImage() async throws {
        let folder = try RigFixture.scratch()
        defer { try? FileManager.default.removeItem(at: folder) }
        let base = try await ImageFixture.base(in: folder, layout: .beagleBone)
        let deb = try await ImageFixture.package("armhf", in: folder)
        let config = try ImageFixture.deviceConfig(in: folder, board: "beaglebone-black", i2cBus: "i2c-2")
        let out = folder.appendingPathComponent("pole-0417.img").path
        var request = Self.request(base: base, config: config, out: out, packages: [deb])
        request.board = "beaglebone-black"
        let (summary, lines) = try Self.build(request)
        print(lines.joined(separator: "\n"))
        let root = ImageFixture.Layout.beagleBone.rootOffset

        // uEnv.txt as shipped, then the overlay; enable_uboot_overlays=1 is already there and not added again.
        let uEnv = try await ImageFixture.cat(out, "/boot/uEnv.txt", offset: root)
        #expect(uEnv.hasPrefix(ImageFixture.beagleBoneUEnv), "\(uEnv)")
        #expect(
            uEnv.dropFirst(ImageFixture.beagleBoneUEnv.count)
                == "# Added by curbctl image (Boards/beaglebone-black.yaml)\nuboot_overlay_addr4=BB-UART1-00A0.dtbo\n",
            "\(uEnv)")
        #expect(summary.bootSettings == ["uboot_overlay_addr4=BB-UART1-00A0.dtbo"])

        // Host name (the image's 127.0.1.1 line carries a .localdomain name too), package and first-boot unit.
        #expect(try await ImageFixture.cat(out, "/etc/hostname", offset: root) == "pole-0417\n")
        let hosts = try await ImageFixture.cat(out, "/etc/hosts", offset: root)
        #expect(hosts == "127.0.0.1\tlocalhost\n127.0.1.1\tpole-0417\n", "\(hosts)")
        let listing = try await ImageFixture.debugfs(out, "ls -p /var/lib/curbside/firstboot", offset: root)
        #expect(listing.contains("curbside_0.0.1_armhf.deb"), "\(listing)")
        let link = try await ImageFixture.debugfs(
            out, "stat /etc/systemd/system/multi-user.target.wants/curbside-firstboot.service", offset: root)
        #expect(link.contains("Type: symlink"), "\(link)")

        // The boot (FAT) and swap partitions and everything before them are untouched; the root checks clean.
        #expect(try ImageFixture.bytes(out, 0..<root) == ImageFixture.bytes(base, 0..<root))
        let ext4 = try await ToolRun.run("e2fsck", ["-fn", "\(out)?offset=\(root)"])
        #expect(ext4.status == 0, "\(ext4.output)")
    }

    @Test("refuses bad input with its own error, and leaves no output")
    func refusals() async throws {
        let folder = try RigFixture.scratch()
        defer { try? FileManager.default.removeItem(at: folder) }
        let base = try await ImageFixture.base(in: folder)
        let arm64 = try await ImageFixture.package("arm64", in: folder)
        let amd64 = try await ImageFixture.package("amd64", in: folder)
        let config = try ImageFixture.deviceConfig(in: folder)
        let credentials = try await ImageFixture.credentials(in: folder)
        let out = folder.appendingPathComponent("out.img").path
        let good = Self.request(base: base, config: config, out: out, packages: [arm64])

        func refused(_ request: ImageBuilder.Request, _ code: ImageError.Code, saying words: String) {
            do {
                _ = try Self.build(request)
                Issue.record("built an image from bad input; expected \(code)")
            } catch let error as ImageError {
                #expect(error.code == code, "\(error)")
                #expect(error.detail.contains(words), "\(error)")
            } catch {
                Issue.record("\(error)")
            }
            #expect(
                !FileManager.default.fileExists(atPath: out)
                    && !FileManager.default.fileExists(atPath: out + ".partial"))
        }

        var request = good
        request.board = "raspberry-pi-4"
        refused(request, .unknownBoard, saying: "raspberry-pi-4b")
        request.board = "sim"
        refused(request, .boardNotFlashable, saying: "no image section")
        request = good
        request.packages = [amd64]
        refused(request, .missingPackage, saying: "is for amd64; raspberry-pi-4b runs arm64")
        request.packages = [folder.appendingPathComponent("root-tree").path]
        refused(request, .missingPackage, saying: "no Curbside package for arm64")
        request = good
        request.base = try await ImageFixture.base(
            in: folder.appendingPathComponent("no-root").creatingFolder(), withRoot: false)
        refused(request, .missingPartition, saying: "no partition 2 (root, ext4)")
        // A configuration naming the workshop's board file (curbctl provision --boards Boards in a checkout writes one).
        request = good
        request.deviceConfig = folder.appendingPathComponent("checkout-board.yaml").path
        try String(contentsOfFile: config, encoding: .utf8)
            .replacing("board: /usr/share/curbside/boards/", with: "board: /home/tech/curbside/Boards/")
            .write(toFile: request.deviceConfig, atomically: true, encoding: .utf8)
        refused(request, .invalidInput, saying: "use board: /usr/share/curbside/boards/raspberry-pi-4b.yaml")
        request = good
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: credentials.key)
        request.certificate = credentials.certificate
        request.key = credentials.key
        refused(request, .keyPermissions, saying: "mode 0644")
    }

    @Test(
        "boot settings: lines after [all] only when missing; assignments replace their key",
        arguments: [
            (
                "dtparam=audio=on\n", BoardImage.BootConfig.Style.lines, ["dtparam=audio=on", "enable_uart=1"],
                "dtparam=audio=on\n# c\nenable_uart=1\n"
            ),
            (
                "a=1\n[cm4]\nenable_uart=1\n", .lines, ["enable_uart=1"],
                "a=1\n[cm4]\nenable_uart=1\n# c\n[all]\nenable_uart=1\n"
            ),
            ("enable_uart=1\n[all]\nb=2\n", .lines, ["enable_uart=1", "b=2"], "enable_uart=1\n[all]\nb=2\n"),
            ("x=1\n#y=0\ny=0\nz=3\n", .assignments, ["y=5", "w=4"], "x=1\n#y=0\ny=5\nz=3\n# c\nw=4\n"),
            ("y=5\n", .assignments, ["y=5"], "y=5\n"),
        ])
    func bootSettings(original: String, style: BoardImage.BootConfig.Style, settings: [String], expected: String) {
        #expect(BootSettings.apply(settings, style: style, to: original, comment: "# c").text == expected)
    }

    @Test("kernel command line: the arguments named are removed, the rest and the line's end stay")
    func kernelArguments() {
        let line = "console=serial0,115200 console=tty1 root=PARTUUID=1-02 rootwait\n"
        #expect(
            BootSettings.removing(["console=serial0,115200", "quiet"], from: line)
                == ("console=tty1 root=PARTUUID=1-02 rootwait\n", ["console=serial0,115200"]))
        #expect(BootSettings.removing(["quiet"], from: line) == (line, []))
    }
}

extension URL {
    func creatingFolder() throws -> URL {
        try FileManager.default.createDirectory(at: self, withIntermediateDirectories: true)
        return self
    }
}
