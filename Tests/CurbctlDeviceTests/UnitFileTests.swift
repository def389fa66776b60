import CurbsideTestKit
import Foundation
import Testing

/// The systemd units from Tools/systemd/render, checked by `systemd-analyze verify` in a scratch root that holds
/// the host's systemd units and the daemons' binaries at their installed paths (as the package lays them out).
@Suite("systemd units", .serialized, .timeLimit(.minutes(2)))
struct UnitFileTests {
    static let render = RigFixture.root.appendingPathComponent("Tools/systemd/render").path

    static func daemons() throws -> [String] {
        try String(contentsOf: RigFixture.root.appendingPathComponent("Tools/daemons"), encoding: .utf8)
            .split(separator: "\n").filter { !$0.hasPrefix("#") && !$0.allSatisfy(\.isWhitespace) }
            .map { String($0.split(separator: " ")[0]) }
    }

    /// A root with systemd's own units (sysinit.target and friends) and an executable at /usr/bin/<daemon>.
    static func verificationRoot() throws -> URL? {
        guard FileManager.default.fileExists(atPath: "/lib/systemd/system/sysinit.target") else { return nil }
        let root = try RigFixture.scratch()
        let units = root.appendingPathComponent("lib/systemd/system")
        try FileManager.default.createDirectory(at: units, withIntermediateDirectories: true)
        for name in try FileManager.default.contentsOfDirectory(atPath: "/lib/systemd/system") {
            let source = "/lib/systemd/system/\(name)"
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: source, isDirectory: &isDirectory), !isDirectory.boolValue
            else { continue }
            try? FileManager.default.copyItem(atPath: source, toPath: units.appendingPathComponent(name).path)
        }
        let bin = root.appendingPathComponent("usr/bin")
        try FileManager.default.createDirectory(at: bin, withIntermediateDirectories: true)
        for daemon in try daemons() {
            let path = bin.appendingPathComponent(daemon).path
            try Data("#!/bin/sh\n".utf8).write(to: URL(fileURLWithPath: path))
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
        }
        return root
    }

    static func verify(_ unit: String, root: URL) async throws -> ToolResult {
        try await ToolRun.run(
            "systemd-analyze", ["verify", "--man=no", "--root=\(root.path)", unit],
            hint: "install systemd (Tools/bootstrap)")
    }

    @Test("every daemon's unit passes systemd-analyze verify with nothing to say")
    func verifyUnits() async throws {
        guard (try? ExecutableLookup.find("systemd-analyze", hint: "")) != nil else {
            print("skipped: systemd-analyze is not installed (Tools/bootstrap installs systemd)")
            return
        }
        guard let root = try Self.verificationRoot() else {
            print("skipped: /lib/systemd/system has no sysinit.target to verify against")
            return
        }
        let rendered = try await ToolRun.run(
            Self.render, ["--all", root.appendingPathComponent("lib/systemd/system").path])
        #expect(rendered.status == 0, "\(rendered.output)")
        for daemon in try Self.daemons() {
            let unit = try String(contentsOfFile: root.path + "/lib/systemd/system/\(daemon).service", encoding: .utf8)
            for directive in [
                "Type=notify", "WatchdogSec=", "Restart=on-failure", "StateDirectory=curbside/\(daemon)",
                "RuntimeDirectory=curbside/\(daemon)", "User=curbside-\(daemon)", "ProtectSystem=strict",
                "NoNewPrivileges=yes", "PrivateTmp=yes",
            ] {
                #expect(unit.contains(directive), "\(daemon): \(directive)")
            }
            let verified = try await Self.verify("\(daemon).service", root: root)
            // verify exits 0 on unknown keys and bad values too; anything it prints is a finding.
            #expect(verified.status == 0 && verified.output.isEmpty, "\(daemon): \(verified.output)")
        }
        // The groups column reaches the unit: only what the daemon needs.
        let crosswalk = try String(
            contentsOfFile: root.path + "/lib/systemd/system/crosswalkd.service", encoding: .utf8)
        #expect(crosswalk.contains("SupplementaryGroups=gpio i2c\n"))
        let agent = try String(contentsOfFile: root.path + "/lib/systemd/system/curb-agent.service", encoding: .utf8)
        #expect(!agent.contains("SupplementaryGroups"))

        // The check can fail: a misspelt key and a bad value are reported.
        let broken = try String(contentsOfFile: root.path + "/lib/systemd/system/crosswalkd.service", encoding: .utf8)
            .replacingOccurrences(of: "Restart=on-failure", with: "Restart=sometimes\nProtectSytem=strict")
        try broken.write(toFile: root.path + "/lib/systemd/system/broken.service", atomically: true, encoding: .utf8)
        let verified = try await Self.verify("broken.service", root: root)
        #expect(verified.output.contains("ProtectSytem") && verified.output.contains("sometimes"), "\(verified.output)")
    }

    @Test("a daemon without a row in Tools/systemd/units is refused by name")
    func missingRow() async throws {
        let rendered = try await ToolRun.run(Self.render, ["teleportd"])
        #expect(rendered.status != 0 && rendered.output.contains("teleportd has no row in Tools/systemd/units"))
    }
}
