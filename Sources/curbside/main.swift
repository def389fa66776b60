// curbside: every daemon in one binary (one copy of the Swift runtime on flash and in the page cache), run as a link
// named after the daemon or as `curbside <daemon> ARGS`; see `MultiCall` and README "Footprint".
import ChargerDaemon
import CrosswalkDaemon
import CurbAgentDaemon
import DaemonComposition
import FuelCellDaemon
import ModbusDaemon
import StreetlightDaemon
import VibrationDaemon

await MultiCall.main(
    program: "curbside",
    daemons: [
        StreetlightDaemon.daemon, VibrationDaemon.daemon, CrosswalkDaemon.daemon, ModbusDaemon.daemon,
        ChargerDaemon.daemon, FuelCellDaemon.daemon, CurbAgentDaemon.daemon,
    ])
