import ArgumentParser
import CurbctlFleet

/// `curbctl keys gen`: an operator signing key for `cmd --sign` and `config push --sign`.
struct Keys: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Operator signing keys (Ed25519) for signed commands and configuration.",
        subcommands: [Gen.self])

    struct Gen: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Generate a signing key: FILE (mode 0600, never overwritten) and the public key line.",
            discussion: """
                Prints the line to add under security.trusted_keys in each device's local configuration. Keep FILE \
                off shared machines; see the README's Security model for rotation and what to do when a key leaks.
                  curbctl keys gen ops-2026 ~/.config/curbside/ops-2026.key
                """)

        @Argument(help: "The key's id, as devices name it (letters, digits, . _ -).") var id: String
        @Argument(help: "The private key file to create.") var file: String

        func run() async throws {
            try await Output.run { () async throws(FleetError) -> ExitStatus in
                let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")
                guard (1...64).contains(id.count), id.allSatisfy(allowed.contains) else {
                    throw FleetError(.invalidInput, detail: "key id \"\(id)\": expected 1–64 of A-Z a-z 0-9 . _ -")
                }
                let key = OperatorKey(generatingID: id)
                try key.write(to: file)
                Output.error("wrote \(file) (mode 0600); add to each device's security.trusted_keys:\n")
                Output.line(key.trustedKeyLine)
                return .success
            }
        }
    }
}

/// `--sign KEY` and `--valid-for SECONDS`, shared by `cmd` and `config push`.
struct SigningOptions: ParsableArguments {
    @Option(help: "Sign with this private key file (curbctl keys gen).") var sign: String?
    @Option(help: "Seconds the signature stays valid (device limit: max_validity_s for commands, 900 by default).")
    var validFor: Int?

    /// The key, loaded, or nil when not signing.
    func key() throws(FleetError) -> OperatorKey? {
        guard let sign else { return nil }
        return try OperatorKey.load(file: sign)
    }
}
