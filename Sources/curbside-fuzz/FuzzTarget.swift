import Foundation

/// One fuzz target: a name (its seed corpus is `Tests/Fuzz/<name>/`) and the function one input goes through.
///
/// A target fails by trapping (a precondition, an out-of-range index, an overflow): libFuzzer reports that as a
/// crash and keeps the input. Inputs that are merely invalid must come back as the code's own typed errors or
/// rejected results.
struct FuzzTarget: Sendable {
    let name: String
    let run: @Sendable ([UInt8]) -> Void
    /// Seed inputs the harness has to make itself (signed requests), by file name.
    let generatedSeeds: @Sendable () -> [(String, [UInt8])]

    init(
        _ name: String, generatedSeeds: @escaping @Sendable () -> [(String, [UInt8])] = { [] },
        run: @escaping @Sendable ([UInt8]) -> Void
    ) {
        self.name = name
        self.run = run
        self.generatedSeeds = generatedSeeds
    }

    static let all: [FuzzTarget] = [
        CommandsTarget.target, ConfigTarget.agent, ConfigTarget.board, ConfigTarget.rig, ConfigTarget.registerMap,
        ConfigTarget.scenario,
        DesiredTarget.target, ModbusTarget.target, OutboxTarget.target, RigProtocolTarget.target,
    ]

    static func named(_ name: String) -> FuzzTarget? { all.first { $0.name == name } }
}
