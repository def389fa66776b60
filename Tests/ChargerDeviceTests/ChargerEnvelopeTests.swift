import AgentRuntime
import ChargerDevice
import ChargerLogic
import ConfigSupport
import DeviceTestKit
import Testing

/// The current ceiling as the configuration readers hold it: a `max_current_a` above the local `hardware.ceiling_a`
/// is refused, in the local file and in a remote configuration, naming the envelope and both values.
@Suite("Charger current envelope")
struct ChargerEnvelopeTests {
    static let hardware = "hardware: {meter: {serial: rs485-0, unit: 1}, ceiling_a: 16}"

    func local(_ yaml: String) throws -> ChargerConfiguration {
        let (configuration, issues) = try ChargerConfiguration.read(yaml: yaml)
        return try #require(configuration, "\(issues)")
    }

    @Test("a remote max_current_a above the local ceiling is refused, naming the envelope; within it passes")
    func remoteConfiguration() throws {
        let local = try local("\(Self.hardware)\nmax_current_a: 16")
        let reader = DeviceSectionReader<ChargerConfiguration>(local: local)
        let hardware: JSONValue = ["meter": ["serial": "rs485-0", "unit": 1], "ceiling_a": 16]
        guard
            case .failure(let refused) = reader.validate(desired: [
                "device": ["hardware": hardware, "max_current_a": 32]
            ])
        else {
            Issue.record("max_current_a 32 above the 16 A ceiling was accepted")
            return
        }
        #expect(
            refused.errors == [
                "$.config.device.max_current_a: expected a value within the local safety envelope, got 32.0 A is above "
                    + "the local safety envelope device.hardware.ceiling_a (16.0 A)"
            ])
        guard
            case .success(let kept) = reader.validate(desired: ["device": ["hardware": hardware, "max_current_a": 10]])
        else {
            Issue.record("max_current_a 10 within the 16 A ceiling was refused")
            return
        }
        #expect(kept.settings.maxCurrentAmps == 10)
    }

    @Test("the local file is held to its own ceiling; a default left out is capped at run time instead")
    func localFile() throws {
        let (refused, issues) = try ChargerConfiguration.read(yaml: "\(Self.hardware)\nmax_current_a: 20")
        #expect(refused == nil)
        #expect(issues.map(\.path) == ["$.device.max_current_a"])
        // max_current_a left at its default (32 A) under a 16 A ceiling: read, and the machine offers no more than 16 A.
        let lowered = try local(Self.hardware)
        #expect(lowered.settings.maxCurrentAmps == 32)
        let machine = ChargerMachine(settings: lowered.settings, ceilingAmps: lowered.hardware.ceilingAmps)
        #expect(machine.offeredAmps == 16)
    }
}
