public import Foundation

/// A throw-away PKI made with `openssl` for TLS tests: a CA, a server certificate for 127.0.0.1, a client
/// certificate signed by the CA, and a client certificate from an unrelated CA (must be refused).
public struct TestCertificates: Sendable {
    public let directory: URL
    public var caFile: String { directory.appendingPathComponent("ca.pem").path }
    public var serverCertificate: String { directory.appendingPathComponent("server.pem").path }
    public var serverKey: String { directory.appendingPathComponent("server.key").path }
    public var clientCertificate: String { directory.appendingPathComponent("client.pem").path }
    public var clientKey: String { directory.appendingPathComponent("client.key").path }
    public var rogueCertificate: String { directory.appendingPathComponent("rogue-client.pem").path }
    public var rogueKey: String { directory.appendingPathComponent("rogue-client.key").path }

    /// Generates everything (P-256 keys, valid for one day). `clientName` becomes the client certificate's CN.
    public static func make(clientName: String = "curb-test-device") async throws -> TestCertificates {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "curb-pki-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let certificates = TestCertificates(directory: directory)
        let dir = directory.path
        func openssl(_ arguments: [String]) async throws {
            let result = try await ToolRun.run("openssl", arguments)
            guard result.status == 0 else {
                throw TestKitError("openssl \(arguments.joined(separator: " ")) failed:\n\(result.output)")
            }
        }
        let key = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        for ca in ["ca", "rogue-ca"] {
            try await openssl(
                ["req", "-x509"] + key + [
                    "-keyout", "\(dir)/\(ca).key", "-out", "\(dir)/\(ca).pem", "-days", "1",
                    "-subj", "/CN=Curbside test \(ca)",
                ])
        }
        let extensions = directory.appendingPathComponent("server.ext")
        try "subjectAltName=IP:127.0.0.1,DNS:localhost\n".write(to: extensions, atomically: true, encoding: .utf8)
        let leaves: [(name: String, cn: String, ca: String, ext: String?)] = [
            ("server", "127.0.0.1", "ca", extensions.path),
            ("client", clientName, "ca", nil),
            ("rogue-client", clientName, "rogue-ca", nil),
        ]
        for leaf in leaves {
            try await openssl(
                ["req"] + key + [
                    "-keyout", "\(dir)/\(leaf.name).key", "-out", "\(dir)/\(leaf.name).csr", "-subj",
                    "/CN=\(leaf.cn)",
                ])
            try await openssl(
                [
                    "x509", "-req", "-in", "\(dir)/\(leaf.name).csr", "-CA", "\(dir)/\(leaf.ca).pem", "-CAkey",
                    "\(dir)/\(leaf.ca).key", "-CAcreateserial", "-out", "\(dir)/\(leaf.name).pem", "-days", "1",
                ]
                    + (leaf.ext.map { ["-extfile", $0] } ?? []))
        }
        return certificates
    }
}
