// streetlightd: the daemon of Sources/streetlightd (module StreetlightDaemon) on its own; `curbside streetlightd` runs the same.
import DaemonComposition
import StreetlightDaemon

await daemon.main()
