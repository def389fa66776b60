import ArgumentParser
import CurbctlDevice
import CurbsideTestKit
import Foundation
import Locking
import Testing

/// `curbctl provision` into a scratch root: configuration, state directory, key and CSR, unit, enable — and again.
@Suite("curbctl provision", .serialized, .timeLimit(.minutes(2)))
struct ProvisionTests {
    /// The unit as Tools/systemd/render writes it.
    static func unit(_ daemon: String, in folder: URL) async throws -> String {
        let rendered = try await ToolRun.run(
            RigFixture.root.appendingPathComponent("Tools/systemd/render").path, [daemon])
        #expect(rendered.status == 0, "\(rendered.output)")
        let path = folder.appendingPathComponent("\(daemon).service").path
        try rendered.output.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static func request(root: URL, unit: String) -> Provisioner.Request {
        var request = Provisioner.Request(kind: "streetlight", device: "pole-0999", site: "mapo-gu")
        request.root = root.path
        request.examples = RigFixture.root.appendingPathComponent("Firmware-config/examples").path
        request.unit = unit
        request.hal = "linux"
        request.board = "raspberry-pi-4b"
        return request
    }

    /// Runs the provisioner, returning the changes and the progress lines.
    static func provision(_ request: Provisioner.Request) throws -> (Int, [String]) {
        let lines = Lock<[String]>([])
        let changes = try Provisioner(request) { line in lines.withLock { $0.append(line) } }.run()
        return (changes, lines.withLock { $0 })
    }

    static func mode(_ path: String) throws -> Int {
        try #require(try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber).intValue
    }

    @Test("provisions a scratch root, then a second run changes nothing and says so")
    func provisionTwice() async throws {
        let root = try RigFixture.scratch()
        let unit = try await Self.unit("streetlightd", in: try RigFixture.scratch())
        let (changes, lines) = try Self.provision(Self.request(root: root, unit: unit))
        print(lines.joined(separator: "\n"))
        #expect(changes == 7, "\(lines)")

        let config = try String(contentsOfFile: root.path + "/etc/curbside/streetlightd.yaml", encoding: .utf8)
        #expect(config.contains("  site: mapo-gu\n  kind: streetlight\n  device: pole-0999\n"), "\(config)")
        #expect(config.contains("board: /usr/share/curbside/boards/raspberry-pi-4b.yaml"))
        #expect(config.contains("hal:\n  backend: linux\n"))
        #expect(config.contains("# Customize to suit your situation"), "the example's comments stay")
        #expect(FileManager.default.fileExists(atPath: root.path + "/var/lib/curbside/streetlightd"))

        let key = root.path + "/etc/curbside/streetlightd/device.key"
        #expect(try Self.mode(key) == 0o600)
        let csr = root.path + "/etc/curbside/streetlightd/device.csr"
        let subject = try await ToolRun.run("openssl", ["req", "-in", csr, "-noout", "-subject", "-verify"])
        #expect(subject.output.contains("CN = mapo-gu~streetlight~pole-0999"), "\(subject.output)")
        #expect(subject.output.contains("verify OK"), "the CSR is signed by the key: \(subject.output)")
        let link = root.path + "/etc/systemd/system/multi-user.target.wants/streetlightd.service"
        #expect(
            try FileManager.default.destinationOfSymbolicLink(atPath: link)
                == "/lib/systemd/system/streetlightd.service")
        let keyBefore = try Data(contentsOf: URL(fileURLWithPath: key))

        let (again, secondLines) = try Self.provision(Self.request(root: root, unit: unit))
        #expect(again == 0, "\(secondLines)")
        #expect(secondLines.last?.hasPrefix("nothing to change") == true, "\(secondLines)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: key)) == keyBefore, "the key is never replaced")
    }

    /// The configuration keeps `state_dir` as the board sees it (absolute, `^/` in the schema) and the folder is made
    /// under the root, as `systemctl --root` and `systemd-tmpfiles --root` do; only the state directory itself is
    /// 0750: the folders above it stay 0755, or the daemon's user could not reach it (they were made 0750 root).
    @Test("--root: state_dir stays the board's path, made under the root with 0755 parents and a 0750 folder")
    func stateDirectoryUnderRoot() async throws {
        let root = try RigFixture.scratch()
        let unit = try await Self.unit("streetlightd", in: try RigFixture.scratch())
        _ = try Self.provision(Self.request(root: root, unit: unit))
        let config = try String(contentsOfFile: root.path + "/etc/curbside/streetlightd.yaml", encoding: .utf8)
        #expect(config.contains("\nstate_dir: /var/lib/curbside/streetlightd\n"), "\(config)")
        #expect(try Self.mode(root.path + "/var/lib/curbside/streetlightd") == 0o750)
        for parent in ["/var", "/var/lib", "/var/lib/curbside", "/etc", "/etc/curbside"] {
            #expect(try Self.mode(root.path + parent) == 0o755, "\(parent)")
        }
    }

    @Test("--dry-run changes nothing and lists what it would do")
    func dryRun() async throws {
        let root = try RigFixture.scratch()
        var request = Self.request(root: root, unit: try await Self.unit("streetlightd", in: try RigFixture.scratch()))
        request.dryRun = true
        let (changes, lines) = try Self.provision(request)
        #expect(changes == 7)
        #expect(lines.filter { $0.hasPrefix("  would") }.count == 7, "\(lines)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: root.path).isEmpty)
    }

