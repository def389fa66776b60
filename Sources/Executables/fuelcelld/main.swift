// fuelcelld: the daemon of Sources/fuelcelld (module FuelCellDaemon) on its own; `curbside fuelcelld` runs the same.
import DaemonComposition
import FuelCellDaemon

await daemon.main()
