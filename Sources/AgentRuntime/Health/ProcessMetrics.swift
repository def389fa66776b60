import FoundationEssentials
import Glibc

/// The daemon's own resource use, from `/proc/self` (Linux).
public struct ProcessMetrics: Sendable, Hashable {
    /// Resident set size in bytes (`/proc/self/statm` field 2 × page size).
    public var residentBytes: UInt64
    /// User + system CPU time consumed so far, in seconds (`/proc/self/stat` utime + stime).
    public var cpuSeconds: Double

    public static func sample() -> ProcessMetrics? {
        guard let statm = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8),
            let stat = try? String(contentsOfFile: "/proc/self/stat", encoding: .utf8)
        else { return nil }
        let pages = statm.split(separator: " ").dropFirst().first.flatMap { UInt64($0) } ?? 0
        // Fields after the parenthesised command name (which may contain spaces): state is field 3, utime 14, stime 15.
        guard let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 12, let utime = Double(fields[11]), let stime = Double(fields[12]) else { return nil }
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        return ProcessMetrics(
            residentBytes: pages * UInt64(sysconf(Int32(_SC_PAGESIZE))), cpuSeconds: (utime + stime) / ticks)
    }
}
