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

    @Test func beaconsOnTheDimmerLeaveTheirLinesUnrequested() throws {
        let configuration = try read(
            """
            device:
              hardware:
                beacon_dimmer: {i2c_bus: sim-i2c-0, address: 0x41, left_channel: 4, right_channel: 5}
            """)
        let dimmer = configuration.hardware.beaconDimmer
        #expect(dimmer.address == 0x41 && dimmer.i2cBus == "sim-i2c-0" && dimmer.frequencyHz == 1_000)
        #expect(dimmer.channels.map(\.name) == ["beacon_left", "beacon_right"])
        #expect(dimmer.channels.map(\.channel) == [4, 5])
        let lines = configuration.hardware.outputs.filter { $0.line != nil }.map(\.name)
        #expect(!lines.contains("beacon_left") && !lines.contains("beacon_right") && lines.contains("in_road_markers"))
    }

    @Test func withoutADimmerTheBeaconsStayOnTheirLines() throws {
        let hardware = try read("device:\n  hardware: {beacon_left: beacon, beacon_right: none}\n").hardware
        #expect(hardware.beaconDimmer.address == nil && hardware.beaconDimmer.channels.isEmpty)
        #expect(hardware.outputs.first { $0.name == "beacon_left" }?.line == "beacon")
        #expect(hardware.outputs.first { $0.name == "beacon_right" }?.line == nil)
    }

    @Test func aBeaconOnBothALineAndTheDimmerOrTwoBeaconsOnOneChannelAreRefused() {
        #expect {
            _ = try read("device:\n  hardware: {beacon_left: beacon, beacon_dimmer: {address: 0x40}}\n")
        } throws: { error in
            "\(error)".contains("$.device.hardware.beacon_left: expected absent while beacon_dimmer drives the beacons")
        }
        #expect {
            _ = try read("device:\n  hardware: {beacon_dimmer: {address: 0x40, left_channel: 2, right_channel: 2}}\n")
        } throws: { error in
            "\(error)".contains("$.device.hardware.beacon_dimmer.right_channel")
        }
    }
}
