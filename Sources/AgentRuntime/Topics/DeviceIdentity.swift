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

    /// A stable MQTT client id derived from the identity, so two devices never share one.
    public var clientID: String { "curb-\(site)-\(kind)-\(device)" }

    static func check(segment: String, named name: String) throws(IdentityError) {
        guard !segment.isEmpty else { throw IdentityError(field: name, value: segment, reason: "must not be empty") }
        guard segment.utf8.count <= 64 else {
            throw IdentityError(field: name, value: segment, reason: "must be at most 64 bytes")
        }
        for scalar in segment.unicodeScalars {
            let allowed =
                ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar)
                || scalar == "-" || scalar == "_" || scalar == "."
            guard allowed else {
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
