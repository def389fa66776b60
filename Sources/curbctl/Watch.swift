import AgentRuntime
import ArgumentParser
import CurbctlFleet
import FoundationEssentials
import MQTTTransport

struct Watch: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show telemetry, events, state and command results as they arrive, with units.",
        discussion: """
            FILTER is site/kind/id with + for any segment (+/streetlight/+), or one name matching a device id, \
            a kind or a site (pole-0417, vibration, jongno-gu); without it, everything under curb/v1/. \
            Values carry their unit in their name (temperature_c → °C, x_rms_m_s2 → m/s²); per-axis values are \
            folded into a small x/y/z table and long lists (a spectrum's bands) summarised. Colour on a \
            terminal only. Ctrl-C stops.
              curbctl watch
              curbctl watch pier-3
              curbctl watch +/streetlight/+ --json
            """)

    @OptionGroup var broker: BrokerOptions
    @OptionGroup var output: OutputOptions

    @Argument(help: "site/kind/id (with + wildcards) or a device id, kind or site.")
    var filter: String?

    @Option(help: "Stop after this many messages (for scripts).") var count: Int?
    @Option(help: "Stop after this many seconds (for scripts).") var seconds: Double?

    func run() async throws {
        let (json, colour) = (output.json, output.colour)
        try await Output.run { () async throws(FleetError) -> ExitStatus in
            let watchFilter = try WatchFilter(filter)
            let connection = try await broker.connect { _, note in Output.error("curbctl watch: \(note)\n") }
            defer { connection.close() }
            try await connection.subscribe([watchFilter.subscription])
            if !json {
                Output.error("curbctl watch: \(watchFilter.subscription) on \(connection.broker) (Ctrl-C stops)\n")
            }
            let formatter = WatchFormatter(colour: colour, width: Terminal.width)
            let deadline = seconds.map { ContinuousClock.now + .milliseconds(Int($0 * 1000)) }
            var shown = 0
            while count.map({ shown < $0 }) ?? true, let message = await connection.next(before: deadline) {
                guard let topic = DeviceTopic(message.topic), watchFilter.matches(topic) else { continue }
                let received = RFC3339.format(Date())
                if json {
                    Output.line(
                        JSONText.encode(
                            [
                                "topic": .string(message.topic), "site": .string(topic.identity.site),
                                "kind": .string(topic.identity.kind), "id": .string(topic.identity.device),
                                "part": .string(topic.partName), "retained": .bool(message.retain),
                                "received": .string(received),
                                "payload": JSONText.decode(message.payload) ?? .string(message.payloadString),
                            ] as JSONValue, pretty: false))
                } else {
                    for line in formatter.lines(for: message, receivedAt: received) { Output.line(line) }
                }
                shown += 1
            }
            return .success
        }
    }
}
