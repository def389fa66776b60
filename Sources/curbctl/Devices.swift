import AgentRuntime
import ArgumentParser
import CurbctlFleet
import FoundationEssentials

struct Devices: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the devices the broker knows, from their retained status, state and config/reported.",
        discussion: """
            One row per device: site, kind, id, online, agent version, the configuration revision it runs, when it \
            was last seen (the newest timestamp in its retained documents, or in the telemetry and events it \
            published while listening), and its retained state in short. --listen 0 reads the retained documents \
            only.
              curbctl devices
              curbctl devices --kind streetlight --json
            """)

    @OptionGroup var broker: BrokerOptions
    @OptionGroup var output: OutputOptions

    @Option(help: "Only this site.") var site: String = "+"
    @Option(help: "Only this kind (streetlight, vibration, crosswalk, …).") var kind: String = "+"
    @Option(help: "Seconds to listen to live telemetry and events for 'last seen'.") var listen: Double = 2

    func run() async throws {
        let (json, colour) = (output.json, output.colour)
        try await Output.run { () async throws(FleetError) -> ExitStatus in
            let connection = try await broker.connect()
            defer { connection.close() }
            let records = try await FleetSurvey.run(
                on: connection, site: site, kind: kind, listen: .milliseconds(Int(max(0, listen) * 1000)))
            let now = Date()
            if json {
                Output.line(JSONText.encode(JSONValue.array(records.map { document($0) }), pretty: true))
                return .success
            }
            guard !records.isEmpty else {
                Output.error("no devices with a retained status on \(connection.broker)\n")
                return .success
            }
            let rows = records.map { record -> [String] in
                let online: String
                switch record.online {
                case true?: online = colour ? "\u{1B}[32myes\u{1B}[0m" : "yes"
                case false?: online = colour ? "\u{1B}[31mno\u{1B}[0m" : "no"
                case nil: online = "?"
                }
                return [
                    record.identity.site, record.identity.kind, record.identity.device, online,
                    record.version ?? "-", record.configRevision.map(String.init) ?? "-",
                    record.lastSeen.map { Self.ago($0, now: now) } ?? "-", record.stateSummary,
                ]
            }
            Output.line(
                Text.table(["SITE", "KIND", "ID", "ONLINE", "VERSION", "CONFIG", "LAST SEEN", "STATE"], rows))
            return .success
        }
    }

    private func document(_ record: DeviceRecord) -> JSONValue {
        var object: [String: JSONValue] = [
            "site": .string(record.identity.site), "kind": .string(record.identity.kind),
            "id": .string(record.identity.device),
            "online": record.online.map { .bool($0) } ?? .null,
            "version": record.version.map { .string($0) } ?? .null,
            "agent": record.agent.map { .string($0) } ?? .null,
            "config_revision": record.configRevision.map { .number(Double($0)) } ?? .null,
            "last_seen": record.lastSeen.map { .string(RFC3339.format($0)) } ?? .null,
        ]
        object["status"] = record.status ?? .null
        object["state"] = record.state ?? .null
        return .object(object)
    }

    static func ago(_ date: Date, now: Date) -> String {
        let seconds = Int(now.timeIntervalSince(date).rounded())
        switch seconds {
        case ..<2: return "now"
        case ..<120: return "\(seconds) s ago"
        case ..<7200: return "\(seconds / 60) min ago"
        case ..<172_800: return "\(seconds / 3600) h ago"
        default: return "\(seconds / 86_400) d ago"
        }
    }
}
