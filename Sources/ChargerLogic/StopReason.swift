/// Why a session ended, by OCPP 2.0.1 `ReasonEnumType` names; `ocpp16` gives the OCPP 1.6 `Reason` the same stop maps
/// to, so a bridge of either version needs no table of its own.
public enum StopReason: String, Sendable, Hashable, CaseIterable, Codable {
    case evDisconnected = "EVDisconnected"
    case remote = "Remote"
    case local = "Local"
    case deAuthorized = "DeAuthorized"
    case groundFault = "GroundFault"
    case emergencyStop = "EmergencyStop"
    case reboot = "Reboot"
    case other = "Other"

    /// The OCPP 1.6 reason (1.6 has no GroundFault: a tripped RCD is an EmergencyStop there).
    public var ocpp16: String {
        switch self {
        case .groundFault: "EmergencyStop"
        default: rawValue
        }
    }
}
