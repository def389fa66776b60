import CurbsideTestKit
import Foundation
import Testing

/// The suite package from Tools/package/build (debug binaries here; `make package` uses release ones), installed
/// with `dpkg --root` into a scratch root with the maintainer scripts run against it (`--force-script-chrootless`,
/// which gives them DPKG_ROOT), then upgraded over a technician's edit.
@Suite("Debian package", .serialized, .timeLimit(.minutes(3)))
struct PackageTests {
    static let build = RigFixture.root.appendingPathComponent("Tools/package/build").path

    /// A root dpkg can install into: its database and the account files useradd --prefix edits.
    static func scratchRoot() throws -> URL {
        let root = try RigFixture.scratch()
        for folder in ["var/lib/dpkg/info", "var/lib/dpkg/updates", "etc"] {
            try FileManager.default.createDirectory(
                at: root.appendingPathComponent(folder), withIntermediateDirectories: true)
        }
        for (file, text) in [
            ("var/lib/dpkg/status", ""), ("etc/passwd", "root:x:0:0:root:/root:/bin/sh\n"),
            ("etc/group", "root:x:0:\n"),
            ("etc/shadow", "root:*:19000:0:99999:7:::\n"), ("etc/gshadow", "root:*::\n"),
        ] {
            try text.write(to: root.appendingPathComponent(file), atomically: true, encoding: .utf8)
        }
        return root
    }

    static func package(version: String, into folder: URL) async throws -> String {
        let bin = URL(fileURLWithPath: try ExecutableLookup.builtProduct("streetlightd")).deletingLastPathComponent()
        let built = try await ToolRun.run(
            "/usr/bin/env", ["DEB_COMPRESSION=none", build, bin.path, folder.path, version], timeout: .seconds(120))
        #expect(built.status == 0, "\(built.output)")
        return built.output.split(separator: "\n").last.map(String.init) ?? ""
    }

    static func install(_ deb: String, root: URL) async throws -> ToolResult {
        // --force-depends: the scratch root has no libc6 & co. to satisfy Depends.
        try await ToolRun.run(
            "dpkg", ["--root=\(root.path)", "--force-script-chrootless", "--force-depends", "-i", deb],
            timeout: .seconds(120))
    }

    @Test("installs where the README says, creates the users, and an edited conffile survives an upgrade")
    func installAndUpgrade() async throws {
        guard getuid() == 0 else {
            print("skipped: dpkg --root needs root to give the files their owners (run as root, as CI does)")
            return
        }
        let out = try RigFixture.scratch()
        let root = try Self.scratchRoot()
        defer {
            try? FileManager.default.removeItem(at: out)
            try? FileManager.default.removeItem(at: root)
        }
        let first = try await Self.package(version: "0.1.0", into: out)
        let contents = try await ToolRun.run("dpkg-deb", ["-I", first])
        #expect(contents.output.contains("Package: curbside"), "\(contents.output)")

        let installed = try await Self.install(first, root: root)
        #expect(installed.status == 0, "\(installed.output)")
        for daemon in try UnitFileTests.daemons() {
            for path in [
                "/usr/bin/\(daemon)", "/lib/systemd/system/\(daemon).service", "/etc/curbside/\(daemon).yaml",
                "/usr/share/curbside/examples/\(daemon).yaml",
            ] {
                #expect(FileManager.default.fileExists(atPath: root.path + path), "\(path)")
            }
            #expect(FileManager.default.isExecutableFile(atPath: root.path + "/usr/bin/\(daemon)"))
            // Every daemon is a link to the one multi-call binary (README "Footprint").
            let target = try? FileManager.default.destinationOfSymbolicLink(atPath: root.path + "/usr/bin/\(daemon)")
            #expect(target == "curbside", "/usr/bin/\(daemon) → \(target ?? "not a link")")
            let passwd = try String(contentsOf: root.appendingPathComponent("etc/passwd"), encoding: .utf8)
            #expect(passwd.contains("curbside-\(daemon):x:"), "\(passwd)")
        }
        for path in [
            "/usr/share/curbside/boards/raspberry-pi-4b.yaml", "/usr/share/curbside/schema/agent-config.schema.json",
            "/lib/udev/rules.d/60-curbside.rules",
        ] {
            #expect(FileManager.default.fileExists(atPath: root.path + path), "\(path)")
        }
        let config = root.path + "/etc/curbside/streetlightd.yaml"
        let shipped = try String(contentsOfFile: config, encoding: .utf8)
        #expect(shipped.contains("board: /usr/share/curbside/boards/sim.yaml"), "\(shipped)")
        #expect(
            !FileManager.default.fileExists(atPath: root.path + "/etc/systemd/system/multi-user.target.wants"),
            "no unit is enabled before provisioning")

        // A technician's edit, then an upgrade.
        try (shipped + "# tuned on site\n").write(toFile: config, atomically: true, encoding: .utf8)
        let second = try await Self.package(version: "0.1.1", into: out)
        let upgraded = try await Self.install(second, root: root)
        #expect(upgraded.status == 0, "\(upgraded.output)")
        #expect(try String(contentsOfFile: config, encoding: .utf8).hasSuffix("# tuned on site\n"))
        let status = try String(contentsOf: root.appendingPathComponent("var/lib/dpkg/status"), encoding: .utf8)
        #expect(status.contains("Version: 0.1.1"), "\(status)")
        // The unedited conffiles were replaced silently; the package stays configured.
        #expect(status.contains("Status: install ok installed"), "\(status)")
    }
}
