import AgentRuntime
import CrosswalkDevice
import CrosswalkLogic

/// crosswalkd's commands: `reset-fault`.
enum CrosswalkCommands {
    static func register(on router: CommandRouter, controller: CrosswalkController) async {
        // Authorised like every command, by the router's signature policy; refused while a cause is present.
        await router.register("reset-fault") {
            if let refusal = await controller.resetFault() {
                return .rejected(reason: "refused", message: refusal)
            }
            return .accepted(["state": .string(await controller.machine.state.rawValue)])
        }
    }
}
