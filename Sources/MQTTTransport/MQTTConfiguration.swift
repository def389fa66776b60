/// How to reach the broker and who we are there.
public struct MQTTConfiguration: Sendable, Hashable {
    public enum ProtocolVersion: String, Sendable, Hashable, Codable, CaseIterable {
        case v5 = "5"
        case v311 = "3.1.1"
    }

    /// TLS settings for `mqtts://`. Without `caFile` the system trust store is used.
    public struct TLS: Sendable, Hashable {
        public var caFile: String?
        /// Client certificate and key for mutual TLS; both or neither.
        public var certificateFile: String?
        public var keyFile: String?

        public init(caFile: String? = nil, certificateFile: String? = nil, keyFile: String? = nil) {
            self.caFile = caFile
            self.certificateFile = certificateFile
            self.keyFile = keyFile
        }
    }

    public var host: String
    public var port: Int
    public var usesTLS: Bool
    public var tls: TLS
    /// Derived from the device identity so two devices never share one and kick each other off.
    public var clientID: String
    public var protocolVersion: ProtocolVersion
    public var keepAlive: Duration
    /// `false` keeps the broker-side session (subscriptions, queued QoS 1 messages) across reconnects.
    public var cleanStart: Bool
    /// MQTT 5 `Session Expiry Interval`: how long the broker keeps the session while we are away.
    public var sessionExpiry: Duration
    public var username: String?
    /// The password itself (read from the configured password file by the caller; never logged).
    public var password: String?
    /// Published by the broker if we vanish without a DISCONNECT (the `offline` status).
    public var will: MQTTMessage?
    /// Reconnect backoff: first delay, cap. Each client draws a random first delay in [min, 2·min) so a fleet
    /// that lost the same broker does not come back in lock-step.
    public var reconnectDelayMin: Duration
    public var reconnectDelayMax: Duration

    public init(
        url: String, clientID: String, protocolVersion: ProtocolVersion = .v5, tls: TLS = TLS(),
        keepAlive: Duration = .seconds(30), cleanStart: Bool = false, sessionExpiry: Duration = .seconds(86_400),
        username: String? = nil, password: String? = nil, will: MQTTMessage? = nil,
        reconnectDelayMin: Duration = .seconds(1), reconnectDelayMax: Duration = .seconds(60)
    ) throws(MQTTError) {
        let endpoint = try Self.parse(url: url)
        self.host = endpoint.host
        self.port = endpoint.port
        self.usesTLS = endpoint.tls
        self.tls = tls
        self.clientID = clientID
        self.protocolVersion = protocolVersion
        self.keepAlive = keepAlive
        self.cleanStart = cleanStart
        self.sessionExpiry = sessionExpiry
        self.username = username
        self.password = password
        self.will = will
        self.reconnectDelayMin = reconnectDelayMin
        self.reconnectDelayMax = reconnectDelayMax
        guard !clientID.isEmpty, clientID.utf8.count <= 65_535 else {
            throw MQTTError(
                .invalidConfiguration, broker: url, operation: "configure", detail: "client id must not be empty")
        }
        if (tls.certificateFile == nil) != (tls.keyFile == nil) {
            throw MQTTError(
                .invalidConfiguration, broker: url, operation: "configure",
                detail: "client certificate and key must be given together")
        }
    }

    /// `url` with any user information (`user:password@`) replaced by `***@`, fit for logs and replies.
    public static func redacted(url: String) -> String {
        let parts = url.split(separator: "://", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2 else { return url }
        let rest = parts[1]
        let authority = rest.prefix { $0 != "/" }
        guard let at = authority.lastIndex(of: "@") else { return url }
        return parts[0] + "://***" + rest[at...]
    }

    /// `mqtt://host:port` or `mqtts://host:port`, as in every message.
    public var brokerURL: String { "\(usesTLS ? "mqtts" : "mqtt")://\(host):\(port)" }

    /// Refuses credentials in the URL (`mqtt://user:password@host`): a URL is logged, shown by `get-config` and
    /// kept in files anyone may read, so the password belongs in a password file and the user name in its own key.
    public static func parse(url given: String) throws(MQTTError) -> (host: String, port: Int, tls: Bool) {
        // Errors quote the URL, so never with the credentials it may wrongly hold.
        let url = redacted(url: given)
        guard url == given else {
            throw MQTTError(
                .invalidConfiguration, broker: url, operation: "parse URL",
                detail: "credentials in the URL; give the user name as username and the password in password_file")
        }
        let tls: Bool
        let rest: Substring
        if url.hasPrefix("mqtt://") {
            tls = false
            rest = url.dropFirst("mqtt://".count)
        } else if url.hasPrefix("mqtts://") {
            tls = true
            rest = url.dropFirst("mqtts://".count)
        } else {
            throw MQTTError(
                .invalidConfiguration, broker: url, operation: "parse URL",
                detail: "expected mqtt://host[:port] or mqtts://host[:port]")
        }
        let authority = rest.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        var host = Substring(authority)
        var port = tls ? 8883 : 1883
        if authority.hasPrefix("[") {
            // IPv6 literal: [::1]:1883
            guard let close = authority.firstIndex(of: "]") else {
                throw MQTTError(.invalidConfiguration, broker: url, operation: "parse URL", detail: "unclosed [")
            }
            host = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if after.hasPrefix(":") {
                guard let value = Int(after.dropFirst()), (1...65_535).contains(value) else {
                    throw MQTTError(.invalidConfiguration, broker: url, operation: "parse URL", detail: "bad port")
                }
                port = value
            }
        } else if let colon = authority.lastIndex(of: ":") {
            host = authority[..<colon]
            guard let value = Int(authority[authority.index(after: colon)...]), (1...65_535).contains(value) else {
                throw MQTTError(.invalidConfiguration, broker: url, operation: "parse URL", detail: "bad port")
            }
            port = value
        }
        guard !host.isEmpty else {
            throw MQTTError(.invalidConfiguration, broker: url, operation: "parse URL", detail: "missing host")
        }
        return (String(host), port, tls)
    }
}
