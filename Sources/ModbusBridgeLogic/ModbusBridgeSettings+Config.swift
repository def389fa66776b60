public import ConfigSupport
public import Yams

extension ModbusBridgeSettings {
    /// modbusd's remotely settable keys, each declared once (reading and `Firmware-config/schema/modbusd-device…`).
    public static var section: ConfigSection<ModbusBridgeSettings> {
        ConfigSection(
            doc: "How devices that stop answering are treated, and how often the device counters are published.",
            keys: [
                // One lost frame on a noisy RS-485 line must not mark a device offline; 100 in a row is plainly dead.
                .integer(
                    "offline_after", \.offlineAfter, 1...100,
                    doc: "Transfers in a row without an answer before a device is offline and backed off."),
                .integer(
                    "backoff_initial_ms", \.initialBackoff, 100...600_000, "ms", as: .milliseconds,
                    doc: "First wait before an offline device is tried again; doubles per failed retry."),
                .integer(
                    "backoff_max_s", \.maximumBackoff, 1...3_600, "s", as: .seconds,
                    doc: "Longest wait between retries of an offline device."),
                .integer(
                    "status_interval_s", \.statusInterval, 1...86_400, "s", as: .seconds,
                    doc: "Period of telemetry/devices (per device: state, polls, errors, timeouts, skipped polls)."),
            ],
            rules: [
                { reader, found, settings in
                    guard found.valid("backoff_initial_ms") != nil || found.valid("backoff_max_s") != nil,
                        settings.initialBackoff > settings.maximumBackoff
                    else { return }
                    reader.report(
                        .invalidValue, at: found.path.appending("backoff_max_s"),
                        expected: "at least backoff_initial_ms (\(settings.initialBackoff))",
                        found: "\(settings.maximumBackoff)", node: found.keys["backoff_max_s"])
                }
            ])
    }

    /// Reads the keys at `path` (absent: the defaults).
    public static func read(_ reader: inout NodeReader, _ node: Node?, at path: JSONPath) -> ModbusBridgeSettings? {
        section.read(&reader, node, at: path, defaults: ModbusBridgeSettings())
    }
}
