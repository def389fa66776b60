/// A fault that puts the crossing in its fail-safe state and stays latched until a reset after its cause cleared.
public enum CrosswalkFault: Sendable, Hashable, CustomStringConvertible {
    /// A zone's detector stopped its heartbeat (unplugged, powered off, cable cut).
    case detectorSilent(zone: Int)
    /// A presence input or button active for longer than anyone stands on a crossing: stuck, or blinded.
    case detectorStuck(DetectionSource)
    /// An output line read back a level other than the one written, or could not be read.
    case outputMismatch(output: String)
    /// The daemon's control loop stopped stepping the outputs within its deadline.
    case controlLoopStall

    /// The fault's kind for `event/fault` (`detector-silent`, `detector-stuck`, `output-readback`,
    /// `control-loop-stall`).
    public var code: String {
        switch self {
        case .detectorSilent: "detector-silent"
        case .detectorStuck: "detector-stuck"
        case .outputMismatch: "output-readback"
        case .controlLoopStall: "control-loop-stall"
        }
    }

    public var description: String {
        switch self {
        case .detectorSilent(let zone): "zone \(zone) detector heartbeat stopped"
        case .detectorStuck(let source): "\(source) input stuck active"
        case .outputMismatch(let output): "\(output) output reads back wrong"
        case .controlLoopStall: "control loop stalled"
        }
    }
}
