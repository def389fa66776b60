import CurbsideTestKit
import Foundation
import Testing

extension CurbctlEndToEnd {
    /// The local safety envelopes of chargerd (`hardware.ceiling_a`) and fuelcelld (`hardware.limits.power_ceiling_kw`,
    /// `ramp_ceiling_kw_per_s`) against the real daemons on their rigs over a real mosquitto: commands and remote
    /// configurations signed by a trusted key, and still refused (or, for a current limit, held) by the envelope.
    @Suite("local safety envelopes on the rig", .serialized)
    struct EnvelopeFleetTests {
        @Test("signed set-power and configurations beyond the envelopes are refused naming them; a limit is held")
        func chargerAndFuelCellEnvelopes() async throws {
            let (keyFile, trustedKey) = try await FleetOnRig.operatorKey()
            let fleet = try await FleetOnRig.start(["chargerd", "fuelcelld"], trusting: trustedKey)
            defer {
                fleet.terminate()
                Task { await fleet.stop() }
            }

            // fuelcelld: a set-point is a demand; above the 4.5 kW ceiling of the rig's configuration it is refused.
            let power = try await fleet.curbctl(["cmd", "chp-1", "set-power", "kw=4.8", "--sign", keyFile])
            #expect(power.status == 2 && power.output.contains("reason: envelope"), "\(power.output)")
            #expect(
                power.output.contains(
                    "4.8 kW is above the local safety envelope device.hardware.limits.power_ceiling_kw (4.5 kW)"),
                "\(power.output)")
            let within = try await fleet.curbctl(["cmd", "chp-1", "set-power", "kw=4.5", "--sign", keyFile])
            #expect(within.status == 0, "\(within.output)")

            // chargerd: a current limit is a maximum; above the 32 A ceiling it is held to the ceiling, and said so.
            let limit = try await fleet.curbctl(["cmd", "evse-1", "set-current-limit", "amps=40", "--sign", keyFile])
            #expect(limit.status == 0, "\(limit.output)")
            #expect(
                limit.output.contains(
                    "40.0 A is above the local safety envelope device.hardware.ceiling_a (32.0 A): held to 32.0 A"),
                "\(limit.output)")
            let lower = try await fleet.curbctl(["cmd", "evse-1", "set-current-limit", "amps=16", "--sign", keyFile])
            #expect(lower.status == 0 && !lower.output.contains("envelope"), "\(lower.output)")

            // Remote configuration: a good one applied first, then one beyond the envelope — caught by curbctl's own
            // validation, and refused by the device when sent anyway, with the running revision kept.
            for push in Self.pushes {
                let goodFile = try fleet.variant(of: push.device, "good-\(push.device).yaml", push.good.0, push.good.1)
                let applied = try await fleet.curbctl(["config", "push", push.device, goodFile, "--sign", keyFile])
                #expect(applied.status == 0 && applied.output.contains("applied  hil/"), "\(applied.output)")
                let active = try #require(Self.activeRevision(applied.output), "\(applied.output)")

                let badFile = try fleet.variant(of: push.device, "bad-\(push.device).yaml", push.bad.0, push.bad.1)
                let local = try await fleet.curbctl(["config", "push", push.device, badFile, "--sign", keyFile])
                #expect(local.status == 65 && local.output.contains(push.refusal), "\(local.output)")
                let sent = try await fleet.curbctl([
                    "config", "push", push.device, badFile, "--sign", keyFile, "--no-validate",
                ])
                #expect(sent.status == 2 && sent.output.contains("rejected  hil/"), "\(sent.output)")
                #expect(
                    sent.output.contains("✗ \(push.path): ") && sent.output.contains(push.refusal), "\(sent.output)")
                #expect(Self.activeRevision(sent.output) == active, "\(sent.output)")
            }
        }

        /// A remote configuration within the envelope (`good`: the template's text replaced) and one beyond it.
        struct Push {
            var device: String
            var good: (String, String)
            var bad: (String, String)
            var path: String
            var refusal: String
        }

        static let pushes = [
            Push(
                device: "evse-1", good: ("telemetry_interval_s: 1", "telemetry_interval_s: 1\n  max_current_a: 20"),
                bad: ("telemetry_interval_s: 1", "telemetry_interval_s: 1\n  max_current_a: 40"),
                path: "$.config.device.max_current_a",
                refusal: "40.0 A is above the local safety envelope device.hardware.ceiling_a (32.0 A)"),
            Push(
                device: "chp-1", good: ("ramp_kw_per_s: 1", "ramp_kw_per_s: 0.5"),
                bad: ("ramp_kw_per_s: 1", "ramp_kw_per_s: 2"), path: "$.config.device.ramp_kw_per_s",
                refusal:
                    "2.0 kW/s is above the local safety envelope device.hardware.limits.ramp_ceiling_kw_per_s (1.0 kW/s)"
            ),
            Push(
                device: "chp-1", good: ("ramp_kw_per_s: 1", "ramp_kw_per_s: 0.75"),
                bad: ("warm_up_kw: 1", "warm_up_kw: 5"), path: "$.config.device.warm_up_kw",
                refusal: "5.0 kW is above the local safety envelope device.hardware.limits.power_ceiling_kw (4.5 kW)"),
        ]

        /// The `(active N)` of a `config push` report.
        static func activeRevision(_ output: String) -> String? {
            guard let start = output.range(of: "(active ") else { return nil }
            return String(output[start.upperBound...].prefix { $0.isNumber })
        }
    }
}
