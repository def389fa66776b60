import Foundation

/// `curbside-fuzz TARGET [ARGS…]`: one binary for every fuzz target (README "Fuzzing").
///
/// Built for fuzzing (`-sanitize=fuzzer -D CURBSIDE_FUZZING`, Tools/fuzz) the arguments after the target go to
/// libFuzzer (`curbside-fuzz commands Tests/Fuzz/commands -max_total_time=60`). The ordinary build replays files and
/// folders through the same target code (`curbside-fuzz commands Tests/Fuzz/commands crash-…`), so a crash found by
/// the fuzzer reproduces without the sanitizer build, and `--mutate SECONDS` then runs mutations of those inputs for
/// that long (what `make test` does); `--write-seeds DIR` writes the generated seed inputs (signed commands and
/// desired configurations, which need the harness's key and clock).
@main
struct CurbsideFuzz {
    static func main() {
        let arguments = CommandLine.arguments
        guard arguments.count >= 2, let target = FuzzTarget.named(arguments[1]) else {
            let names = FuzzTarget.all.map(\.name).joined(separator: ", ")
            FileHandle.standardError.write(Data("usage: curbside-fuzz TARGET [ARGS…]; targets: \(names)\n".utf8))
            exit(64)
        }
        let rest = Array(arguments.dropFirst(2))
        if rest.first == "--write-seeds", rest.count == 2 {
            writeSeeds(of: target, into: rest[1])
            return
        }
        #if CURBSIDE_FUZZING
            LibFuzzer.run(target, arguments: [arguments[0]] + rest)
        #else
            Replay.run(target, arguments: rest)
        #endif
    }

    private static func writeSeeds(of target: FuzzTarget, into folder: String) {
        try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        for (name, bytes) in target.generatedSeeds() {
            let path = (folder as NSString).appendingPathComponent(name)
            guard FileManager.default.createFile(atPath: path, contents: Data(bytes)) else {
                FileHandle.standardError.write(Data("curbside-fuzz: cannot write \(path)\n".utf8))
                exit(1)
            }
            print(path)
        }
    }
}
