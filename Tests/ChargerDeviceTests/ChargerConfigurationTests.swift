import AgentRuntime
import ChargerDevice
import ConfigSupport
import Testing
import Yams

@Suite struct ChargerConfigurationTests {
    func read(_ yaml: String) throws(DocumentError) -> ChargerConfiguration {
        try YAMLDocument.readSection(yaml, section: "device") { ChargerConfiguration.read(&$0, $1, at: $2) }
    }

    @Test func thePilotLoopsStallLimitDefaultsToHalfASecondIsLocalAndBounded() throws {
        #expect(try read("device:\n  hardware: {}\n").hardware.stallLimit == .milliseconds(500))
        #expect(try read("device:\n  hardware: {stall_limit_ms: 4000}\n").hardware.stallLimit == .seconds(4))
        #expect {
            _ = try read("device:\n  hardware: {stall_limit_ms: 20}\n")
        } throws: { error in
            "\(error)".contains("$.device.hardware.stall_limit_ms")
        }
    }
}
