public import AgentRuntime
import Crypto
public import FoundationEssentials
import Glibc

/// An operator's Ed25519 signing key, kept in a file of one line `curbside-ed25519 ID BASE64-PRIVATE-KEY` (readable
/// by its owner only, as ssh keeps a private key). Devices trust its public half by `id` (`security.trusted_keys`).
public struct OperatorKey: Sendable {
    /// The name devices know the key by (`ops-2026`).
    public let id: String
    /// The raw 32-byte private key (Crypto's key type is not `Sendable`).
    private let rawKey: [UInt8]
    private var privateKey: Curve25519.Signing.PrivateKey {
        // Only ever built from a key's own raw representation, which it accepts.
        (try? Curve25519.Signing.PrivateKey(rawRepresentation: rawKey)) ?? Curve25519.Signing.PrivateKey()
    }

    static let tag = "curbside-ed25519"

    /// A fresh random key named `id`.
    public init(generatingID id: String) {
        self.id = id
        rawKey = Array(Curve25519.Signing.PrivateKey().rawRepresentation)
    }

    /// The line for a device's `security.trusted_keys` list.
    public var trustedKeyLine: String {
        "- {id: \(id), public_key: \"\(Data(privateKey.publicKey.rawRepresentation).base64EncodedString())\"}"
    }

    /// Writes the key to a new file `path`, mode 0600; an existing file is never overwritten.
    public func write(to path: String) throws(FleetError) {
        let text = "\(Self.tag) \(id) \(Data(rawKey).base64EncodedString())\n"
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw FleetError(.invalidInput, detail: "\(path): cannot create: \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        let bytes = Array(text.utf8)
        let written = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        guard written == bytes.count, fsync(fd) == 0 else {
            throw FleetError(.failed, detail: "\(path): write failed: \(String(cString: strerror(errno)))")
        }
    }

    /// Reads a key file; refused when group or others may read it (anyone else on the machine could sign).
    public static func load(file path: String) throws(FleetError) -> OperatorKey {
        // stat(2), not FileManager's attributes: without the full Foundation they carry the mode as a UInt, which
        // `as? Int` does not take (every key read as mode 0777 and refused).
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw FleetError(.invalidInput, detail: "\(path): \(String(cString: strerror(errno)))")
        }
        let mode = Int(info.st_mode)
        guard mode & 0o077 == 0 else {
            throw FleetError(
                .invalidInput,
                detail:
                    "\(path): mode 0\(String(mode & 0o777, radix: 8)) lets others read the private key; chmod 600 it")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw FleetError(.invalidInput, detail: "\(path): unreadable")
        }
        let words = String(decoding: data, as: UTF8.self).split(whereSeparator: \.isWhitespace).map(String.init)
        guard words.count == 3, words[0] == tag, let raw = Data(base64Encoded: words[2]),
            let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: raw)
        else {
            throw FleetError(
                .invalidInput, detail: "\(path): expected one line \"\(tag) ID BASE64\" (curbctl keys gen writes one)")
        }
        return OperatorKey(id: words[1], rawKey: Array(key.rawRepresentation))
    }

    private init(id: String, rawKey: [UInt8]) {
        self.id = id
        self.rawKey = rawKey
    }

    /// The signature fields (`id`, `issued_at`, `expires`, `device`, `sig`) for a request to `target` on `topic`.
    public func sign(
        topic: String, target: DeviceIdentity, name: String, id requestID: String, args: JSONValue,
        validity: Duration, now: Date = Date()
    ) throws(FleetError) -> [String: JSONValue] {
        let request = SignedRequest(
            topic: topic, device: target.description, name: name, id: requestID, issuedAt: RFC3339.format(now),
            expires: RFC3339.format(now.addingTimeInterval(Double(validity.components.seconds))), args: args)
        do {
            return try request.signatureFields(keyID: id, privateKey: privateKey)
        } catch {
            throw FleetError(.failed, detail: "signing with key \(id) failed: \(error)")
        }
    }
}
