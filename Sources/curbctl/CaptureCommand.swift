import AgentRuntime
import ArgumentParser
import CurbctlFleet
import FoundationEssentials
import HAL

struct CaptureCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "capture", abstract: "List and download vibration captures (vibrationd).",
        subcommands: [List.self, Get.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the captures a vibration gauge has stored.", discussion: "  curbctl capture list pier-3")

        @OptionGroup var broker: BrokerOptions
        @OptionGroup var output: OutputOptions
        @Argument(help: "The device: site/kind/id or a unique id.") var device: String
        @Option(help: "Seconds to wait for the answer.") var timeout: Double = 10

        func run() async throws {
            let json = output.json
            try await Output.run { () async throws(FleetError) -> ExitStatus in
                let (connection, target) = try await broker.connect(to: device)
                defer { connection.close() }
                let entries = try await CaptureDownload.list(
                    target, on: connection, timeout: .milliseconds(Int(timeout * 1000)))
                if json {
                    Output.line(JSONText.encode(entries, pretty: true))
                } else if entries.isEmpty {
                    Output.line("\(target): no captures stored")
                } else {
                    Output.line(
                        Text.table(
                            ["ID", "TRIGGERED (UTC)", "BYTES"],
                            entries.map { [$0.id, Self.triggerTime($0.id), String($0.bytes)] }))
                }
                return .success
            }
        }

        /// `capture-001764049725123` → its trigger time (the id is the trigger time in epoch milliseconds).
        static func triggerTime(_ id: String) -> String {
            guard let ms = Int(id.dropFirst("capture-".count)) else { return "-" }
            return RFC3339.format(Date(timeIntervalSince1970: Double(ms) / 1000))
        }
    }

    struct Get: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Download a capture chunk by chunk, check its CRC-32, and write CSV, WAV or the raw .vcap.",
            discussion: """
                Without ID, the newest capture. CSV: columns t_s (seconds from the trigger, negative before it), \
                x_g, y_g, z_g. WAV: three channels x, y, z as 32-bit float in g at the output data rate (rounded \
                to whole hertz). vcap: the daemon's own file (format in Sources/VibrationLogic/README.md).
                  curbctl capture get pier-3
                  curbctl capture get pier-3 capture-001764049725123 --format wav -o shock.wav
                """)

        @OptionGroup var broker: BrokerOptions
        @Argument(help: "The device: site/kind/id or a unique id.") var device: String
        @Argument(help: "The capture id (default: the newest).") var id: String?
        @Option(help: "csv, wav or vcap.") var format: Format = .csv
        @Option(name: [.short, .long], help: "Output file (default: ID.FORMAT in this folder).") var output: String?
        @Option(help: "Bytes per chunk (256…262144).") var chunkSize: Int = 32_768
        @Option(help: "Seconds to wait for the next chunk or the result.") var timeout: Double = 15

        enum Format: String, ExpressibleByArgument, CaseIterable {
            case csv, wav, vcap
        }

        func run() async throws {
            try await Output.run { () async throws(FleetError) -> ExitStatus in
                let (connection, target) = try await broker.connect(to: device)
                defer { connection.close() }
                let wait = Duration.milliseconds(Int(timeout * 1000))
                let chosen: String
                if let id {
                    chosen = id
                } else {
                    guard
                        let newest = try await CaptureDownload.list(target, on: connection, timeout: wait).map(\.id)
                            .max()
                    else {
                        throw FleetError(.unknownDevice, broker: connection.broker, detail: "\(target) has no captures")
                    }
                    chosen = newest
                }
                var bar = ProgressBar(label: chosen, interactive: Terminal.isTTY(2))
                let data = try await CaptureDownload.get(
                    target, id: chosen, chunkSize: chunkSize, on: connection, timeout: wait
                ) { received, count, bytes in
                    if let text = bar.update(received, of: count, detail: "\(bytes) B") { Output.error(text) }
                }
                let exportFormat = CaptureExport.Format(rawValue: format.rawValue) ?? .csv
                let encoded = try CaptureExport.encode(data, as: exportFormat, id: chosen)
                let path = output ?? "\(chosen).\(format.rawValue)"
                do {
                    try encoded.write(to: URL(fileURLWithPath: path))
                } catch {
                    throw FleetError(.failed, detail: "\(path): \(error)")
                }
                Output.line(
                    "\(chosen): \(data.count) bytes, CRC-32 \(String(CRC32.checksum(data), radix: 16)) ok → \(path) (\(format.rawValue))"
                )
                return .success
            }
        }
    }
}
