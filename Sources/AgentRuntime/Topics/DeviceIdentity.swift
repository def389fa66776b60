/// Who a device is in the topic tree: `curb/v1/{site}/{kind}/{device}/`.
public struct DeviceIdentity: Sendable, Hashable, Codable, CustomStringConvertible {
    public var site: String
    public var kind: String
    public var device: String

    /// Fails when a segment is empty or contains a character MQTT gives meaning to (`/`, `+`, `#`) or NUL, since
    /// such a name would let one device's credentials (ACLs are per prefix) reach another's topics.
    public init(site: String, kind: String, device: String) throws(IdentityError) {
        for (name, value) in [("site", site), ("kind", kind), ("device", device)] {
            try Self.check(segment: value, named: name)
        }
        self.site = site
        self.kind = kind
        self.device = device
    }

    public var description: String { "\(site)/\(kind)/\(device)" }

    /// A stable MQTT client id derived from the identity, so two devices never share one: `curb-` and the broker
    /// user name (`-` between the segments made `a-b/c/d` and `a/b-c/d` one client id, and the broker then took
    /// each device's session over whenever the other connected).
    public var clientID: String { "curb-" + brokerUsername }

    /// Joins the segments of ``brokerUsername``. A segment may not contain it (nor `:`, which ends the user name in
    /// a mosquitto password file, nor `/`, `+`, `#`, which keep mosquitto from putting a user name into an ACL
    /// `pattern`), so two identities never share a user name: with `.` as the separator, `a.b/c/d` and `a/b.c/d`
    /// both became `a.b.c.d` and got each other's rights.
    public static let usernameSeparator: Unicode.Scalar = "~"

    /// The device's user name on the broker, `{site}~{kind}~{device}`: the name provisioning writes into the password
    /// file and the ACL, and the default `mqtt.username` when a password file is given.
    public var brokerUsername: String {
        [site, kind, device].joined(separator: String(Self.usernameSeparator))
    }

    static func check(segment: String, named name: String) throws(IdentityError) {
        guard !segment.isEmpty else { throw IdentityError(field: name, value: segment, reason: "must not be empty") }
        guard segment.utf8.count <= 64 else {
            throw IdentityError(field: name, value: segment, reason: "must be at most 64 bytes")
        }
        for scalar in segment.unicodeScalars {
            let allowed =
                ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar)
                || scalar == "-" || scalar == "_" || scalar == "."
            // Stated on its own so that widening the list above cannot make `brokerUsername` ambiguous.
            guard allowed, scalar != usernameSeparator else {
                throw IdentityError(
                    field: name, value: segment, reason: "may contain only letters, digits, '-', '_' and '.'")
            }
        }
    }
}

/// A device identity segment that cannot be used in a topic.
public struct IdentityError: Error, Sendable, Hashable, CustomStringConvertible {
    public var field: String
    public var value: String
    public var reason: String
    public var description: String { "\(field) \"\(value)\": \(reason)" }
}
