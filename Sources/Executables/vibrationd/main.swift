// vibrationd: the daemon of Sources/vibrationd (module VibrationDaemon) on its own; `curbside vibrationd` runs the same.
import DaemonComposition
import VibrationDaemon

await daemon.main()
