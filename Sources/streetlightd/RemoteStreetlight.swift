import AgentRuntime
import ConfigSupport
import StreetlightDevice
import Yams

/// Remote configuration of the `device` section: dimming, lamp-health and environment settings apply at once;
/// `hardware` is local only — a remote change there is refused, so a wrong pin from afar cannot strand a pole.
struct RemoteStreetlight: RemotelyConfigurable {
    let controller: StreetlightController
    let hardware: StreetlightConfiguration.Hardware

    struct HardwareChangeRefused: Error, CustomStringConvertible {
        var description: String { "device.hardware is local configuration; change it on the device" }
    }

    func read(_ reader: inout NodeReader, _ node: Node?, at path: JSONPath) -> StreetlightConfiguration? {
        StreetlightConfiguration.read(&reader, node, at: path)
    }

    func apply(_ settings: StreetlightConfiguration) async throws {
        guard settings.hardware == hardware else { throw HardwareChangeRefused() }
        await controller.apply(settings: settings.settings, environment: settings.environment)
    }

    func isHealthy() async -> Bool { await controller.isHealthy }
}
