import CurbsideTestKit
import Foundation
import Testing

extension CurbctlEndToEnd {
    /// Signed commands and configuration end to end: `curbctl keys gen`, then `cmd --sign` and `config push --sign`
    /// against the real streetlightd and crosswalkd on their rigs with a `security` section (and a night envelope), over a real mosquitto.
    @Suite("signed commands and configuration on the rig", .serialized)
    struct SignedFleetTests {
        @Test("chargerd's and fuelcelld's actuator commands need a signature by default; signed, they reach the logic")
        func chargerAndFuelCellActuatorsAreSigned() async throws {
            let (keyFile, trustedKey) = try await FleetOnRig.operatorKey()
            let fleet = try await FleetOnRig.start(["chargerd", "fuelcelld"], trusting: trustedKey)
            defer {
                fleet.terminate()
                Task { await fleet.stop() }
            }
            let signatureReasons = ["unsigned", "invalid-signature", "bad-signature", "unknown-key", "wrong-device"]
            for (device, command) in [
                ("evse-1", ["set-current-limit", "amps=16"]), ("evse-1", ["authorize", "id_tag=04A1B2C3"]),
                ("chp-1", ["set-power", "kw=10"]), ("chp-1", ["start"]),
            ] {
                let unsigned = try await fleet.curbctl(["cmd", device] + command)
                #expect(unsigned.status == 2 && unsigned.output.contains("reason: unsigned"), "\(unsigned.output)")
                let signed = try await fleet.curbctl(["cmd", device] + command + ["--sign", keyFile])
                // Accepted, or refused by the daemon's own logic — never for its signature, never unanswered.
                #expect(signed.status == 0 || signed.status == 2, "\(signed.output)")
                #expect(!signatureReasons.contains { signed.output.contains("reason: \($0)") }, "\(signed.output)")
            }
            // Reading is not an actuator: no signature needed.
            #expect(try await fleet.curbctl(["cmd", "chp-1", "ping"]).status == 0)
        }

        @Test("keys gen, signed cmd and config push accepted; unsigned, envelope, an exposed key file refused; events")
        func signedEndToEnd() async throws {
            let keys = FileManager.default.temporaryDirectory.appendingPathComponent("keys-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: keys, withIntermediateDirectories: true)
            let keyFile = keys.appendingPathComponent("ops-test.key").path
            let curbctl = try ExecutableLookup.builtProduct("curbctl")
            let generated = try await ToolRun.run(curbctl, ["keys", "gen", "ops-test", keyFile])
            #expect(generated.status == 0, "\(generated.output)")
            let mode = try FileManager.default.attributesOfItem(atPath: keyFile)[.posixPermissions] as? Int
            #expect(mode == 0o600)
            let line = try #require(
                generated.output.split(separator: "\n").first { $0.hasPrefix("- {id: ops-test, public_key: ") },
                "\(generated.output)")
            // Never overwritten.
            #expect(try await ToolRun.run(curbctl, ["keys", "gen", "ops-test", keyFile]).status != 0)

            let fleet = try await FleetOnRig.start(["streetlightd", "crosswalkd"]) { config in
                config.replacingOccurrences(of: "meter: 0x45}", with: "meter: 0x45, min_night_level_percent: 20}")
                    + "\nsecurity:\n  trusted_keys:\n    \(line)\n"
            }
            defer {
                fleet.terminate()
                Task { await fleet.stop() }
            }
            // Active before this returns (not a guessed sleep): no security event can come before it.
            let events = try await fleet.broker.subscriber(["curb/v1/hil/streetlight/pole-1/event/security"])
            defer { events.signal(SIGTERM) }

            let unsigned = try await fleet.curbctl(["cmd", "pole-1", "set-level", "level=30"])
            #expect(unsigned.status == 2, "\(unsigned.output)")
            #expect(unsigned.output.contains("reason: unsigned"), "\(unsigned.output)")
            let signed = try await fleet.curbctl(["cmd", "pole-1", "set-level", "level=30", "--sign", keyFile])
            #expect(signed.status == 0, "\(signed.output)")
            #expect(signed.output.hasPrefix("accepted  hil/streetlight/pole-1 set-level"), "\(signed.output)")
            // Not an actuator: no signature needed.
            #expect(try await fleet.curbctl(["cmd", "pole-1", "ping"]).status == 0)
            // Signed by a valid key and still refused: the night envelope.
            let dark = try await fleet.curbctl(["cmd", "pole-1", "set-level", "level=0", "--sign", keyFile])
            #expect(dark.status == 2, "\(dark.output)")
            #expect(dark.output.contains("reason: envelope"), "\(dark.output)")
            #expect(dark.output.contains("device.hardware.min_night_level_percent (20.0 %)"), "\(dark.output)")

            // crosswalkd's one actuator command is signed by default too; signed, it reaches the crossing's own logic
            // (which has no fault to clear).
            let reset = try await fleet.curbctl(["cmd", "xing-1", "reset-fault"])
            #expect(reset.status == 2 && reset.output.contains("reason: unsigned"), "\(reset.output)")
            let signedReset = try await fleet.curbctl(["cmd", "xing-1", "reset-fault", "--sign", keyFile])
            #expect(
                signedReset.output.contains("reason: refused") && signedReset.output.contains("no fault is latched"),
                "\(signedReset.output)")

            // A key file others can read is refused before anything is sent.
            let exposed = keys.appendingPathComponent("exposed.key").path
            try FileManager.default.copyItem(atPath: keyFile, toPath: exposed)
            try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: exposed)
            let refusedKey = try await fleet.curbctl(["cmd", "pole-1", "set-level", "level=30", "--sign", exposed])
            #expect(refusedKey.status == 65, "\(refusedKey.output)")
            #expect(refusedKey.output.contains("chmod 600"), "\(refusedKey.output)")

            let good = try fleet.variant(of: "pole-1", "good.yaml", "lux_on: 30", "lux_on: 35")
            let unsignedPush = try await fleet.curbctl(["config", "push", "pole-1", good])
            #expect(unsignedPush.status == 2, "\(unsignedPush.output)")
            #expect(unsignedPush.output.contains("✗ $.sig: unsigned:"), "\(unsignedPush.output)")
            let signedPush = try await fleet.curbctl(["config", "push", "pole-1", good, "--sign", keyFile])
            #expect(signedPush.status == 0, "\(signedPush.output)")
            #expect(signedPush.output.contains("applied  hil/streetlight/pole-1"), "\(signedPush.output)")

            // Below the envelope: caught locally (nothing sent), and by the device when sent anyway.
            let darkFile = try fleet.variant(of: "pole-1", "dark.yaml", "lux_on: 30", "lux_on: 30\n  on_level: 0")
            let local = try await fleet.curbctl(["config", "push", "pole-1", darkFile, "--sign", keyFile])
            #expect(local.status == 65, "\(local.output)")
            #expect(local.output.contains("min_night_level_percent"), "\(local.output)")
            let sent = try await fleet.curbctl([
                "config", "push", "pole-1", darkFile, "--sign", keyFile, "--no-validate",
            ])
            #expect(sent.status == 2, "\(sent.output)")
            #expect(
                sent.output.contains("✗ $.config.device.on_level:")
                    && sent.output.contains("device.hardware.min_night_level_percent"), "\(sent.output)")

            #expect(
                try await waitUntil(.seconds(60)) {
                    events.output.contains(#""reason":"unsigned""#) && events.output.contains(#""request":"config""#)
                }, "\(events.output)")
            #expect(events.output.contains(#""request":"set-level""#), "\(events.output)")
        }
    }
}