    @Test("an edited configuration is kept (and said so) unless --force; installed certificate files are 0600/0644")
    func editedAndGivenFiles() async throws {
        let root = try RigFixture.scratch()
        let scratch = try RigFixture.scratch()
        let unit = try await Self.unit("streetlightd", in: scratch)
        // A certificate and key from the test PKI's tool: openssl, as a CA would hand them over.
        let key = scratch.appendingPathComponent("given.key").path
        let certificate = scratch.appendingPathComponent("given.pem").path
        let made = try await ToolRun.run(
            "openssl",
            [
                "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", key,
                "-out",
                certificate, "-subj", "/CN=mapo-gu~streetlight~pole-0999", "-days", "1",
            ])
        #expect(made.status == 0, "\(made.output)")
        var request = Self.request(root: root, unit: unit)
        request.certificate = certificate
        request.key = key
        request.broker = "mqtts://broker.example:8883"
        _ = try Self.provision(request)
        let folder = root.path + "/etc/curbside/streetlightd"
        #expect(try Self.mode(folder + "/device.key") == 0o600)
        #expect(try Self.mode(folder + "/device.pem") == 0o644)
        let path = root.path + "/etc/curbside/streetlightd.yaml"
        let written = try String(contentsOfFile: path, encoding: .utf8)
        #expect(written.contains("  url: mqtts://broker.example:8883\n"), "\(written)")
        #expect(written.contains("    key_file: /etc/curbside/streetlightd/device.key"), "\(written)")

        try (written + "# edited on the pole\n").write(toFile: path, atomically: true, encoding: .utf8)
        let (changes, lines) = try Self.provision(request)
        #expect(changes == 0 && lines.contains { $0.contains("kept — --force replaces it") }, "\(lines)")
        #expect(try String(contentsOfFile: path, encoding: .utf8).hasSuffix("# edited on the pole\n"))
        request.force = true
        let (forced, _) = try Self.provision(request)
        let replaced = try String(contentsOfFile: path, encoding: .utf8)
        #expect(forced == 1 && replaced == written)
    }

    /// The package installs every example unedited as `/etc/curbside/<daemon>.yaml`; provisioning a board from the
    /// package must replace that default, or it always stops at the configuration without --force.
    @Test("the package's unedited default configuration is replaced without --force")
    func packagedDefaultIsReplaced() async throws {
        let root = try RigFixture.scratch()
        let request = Self.request(root: root, unit: try await Self.unit("streetlightd", in: try RigFixture.scratch()))
        let path = root.path + "/etc/curbside/streetlightd.yaml"
        try FileManager.default.createDirectory(
            atPath: root.path + "/etc/curbside", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: request.examples + "/streetlightd.yaml", toPath: path)
        let (changes, lines) = try Self.provision(request)
        #expect(changes == 7, "\(lines)")
        #expect(lines.contains { $0.contains("the package's default, unedited") }, "\(lines)")
        #expect(try String(contentsOfFile: path, encoding: .utf8).contains("  device: pole-0999\n"))
    }

    @Test("a kept, edited configuration's state_dir is the state directory made, not the example's")
    func keptConfigurationStateDirectory() async throws {
        let root = try RigFixture.scratch()
        let request = Self.request(root: root, unit: try await Self.unit("streetlightd", in: try RigFixture.scratch()))
        _ = try Self.provision(request)
        let path = root.path + "/etc/curbside/streetlightd.yaml"
        let written = try String(contentsOfFile: path, encoding: .utf8)
        let edited = written.replacingOccurrences(
            of: "\nstate_dir: /var/lib/curbside/streetlightd\n", with: "\nstate_dir: /srv/curbside/lamps\n")
        #expect(edited != written, "\(written)")
        try edited.write(toFile: path, atomically: true, encoding: .utf8)
        let (_, lines) = try Self.provision(request)
        #expect(lines.contains { $0.contains("kept — --force replaces it") }, "\(lines)")
        #expect(FileManager.default.fileExists(atPath: root.path + "/srv/curbside/lamps"), "\(lines)")
        #expect(try Self.mode(root.path + "/srv/curbside/lamps") == 0o750)
    }

    @Test("an identity that would break the topic scheme, or an unknown kind, is refused before anything is written")
    func refused() async throws {
        let root = try RigFixture.scratch()
        let unit = try await Self.unit("streetlightd", in: try RigFixture.scratch())
        var request = Self.request(root: root, unit: unit)
        request.site = "jongno/+"
        #expect(throws: (any Error).self) { try Self.provision(request) }
        request = Self.request(root: root, unit: unit)
        request.kind = "teleporter"
        #expect(throws: ProvisionError.self) { try Self.provision(request) }
        #expect(try FileManager.default.contentsOfDirectory(atPath: root.path).isEmpty)
    }
}

/// `--config` left out: the configuration of the one enabled daemon.
@Suite("curbctl --config default")
struct ConfigOptionTests {
    @Test("after provisioning, the enabled daemon's configuration is the default among the package's four")
    func enabledDaemon() async throws {
        let root = try RigFixture.scratch()
        var option = try ConfigOption.parse([])
        #expect(throws: (any Error).self) { try option.resolve(root: root.path) }
        let unit = try await ProvisionTests.unit("streetlightd", in: try RigFixture.scratch())
        _ = try ProvisionTests.provision(ProvisionTests.request(root: root, unit: unit))
        let etc = root.appendingPathComponent("etc/curbside")
        for daemon in ["crosswalkd", "vibrationd"] {
            try "{}".write(to: etc.appendingPathComponent("\(daemon).yaml"), atomically: true, encoding: .utf8)
        }
        #expect(try option.resolve(root: root.path) == "/etc/curbside/streetlightd.yaml")
        option = try ConfigOption.parse(["--config", "/x.yaml"])
        #expect(try option.resolve(root: root.path) == "/x.yaml")
    }
}
