import AgentRuntime
import ConfigSupport
import FuelCellDevice
import FuelCellLogic

/// fuelcelld's commands: `start`, `stop`, `set-power {kw}`, `reset-fault`.
enum FuelCellCommands {
    static func register(on router: CommandRouter, plant: FuelCellPlant) async {
        @Sendable func answer(_ refusal: String?) async -> CommandOutcome {
            if let refusal { return .rejected(reason: "refused", message: refusal) }
            return .accepted(["state": .string(await plant.machine.state.rawValue)])
        }
        await router.register("start") { await answer(await plant.requestStart()) }
        await router.register("stop") { await answer(await plant.requestStop()) }
        await router.register("set-power", arguments: SetPower.self) { arguments in
            // A set-point is a demand: one above the local ceiling is refused, naming the envelope (the plant's
            // machine refuses it too, for callers that come another way).
            if let refusal = await plant.configuration.hardware.limits.powerEnvelope.refusal(arguments.kw) {
                return .outsideEnvelope(refusal)
            }
            return await answer(await plant.requestPower(kilowatts: arguments.kw))
        }
        // Authorised like every command, by the router's signature policy; refused while a cause is present.
        await router.register("reset-fault") { await answer(await plant.resetFault(.command)) }
    }

    struct SetPower: Decodable, Sendable {
        var kw: Double
    }
}
