import BoardSupport
import Foundation
import RigProtocol
import RigServer

/// The rig control protocol as `curb-rig serve` answers it: each line through `RigSession.respond(toLine:)`
/// (`RigCodec` decoding, every op against a virtual rig's simulated chips, lines, models and Modbus devices) and
/// the answer as sent. A fresh rig per input (the streetlight rig and the fuel-cell rig), so a crash reproduces from
/// its input alone.
///
/// Input: request lines, as a client writes them to the socket.
enum RigProtocolTarget {
    static let rigFiles: [RigFile] = ["streetlight", "fuel-cell"].compactMap { name in
        try? RigFile.load(
            file: Fuzz.path("Firmware-config/rigs/\(name).yaml"), knownChips: SimulatedChipCatalog.names)
    }

    /// Each rig file's board, loaded once: parsing the board's YAML was most of a fresh rig's cost.
    static let boards: [Board] = rigFiles.compactMap { try? Board.load(file: $0.board) }

    static let target = FuzzTarget("rig-protocol") { data in
        precondition(rigFiles.count == 2 && boards.count == 2, "the example rig files or their boards do not load")
        let lines = data.split(separator: 0x0A, omittingEmptySubsequences: false).map {
            $0.last == 0x0D ? Array($0.dropLast()) : Array($0)
        }
        for (file, board) in zip(rigFiles, boards) {
            guard let rig = try? VirtualRig(file: file, board: board, runDirectory: Fuzz.scratch("rig-protocol")) else {
                preconditionFailure("the example rig \(file.name) does not start")
            }
            runBlocking {
                let session = RigSession(rig: rig) { event in _ = RigCodec.encode(event) }
                for line in lines {
                    if let answer = await session.respond(toLine: line) { _ = RigCodec.encode(answer) }
                }
                await session.close()
            }
        }
    }
}
