/// Why a `curbctl` fleet operation did not give its answer, with the exit status it ends the program with.
///
/// Reads like `mqtt://127.0.0.1:1883: no answer to cmd/set-level from jongno-gu/streetlight/pole-0417 within 5 s`.
public struct FleetError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong; more codes may be added.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        let name: String
        /// The exit status `curbctl` ends with (see ``ExitStatus``).
        public let exitStatus: ExitStatus
        /// The broker could not be reached, refused the connection, or refused a subscription or publish.
        public static let unavailable = Code(name: "broker unavailable", exitStatus: .unavailable)
        /// No answer within the time allowed.
        public static let timeout = Code(name: "timeout", exitStatus: .timeout)
        /// The given address names no device, or more than one.
        public static let unknownDevice = Code(name: "unknown device", exitStatus: .error)
        /// A file or argument given to `curbctl` is unusable (unreadable, invalid, fails local validation).
        public static let invalidInput = Code(name: "invalid input", exitStatus: .invalidInput)
        /// What arrived does not check out (a capture whose CRC-32 or length is wrong, a chunk missing).
        public static let corrupt = Code(name: "corrupt data", exitStatus: .error)
        /// The device answered `rejected` (a command curbctl sends on the user's behalf, such as `get-capture`).
        public static let rejected = Code(name: "rejected", exitStatus: .rejected)
        /// The device answered `failed`.
        public static let failedOnDevice = Code(name: "failed", exitStatus: .failed)
        /// Anything else (a file that cannot be written).
        public static let failed = Code(name: "error", exitStatus: .error)
        /// The code's name, as printed.
        public var description: String { name }
    }

    /// What went wrong.
    public var code: Code
    /// The broker, redacted, when the error concerns it.
    public var broker: String?
    /// The device, topic, file or figures concerned, and why.
    public var detail: String

    /// An error of `code`, about `broker` when given.
    public init(_ code: Code, broker: String? = nil, detail: String) {
        self.code = code
        self.broker = broker
        self.detail = detail
    }

    /// `broker: detail`, as `curbctl` prints it after `curbctl: `.
    public var description: String { broker.map { "\($0): \(detail)" } ?? detail }
}

/// `curbctl`'s exit statuses, the same for every subcommand, so scripts can tell the outcomes apart.
public enum ExitStatus: Int32, Sendable, Hashable, CaseIterable {
    /// Done: the command was accepted, the configuration applied, the capture written.
    case success = 0
    /// `curbctl` itself could not do it: no such device, an ambiguous id, a corrupt capture, a file not written.
    case error = 1
    /// The device answered `rejected` (command), or `rejected`/`ignored` (configuration).
    case rejected = 2
    /// The device answered `failed` (command), or `rolled-back` (configuration).
    case failed = 3
    /// No answer within `--timeout`.
    case timeout = 4
    /// Usage error (swift-argument-parser's EX_USAGE).
    case usage = 64
    /// A file given to `curbctl` is invalid: unreadable, malformed, or fails the daemon's own validation (EX_DATAERR).
    case invalidInput = 65
    /// The broker is unreachable or refused us (EX_UNAVAILABLE).
    case unavailable = 69

    /// One line for `--help` and the README.
    public var meaning: String {
        switch self {
        case .success: "accepted / applied / done"
        case .error: "curbctl could not do it (no such device, ambiguous id, CRC mismatch, file not written)"
        case .rejected: "the device rejected it (command rejected; configuration rejected or ignored)"
        case .failed: "the device tried and failed (command failed; configuration rolled back)"
        case .timeout: "no answer within --timeout"
        case .usage: "usage error"
        case .invalidInput: "a file given is invalid or fails local validation; nothing was sent"
        case .unavailable: "broker unreachable or refused the connection or subscription"
        }
    }

    /// The table of statuses, for `--help`.
    public static var table: String {
        allCases.map { "  " + Text.pad(String($0.rawValue), 4) + $0.meaning }
            .joined(separator: "\n")
    }
}
