import CurbAgentDaemon
// curb-agent: the daemon of Sources/curb-agent (module CurbAgentDaemon) on its own; `curbside curb-agent` runs the same.
import DaemonComposition

await daemon.main()
