// modbusd: the daemon of Sources/modbusd (module ModbusDaemon) on its own; `curbside modbusd` runs the same.
import DaemonComposition
import ModbusDaemon

await daemon.main()
