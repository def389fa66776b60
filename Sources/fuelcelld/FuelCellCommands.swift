import AgentRuntime
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
            await answer(await plant.requestPower(kilowatts: arguments.kw))
        }
        // Authorised like every command, by the router's signature policy; refused while a cause is present.
        await router.register("reset-fault") { await answer(await plant.resetFault(.command)) }
    }

    struct SetPower: Decodable, Sendable {
        var kw: Double
    }
}
