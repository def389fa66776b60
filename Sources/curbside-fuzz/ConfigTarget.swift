import BoardSupport
import ConfigSupport
import Foundation
import ModbusBridgeLogic
import RigServer
import ScenarioRunner

/// The configuration loaders, each on the text of one file: the agent configuration with every daemon's `device`
/// section, board files, rig files (and the virtual rig built from a valid one), register maps, scenario files. Invalid text must
/// come back as a `DocumentError`/`BoardError` whose message can be printed.
enum ConfigTarget {
    static let agent = FuzzTarget("agent-config") { data in
        let text = String(decoding: data, as: UTF8.self)
        for kind in DeviceKind.all { kind.parse(text) }
    }

    static let board = FuzzTarget("board") { data in
        do {
            _ = try Board.parse(yaml: String(decoding: data, as: UTF8.self), file: "fuzz.yaml")
        } catch {
            _ = String(describing: error)
        }
    }

    static let rig = FuzzTarget("rig-file") { data in
        let file: RigFile
        do {
            file = try RigFile.parse(
                String(decoding: data, as: UTF8.self), file: Fuzz.path("Firmware-config/rigs/fuzz.yaml"),
                knownChips: SimulatedChipCatalog.names)
        } catch {
            _ = String(describing: error)
            return
        }
        // A valid rig file starts a rig (the Modbus servers stay off: no sockets per input).
        do {
            _ = try VirtualRig(file: file, runDirectory: Fuzz.scratch("rig-file"))
        } catch {
            _ = String(describing: error)
        }
    }

    /// modbusd's register-map files (what a device entry's `map:` names).
    static let registerMap = FuzzTarget("register-map") { data in
        do {
            _ = try RegisterMap.parse(String(decoding: data, as: UTF8.self), file: "fuzz.yaml")
        } catch {
            _ = String(describing: error)
        }
    }

    static let scenario = FuzzTarget("scenario") { data in
        do {
            _ = try Scenario.parse(String(decoding: data, as: UTF8.self), file: Fuzz.path("Tests/Scenarios/fuzz.yaml"))
        } catch {
            _ = String(describing: error)
        }
    }
}
