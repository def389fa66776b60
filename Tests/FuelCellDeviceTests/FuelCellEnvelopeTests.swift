import AgentRuntime
import ConfigSupport
import DeviceTestKit
import FuelCellDevice
import FuelCellLogic
import Testing

/// The power and ramp ceilings as the configuration readers hold them: `ramp_kw_per_s` above the local
/// `hardware.limits.ramp_ceiling_kw_per_s`, `warm_up_kw` or `start_power_kw` above `power_ceiling_kw` are refused, in
/// the local file and in a remote configuration, naming the envelope and both values.
@Suite("Fuel-cell power and ramp envelopes")
struct FuelCellEnvelopeTests {
    static let hardware = "hardware: {limits: {power_ceiling_kw: 4.5, ramp_ceiling_kw_per_s: 0.5}}"
    static let hardwareJSON: JSONValue = ["limits": ["power_ceiling_kw": 4.5, "ramp_ceiling_kw_per_s": 0.5]]

    func local(_ yaml: String) throws -> FuelCellConfiguration {
        let (configuration, issues) = try FuelCellConfiguration.read(yaml: yaml)
        return try #require(configuration, "\(issues)")
    }

    @Test("a remote ramp or power above the local ceilings is refused, each naming its envelope; within them passes")
    func remoteConfiguration() throws {
        let reader = DeviceSectionReader<FuelCellConfiguration>(local: try local(Self.hardware))
        let raised = reader.validate(
            desired: [
                "device": [
                    "hardware": Self.hardwareJSON, "ramp_kw_per_s": 2, "warm_up_kw": 5, "start_power_kw": 4.6,
                ]
            ])
        guard case .failure(let refused) = raised else {
            Issue.record("a ramp and powers above the local ceilings were accepted")
            return
        }
        let prefix = "expected a value within the local safety envelope, got"
        #expect(
            refused.errors == [
                "$.config.device.ramp_kw_per_s: \(prefix) 2.0 kW/s is above the local safety envelope "
                    + "device.hardware.limits.ramp_ceiling_kw_per_s (0.5 kW/s)",
                "$.config.device.warm_up_kw: \(prefix) 5.0 kW is above the local safety envelope "
                    + "device.hardware.limits.power_ceiling_kw (4.5 kW)",
                "$.config.device.start_power_kw: \(prefix) 4.6 kW is above the local safety envelope "
                    + "device.hardware.limits.power_ceiling_kw (4.5 kW)",
            ])
        let within = reader.validate(
            desired: ["device": ["hardware": Self.hardwareJSON, "ramp_kw_per_s": 0.5, "start_power_kw": 4.5]])
        guard case .success(let kept) = within else {
            Issue.record("a ramp and power within the local ceilings were refused: \(within)")
            return
        }
        #expect(kept.settings.rampKWPerSecond == 0.5 && kept.settings.startPowerKW == 4.5)
    }

    @Test("raising the ceilings themselves remotely is refused as any hardware change is")
    func remoteCeiling() throws {
        let reader = DeviceSectionReader<FuelCellConfiguration>(local: try local(Self.hardware))
        let raised: JSONValue = ["limits": ["power_ceiling_kw": 9, "ramp_ceiling_kw_per_s": 5]]
        guard
            case .failure(let refused) = reader.validate(desired: ["device": ["hardware": raised, "ramp_kw_per_s": 2]])
        else {
            Issue.record("a remote configuration raised the ramp ceiling")
            return
        }
        #expect(refused.errors.contains { $0.hasPrefix("$.config.device.hardware:") }, "\(refused.errors)")
    }

    @Test("the power and ramp envelopes judge a command value with the words the refusal carries")
    func commandValue() throws {
        let limits = try local(Self.hardware).hardware.limits
        #expect(limits.powerEnvelope.refusal(4.5) == nil)
        #expect(
            limits.powerEnvelope.refusal(4.8)
                == "4.8 kW is above the local safety envelope device.hardware.limits.power_ceiling_kw (4.5 kW)")
        #expect(limits.rampEnvelope.refusal(0.5) == nil)
    }
}
