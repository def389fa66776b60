import AgentRuntime
import ChargerDevice
import ConfigSupport
import CrosswalkDevice
import Foundation
import FuelCellDevice
import ModbusBridgeDevice
import StreetlightDevice
import VibrationDevice
import Yams

/// Each daemon's `device` section, for the configuration and desired-configuration targets: its name, the example
/// configuration it is read from, and what the targets do with text in that shape.
struct DeviceKind: Sendable {
    let daemon: String
    /// Parses a whole configuration file with this daemon's device section, as `--check-config` does.
    let parse: @Sendable (String) -> Void
    /// Handles one `config/desired` payload as the daemon's `RemoteConfigurator` does; `state` starts empty.
    let desired: @Sendable ([UInt8], String) async -> Void

    static let all: [DeviceKind] = [
        kind("streetlightd", StreetlightConfiguration.self), kind("vibrationd", VibrationConfiguration.self),
        kind("crosswalkd", CrosswalkConfiguration.self), kind("modbusd", ModbusdConfiguration.self),
        kind("chargerd", ChargerConfiguration.self), kind("fuelcelld", FuelCellConfiguration.self),
    ]

    private static func kind<Section: DeviceConfiguration>(_ daemon: String, _ type: Section.Type) -> DeviceKind {
        let example = Fuzz.path("Firmware-config/examples/\(daemon).yaml")
        let baseline = (try? String(contentsOfFile: example, encoding: .utf8)).flatMap { text in
            try? AgentConfiguration.parse(yaml: text, file: example, device: Section.read).1
        }
        return DeviceKind(
            daemon: daemon,
            parse: { text in
                do {
                    _ = try AgentConfiguration.parse(yaml: text, file: "fuzz.yaml", device: Section.read)
                } catch {
                    _ = String(describing: error)
                }
            },
            desired: { payload, state in
                guard let baseline else { preconditionFailure("\(example) does not parse") }
                await DesiredTarget.handle(
                    payload, device: RemoteSection(reader: DeviceSectionReader(local: baseline)), baseline: baseline,
                    state: state)
            })
    }
}

/// A device whose `device` section is read by the daemon's own reader (local hardware part compared with the example
/// file's); applying does nothing and it is always healthy, so every valid revision is applied and persisted.
struct RemoteSection<Section: DeviceConfiguration>: RemotelyConfigurable {
    let reader: DeviceSectionReader<Section>

    func read(_ reader: inout NodeReader, _ node: Node?, at path: JSONPath) -> Section? {
        self.reader.read(&reader, node, at: path)
    }

    func apply(_ settings: Section) async throws {}
    func isHealthy() async -> Bool { true }
}
