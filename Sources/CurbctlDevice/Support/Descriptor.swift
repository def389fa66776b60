import FoundationEssentials
import Glibc

/// `read(2)` and `write(2)` on a file descriptor, each retried on EINTR: the images, the target device and the
/// pipes from child tools (FileHandle is only in the full Foundation).
enum Descriptor {
    /// A `write` that stopped: its errno, after how many of the bytes.
    struct WriteFailure: Error {
        var code: Int32
        var written: Int
    }

    /// At most `count` bytes (fewer when that is what a pipe holds); empty at the end; nil, `errno` set, on failure.
    static func read(_ descriptor: Int32, upTo count: Int) -> Data? {
        var chunk = Data(count: count)
        while true {
            let got = chunk.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, count) }
            if got >= 0 {
                chunk.count = got
                return chunk
            }
            if errno != EINTR { return nil }
        }
    }

    /// All of `bytes`, in as many `write` calls as it takes.
    static func write(_ descriptor: Int32, _ bytes: Data) throws(WriteFailure) {
        let failure = bytes.withUnsafeBytes { (buffer: UnsafeRawBufferPointer) -> WriteFailure? in
            guard let base = buffer.baseAddress else { return nil }
            var offset = 0
            while offset < buffer.count {
                let count = Glibc.write(descriptor, base + offset, buffer.count - offset)
                if count < 0 {
                    let code = errno
                    if code == EINTR { continue }
                    return WriteFailure(code: code, written: offset)
                }
                offset += count
            }
            return nil
        }
        if let failure { throw failure }
    }
}
