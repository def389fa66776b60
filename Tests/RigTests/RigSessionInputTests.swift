import Foundation
import RigProtocol
import RigServer
import Testing

/// Requests found by the `rig-protocol` fuzz target (Tests/Fuzz) that stopped `curb-rig serve` — every client of the
/// socket with it — before they were answered `invalid-request`. Each crashed at fcdcfdb.
@Suite("Rig session: bad input")
struct RigSessionInputTests {
    func respond(_ line: String) async throws -> RigMessage {
        let file = try RigFile.load(
            file: RigTests.root.appendingPathComponent("Firmware-config/rigs/streetlight.yaml").path,
            knownChips: SimulatedChipCatalog.names)
        let rig = try VirtualRig(file: file)
        let session = RigSession(rig: rig) { _ in }
        let answer = try #require(await session.respond(toLine: Array(line.utf8)))
        await session.close()
        return answer
    }

    @Test(
        "a debounce window beyond a minute, or negative, is refused (1e300 ms trapped converting to Int64)",
        arguments: ["1e300", "60001", "-1"])
    func debounceOutOfRange(debounce: String) async throws {
        let answer = try await respond(
            #"{"op":"gpio.request","chip":"sim-gpio0","offset":3,"direction":"input","debounce_ms":"# + debounce
                + #","id":7}"#)
        #expect(answer.ok == false)
        #expect(answer.code == "invalid-request")
        #expect(answer.error?.contains("debounce_ms must be 0…60000") == true, "\(answer)")
        #expect(answer.id == 7)
    }

    @Test("a debounce window within range still requests the line")
    func debounceInRange() async throws {
        let answer = try await respond(
            #"{"op":"gpio.request","chip":"sim-gpio0","offset":3,"direction":"input","debounce_ms":60000,"id":8}"#)
        #expect(answer.ok == true, "\(answer)")
        #expect(answer.handle != nil)
    }

    @Test(
        "an I2C read longer than one i2c_msg holds is refused, not allocated (count 1e11 aborted the rig)",
        arguments: ["i2c.read", "i2c.write-read"])
    func hugeRead(op: String) async throws {
        let answer = try await respond(
            #"{"op":""# + op + #"","bus":"sim-i2c-0","address":16,"bytes":[0],"count":100000000000,"id":9}"#)
        #expect(answer.ok == false)
        #expect(answer.code == "invalid-request", "\(answer)")
        #expect(answer.error?.contains("read length 100000000000") == true, "\(answer)")
    }
}
