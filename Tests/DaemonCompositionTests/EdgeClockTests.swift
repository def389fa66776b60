import BoardSupport
import Foundation
import Testing

@testable import DaemonComposition

#if canImport(Glibc)
    import Glibc
#endif

/// The clock a daemon measures edge ages on must be the one the kernel stamps GPIO edges with.
@Suite("Daemon composition: the edge clock")
struct EdgeClockTests {
    #if canImport(Glibc)
        @Test func onLinuxTheEdgeClockIsClockMonotonic() throws {
            let hardware = DeviceHardware.linux(board: try ModbusPartsTests.board(serialDevice: "/tmp/curb-unused-tty"))
            let clock = try #require(hardware.edgeClock)
            func monotonic() -> UInt64 {
                var now = timespec()
                clock_gettime(CLOCK_MONOTONIC, &now)
                return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
            }
            let before = monotonic()
            let reading = clock()
            let after = monotonic()
            #expect(before <= reading && reading <= after)
        }
    #endif
}
