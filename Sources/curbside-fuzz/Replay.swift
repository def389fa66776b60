import Foundation

/// The ordinary build's mode: every file given (folders: their files, sorted) goes through the target once; with
/// `--mutate SECONDS`, mutations of those inputs follow until the time is up (no coverage guidance: that is
/// libFuzzer's job in `make fuzz`; this keeps `make test` free of the sanitizer build).
enum Replay {
    static func run(_ target: FuzzTarget, arguments: [String]) {
        var paths: [String] = []
        var mutateFor: Duration?
        var rest = arguments[...]
        while let argument = rest.popFirst() {
            if argument == "--mutate", let seconds = rest.popFirst().flatMap(Double.init) {
                mutateFor = .milliseconds(Int64(seconds * 1000))
            } else {
                paths.append(argument)
            }
        }
        let inputs = paths.flatMap(files(at:)).map { file in
            guard let data = FileManager.default.contents(atPath: file) else {
                FileHandle.standardError.write(Data("curbside-fuzz: cannot read \(file)\n".utf8))
                exit(66)
            }
            return Array(data)
        }
        let started = ContinuousClock.now
        for input in inputs { target.run(input) }
        var mutations = 0
        if let mutateFor, !inputs.isEmpty {
            var mutator = Mutator(seed: 0x5EED_F022)
            while ContinuousClock.now - started < mutateFor {
                target.run(mutator.mutate(inputs[mutator.next(below: inputs.count)], splicing: inputs))
                mutations += 1
            }
        }
        let seconds = Double((ContinuousClock.now - started) / .milliseconds(1)) / 1000
        print("\(target.name): \(inputs.count) inputs replayed, \(mutations) mutations run, in \(seconds) s")
    }

    private static func files(at path: String) -> [String] {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), isFolder.boolValue else {
            return [path]
        }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        return names.filter { !$0.hasPrefix(".") }.sorted().map { (path as NSString).appendingPathComponent($0) }
    }
}

/// A few of libFuzzer's byte mutations with a fixed seed, so a `make test` failure reproduces run after run.
struct Mutator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    /// xorshift64*.
    mutating func next(below bound: Int) -> Int {
        state ^= state >> 12
        state ^= state << 25
        state ^= state >> 27
        return Int((state &* 0x2545_F491_4F6C_DD1D) % UInt64(max(bound, 1)))
    }

    mutating func mutate(_ input: [UInt8], splicing others: [[UInt8]]) -> [UInt8] {
        var bytes = input
        for _ in 0...next(below: 4) {
            let at = next(below: bytes.count + 1)
            switch next(below: 6) {
            case 0 where at < bytes.count: bytes[at] ^= UInt8(1 << next(below: 8))
            case 1 where at < bytes.count: bytes[at] = Self.interesting[next(below: Self.interesting.count)]
            case 2: bytes.insert(UInt8(next(below: 256)), at: at)
            case 3 where at < bytes.count: bytes.removeSubrange(at..<min(bytes.count, at + 1 + next(below: 8)))
            case 4 where at < bytes.count:
                let chunk = bytes[at..<min(bytes.count, at + 1 + next(below: 16))]
                bytes.insert(contentsOf: chunk, at: next(below: bytes.count + 1))
            default:
                let other = others[next(below: others.count)]
                let from = next(below: other.count + 1)
                bytes.insert(contentsOf: other[from..<min(other.count, from + next(below: 32))], at: at)
            }
        }
        return bytes
    }

    /// Bytes that change meaning in JSON and YAML, and the edges of integers.
    private static let interesting: [UInt8] = Array("{}[]\":,-0123456789.eE\n #&*!|>'".utf8) + [0x00, 0x7F, 0x80, 0xFF]
}
