public import Foundation

/// An external process (a broker, a peer, a daemon under test) started with a clean signal state.
///
/// Not Foundation's `Process`: the test runner's threads block SIGTERM and children inherit the mask across `exec`,
/// so a broker started through `Process` ignores `terminate()`. `posix_spawn` with `POSIX_SPAWN_SETSIGMASK` (empty)
/// and `POSIX_SPAWN_SETSIGDEF` (all) gives the child the signal state a shell would.
public final class SpawnedProcess: @unchecked Sendable {
    // @unchecked: `exitStatus` is guarded by `lock`; everything else is immutable after init.
    public let processIdentifier: pid_t
    public let executable: String
    public let arguments: [String]
    /// Standard output and error go to this file (kept for failure messages).
    public let outputFile: URL
    private let lock = NSLock()
    private var exitStatus: Int32?

    /// Spawns `executable` (a name looked up on `PATH`, or a path) with `arguments`.
    public init(
        _ executable: String, _ arguments: [String], environment: [String: String]? = nil, outputFile: URL? = nil,
        hint: String = "install it with Tools/bootstrap"
    ) throws {
        let path = executable.contains("/") ? executable : try ExecutableLookup.find(executable, hint: hint)
        self.executable = path
        self.arguments = arguments
        self.outputFile =
            outputFile
            ?? FileManager.default.temporaryDirectory.appendingPathComponent(
                "curb-\(URL(fileURLWithPath: path).lastPathComponent)-\(UUID().uuidString.prefix(8)).log")

        var fileActions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&fileActions)
        defer { posix_spawn_file_actions_destroy(&fileActions) }
        posix_spawn_file_actions_addopen(&fileActions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&fileActions, 1, self.outputFile.path, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&fileActions, 1, 2)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        var all = sigset_t()
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setsigdefault(&attributes, &all)
        // Own process group, so a test can signal the process and whatever it starts.
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(
            &attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP))

        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let env = (environment ?? ProcessInfo.processInfo.environment).map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { env.forEach { free($0) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, path, &fileActions, &attributes, argv, env)
        guard rc == 0 else { throw TestKitError("spawn \(path): \(String(cString: strerror(rc)))") }
        processIdentifier = pid
    }

    deinit {
        if isRunning {
            _ = Glibc.kill(processIdentifier, SIGKILL)
            _ = reap(blocking: true)
        }
    }

    /// Whether the process has not exited yet (reaps it if it has).
    public var isRunning: Bool { reap(blocking: false) == nil }

    /// The exit status (or 128 + signal), once exited.
    public var terminationStatus: Int32? { reap(blocking: false) }

    /// Sends a signal (SIGTERM, SIGKILL, SIGINT, …).
    public func signal(_ signal: Int32) {
        _ = Glibc.kill(processIdentifier, signal)
    }

    /// Waits for exit up to `timeout`; returns the status, or nil if still running.
    @discardableResult
    public func wait(timeout: Duration) async -> Int32? {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let status = reap(blocking: false) { return status }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return reap(blocking: false)
    }

    /// SIGTERM, then SIGKILL if it has not exited within `grace`. Returns the exit status.
    @discardableResult
    public func stop(grace: Duration = .seconds(5)) async -> Int32? {
        guard isRunning else { return terminationStatus }
        signal(SIGTERM)
        if let status = await wait(timeout: grace) { return status }
        signal(SIGKILL)
        return await wait(timeout: .seconds(5))
    }

    /// Everything the process printed so far.
    public var output: String { (try? String(contentsOf: outputFile, encoding: .utf8)) ?? "" }

    /// The port a server printed on a line `<marker><port>` once listening (a peer on port 0 says which it got).
    /// Throws with its output when it exits first or prints nothing within `timeout` (then it is killed).
    public func printedPort(after marker: String, within timeout: Duration = .seconds(60)) async throws -> Int {
        let deadline = ContinuousClock.now + timeout
        while true {
            let text = output
            if let line = text.split(separator: "\n").first(where: { $0.hasPrefix(marker) }),
                let port = Int(line.dropFirst(marker.count))
            {
                return port
            }
            guard isRunning else { throw TestKitError("\(executable) exited before listening:\n\(text)") }
            guard ContinuousClock.now < deadline else {
                signal(SIGKILL)
                throw TestKitError("\(executable) did not listen within \(timeout):\n\(text)")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    private func reap(blocking: Bool) -> Int32? {
        lock.lock()
        defer { lock.unlock() }
        if let exitStatus { return exitStatus }
        var status: Int32 = 0
        let rc = waitpid(processIdentifier, &status, blocking ? 0 : WNOHANG)
        guard rc == processIdentifier else { return nil }
        // WIFEXITED / WEXITSTATUS / WTERMSIG are macros; decode the wait status by hand.
        let signal = status & 0x7F
        exitStatus = signal == 0 ? (status >> 8) & 0xFF : 128 + signal
        return exitStatus
    }
}
