public import AgentRuntime
public import ModbusBridgeLogic

extension ModbusdConfiguration: DeclaredDeviceConfiguration {}

extension ModbusBridgeSettings: DeclaredSettings {}
