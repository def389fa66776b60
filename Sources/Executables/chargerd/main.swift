import ChargerDaemon
// chargerd: the daemon of Sources/chargerd (module ChargerDaemon) on its own; `curbside chargerd` runs the same.
import DaemonComposition

await daemon.main()
