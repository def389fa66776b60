import CurbsideTestKit
import Foundation
import Testing

/// The shipped example ACL (`Firmware-config/mosquitto/curbside.acl`) on a real mosquitto.
@Suite("Example broker ACL", .serialized, .timeLimit(.minutes(3)))
struct BrokerACLTests {
    static let acl = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Firmware-config/mosquitto/curbside.acl").path
    let deviceA = "district-7~streetlight~pole-0042"
    let deviceB = "district-7~streetlight~pole-0043"
    let prefixA = "curb/v1/district-7/streetlight/pole-0042"
    let prefixB = "curb/v1/district-7/streetlight/pole-0043"

    func broker() async throws -> MosquittoBroker {
        let passwords = FileManager.default.temporaryDirectory.appendingPathComponent(
            "curb-passwd-\(UUID().uuidString.prefix(8))"
        ).path
        for (index, user) in ["operator", deviceA, deviceB].enumerated() {
            let created = try await ToolRun.run(
                "mosquitto_passwd", (index == 0 ? ["-c"] : []) + ["-b", passwords, user, "pw-\(user)"])
            #expect(created.status == 0, "\(created.output)")
        }
        let broker = try MosquittoBroker(
            extraConfiguration: [
                "listener %PORT% 127.0.0.1", "allow_anonymous false", "password_file \(passwords)",
                "acl_file \(Self.acl)",
            ])
        try await broker.start()
        return broker
    }

    func credentials(_ user: String) -> [String] { ["-u", user, "-P", "pw-\(user)"] }

    @Test("device A cannot publish to device B's cmd/, but can publish its own status")
    func crossDevicePublishIsDropped() async throws {
        let broker = try await broker()
        // No time window decides the outcome: the forged command goes first and each publish is acknowledged before
        // the next starts, so the broker handles them in order and delivers to the one watcher in that order. Once
        // the control message is there, a forged command the broker let through would be there before it.
        let watcher = try await broker.subscriber(
            ["curb/v1/#"], seconds: 60, markerPrefix: "curb/v1/t-site/marker", credentials: credentials("operator"))
        for (topic, message) in [("\(prefixB)/cmd/reboot-agent", #"{"id":"evil"}"#), ("\(prefixA)/status", "a-online")]
        {
            let sent = try await ToolRun.run(
                "mosquitto_pub",
                ["-p", "\(broker.port)", "-q", "1", "-t", topic, "-m", message] + credentials(deviceA))
            #expect(sent.status == 0, "\(sent.output)")
        }
        let control = try await waitUntil(.seconds(30)) { watcher.output.contains("\(prefixA)/status a-online") }
        _ = await watcher.stop()
        #expect(control, "control message missing: \(watcher.output)")
        #expect(!watcher.output.contains("evil"), "device A reached device B's cmd/: \(watcher.output)")
    }

    @Test("device A cannot read device B's commands")
    func crossDeviceSubscribeSeesNothing() async throws {
        let broker = try await broker()
        let sent = try await ToolRun.run(
            "mosquitto_pub",
            ["-p", "\(broker.port)", "-q", "1", "-r", "-t", "\(prefixB)/cmd/set-level", "-m", "secret"]
                + credentials("operator"))
        #expect(sent.status == 0, "\(sent.output)")
        // The spy also subscribes, after B's commands, to a retained message device A may read. A SUBSCRIBE's retained
        // messages come in the order of its filters, so once that control message is there, a leaked command would
        // have come before it; no time window decides.
        let marked = try await ToolRun.run(
            "mosquitto_pub",
            ["-p", "\(broker.port)", "-q", "1", "-r", "-t", "\(prefixA)/cmd/spy-control", "-m", "spy-control-7f"]
                + credentials("operator"))
        #expect(marked.status == 0, "\(marked.output)")
        let filters = ["-t", "\(prefixB)/cmd/+", "-t", "\(prefixA)/cmd/spy-control"]
        let spy = try await ToolRun.run(
            "mosquitto_sub", ["-p", "\(broker.port)", "-C", "1", "-W", "20"] + filters + credentials(deviceA))
        #expect(spy.output.contains("spy-control-7f"), "control: device A should read its own command: \(spy.output)")
        #expect(!spy.output.contains("secret"), "device A read B's command: \(spy.output)")
        let owner = try await ToolRun.run(
            "mosquitto_sub",
            ["-p", "\(broker.port)", "-t", "\(prefixB)/cmd/+", "-C", "1", "-W", "20"] + credentials(deviceB))
        #expect(owner.output.contains("secret"), "control: device B should read its own command: \(owner.output)")
    }
}
