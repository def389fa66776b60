import FoundationEssentials
import Glibc

/// A system tool started with `posix_spawnp` (found on the `PATH`): standard input `/dev/null`, standard output a
/// pipe read by ``read(upTo:)``, standard error a file read by ``errors`` — a tool that filled a second pipe while we
/// read the first would stall.
///
/// Not Foundation's `Process`: it is only in the full Foundation, which brings ICU (README "Footprint"). Like
/// `CurbsideTestKit`'s `SpawnedProcess`, the child gets an empty signal mask and default dispositions, the state a
/// shell gives it, whatever the calling thread blocks.
final class ChildProcess {
    let tool: String
    let pid: pid_t
    private let output: Int32
    private let errorsPath: String
    private var status: Int32?

    /// Starts `tool` with `arguments` and our environment with `environment` added to it.
    /// - Throws: `.toolFailed` naming the Debian package `package` when the tool is not on the `PATH`.
    init(_ tool: String, _ arguments: [String], environment: [String: String] = [:], package: String)
        throws(ImageError)
    {
        self.tool = tool
        errorsPath =
            FileManager.default.temporaryDirectory.appendingPathComponent(
                "curbctl-\(tool)-\(UUID().uuidString.prefix(8)).err"
            ).path
        var ends: [Int32] = [-1, -1]
        // Close-on-exec on both ends (pipe2 is not in Glibc's module): no other child keeps the pipe open.
        guard pipe(&ends) == 0, fcntl(ends[0], F_SETFD, FD_CLOEXEC) == 0, fcntl(ends[1], F_SETFD, FD_CLOEXEC) == 0
        else {
            throw ImageError(.toolFailed, "no pipe for \(tool): \(String(cString: strerror(errno)))")
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        // dup2 clears close-on-exec on the child's standard output; both pipe ends themselves close at exec.
        posix_spawn_file_actions_adddup2(&actions, ends[1], 1)
        posix_spawn_file_actions_addopen(&actions, 2, errorsPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        var all = sigset_t()
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let argv = ([tool] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let variables = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let env = variables.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { env.forEach { free($0) } }
        var pid: pid_t = 0
        let code = posix_spawnp(&pid, tool, &actions, &attributes, argv, env)
        close(ends[1])
        guard code == 0 else {
            close(ends[0])
            unlink(errorsPath)
            throw ImageError(
                .toolFailed,
                code == ENOENT
                    ? "\(tool) is not installed (apt-get install \(package))"
                    : "\(tool) cannot be started: \(String(cString: strerror(code))) (apt-get install \(package))")
        }
        self.pid = pid
        output = ends[0]
    }

    deinit {
        close(output)
        if status == nil {
            kill(pid, SIGTERM)
            _ = wait()
        }
        unlink(errorsPath)
    }

    /// At most `count` bytes of the tool's standard output, as many as it has written up to that; empty at its end.
    func read(upTo count: Int) throws(ImageError) -> Data {
        guard let chunk = Descriptor.read(output, upTo: count) else {
            throw ImageError(.toolFailed, "reading \(tool)'s output: \(String(cString: strerror(errno)))")
        }
        return chunk
    }

    /// Everything the tool writes to standard output until it closes it.
    func readToEnd() throws(ImageError) -> Data {
        var all = Data()
        while case let part = try read(upTo: 64 << 10), !part.isEmpty { all.append(part) }
        return all
    }

    /// Waits for the tool to exit: its exit status, or 128 + the signal that ended it.
    @discardableResult
    func wait() -> Int32 {
        if let status { return status }
        var raw: Int32 = 0
        while waitpid(pid, &raw, 0) < 0, errno == EINTR {}
        // WIFEXITED / WEXITSTATUS / WTERMSIG are macros; decoded by hand.
        let signal = raw & 0x7F
        let decoded = signal == 0 ? (raw >> 8) & 0xFF : 128 + signal
        status = decoded
        return decoded
    }

    /// What the tool wrote to standard error so far.
    var errors: String { (try? String(contentsOfFile: errorsPath, encoding: .utf8)) ?? "" }
}
