import AgentRuntime
import ConfigSupport
import FuelCellDevice
import Testing
import Yams

@Suite struct FuelCellConfigurationTests {
    func read(_ yaml: String) throws(DocumentError) -> FuelCellConfiguration {
        try YAMLDocument.readSection(yaml, section: "device") { FuelCellConfiguration.read(&$0, $1, at: $2) }
    }

    @Test func theControlLoopsStallLimitDefaultsToASecondIsLocalAndBounded() throws {
        #expect(try read("device:\n  hardware: {}\n").hardware.stallLimit == .seconds(1))
        #expect(try read("device:\n  hardware: {stall_limit_ms: 4000}\n").hardware.stallLimit == .seconds(4))
        #expect {
            _ = try read("device:\n  hardware: {stall_limit_ms: 20000}\n")
        } throws: { error in
            "\(error)".contains("$.device.hardware.stall_limit_ms")
        }
    }
}
