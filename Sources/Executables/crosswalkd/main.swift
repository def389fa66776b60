import CrosswalkDaemon
// crosswalkd: the daemon of Sources/crosswalkd (module CrosswalkDaemon) on its own; `curbside crosswalkd` runs the same.
import DaemonComposition

await daemon.main()
