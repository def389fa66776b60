import AgentRuntime
import ConfigSupport
import CrosswalkDevice
import CrosswalkLogic
import Testing
import Yams

@Suite struct CrosswalkConfigurationTests {
    func read(_ yaml: String) throws(DocumentError) -> CrosswalkConfiguration {
        try YAMLDocument.readSection(yaml, section: "device") { CrosswalkConfiguration.read(&$0, $1, at: $2) }
    }

    @Test func readsTheHardwareAndTheCrossingKeysTogether() throws {
        let configuration = try read(
            """
            device:
              hardware:
                zones: [{presence: pedDetector, heartbeat: pedHeartbeat}, {presence: SIM26}]
                buttons: []
                stop_line: none
                beacon_right: beaconRight
                stall_limit_ms: 2500
              clearance_s: 12
            """)
        #expect(
            configuration.hardware.zones == [
                .init(presence: "pedDetector", heartbeat: "pedHeartbeat"), .init(presence: "SIM26"),
            ])
        #expect(configuration.hardware.buttons.isEmpty)
        #expect(configuration.hardware.stopLine == nil)
        #expect(configuration.hardware.beaconRight == "beaconRight")
        #expect(configuration.hardware.stallLimit == .milliseconds(2500))
        #expect(configuration.settings.clearance == .seconds(12))
    }

    @Test func theStallLimitDefaultsToHalfASecondAndIsBounded() throws {
        #expect(try read("device:\n  hardware: {}\n").hardware.stallLimit == .milliseconds(500))
        #expect {
            _ = try read("device:\n  hardware: {stall_limit_ms: 20}\n")
        } throws: { error in
            "\(error)".contains("$.device.hardware.stall_limit_ms")
        }
    }

    @Test func aCrossingWithoutZonesIsRefusedWithThePath() {
        #expect {
            _ = try read("device:\n  hardware: {zones: []}\n")
        } throws: { error in
            "\(error)".contains("$.device.hardware.zones")
        }
    }
}
