import CurbsideTestKit
import Foundation
import Testing

extension CurbctlEndToEnd {
    /// `curbctl` reaches a broker that wants mutual TLS with the options the README gives, and says why when it
    /// cannot.
    @Suite("curbctl over TLS", .serialized)
    struct BrokerTLSTests {
        @Test("mqtts:// with --ca-file and a client certificate connects; without the certificate it is exit 69")
        func mutualTLS() async throws {
            let pki = try await TestCertificates.make()
            let broker = try MosquittoBroker(
                extraConfiguration: [
                    "listener %PORT% 127.0.0.1", "allow_anonymous true", "cafile \(pki.caFile)",
                    "certfile \(pki.serverCertificate)", "keyfile \(pki.serverKey)", "require_certificate true",
                ])
            try await broker.start()
            defer { Task { await broker.stop() } }
            let curbctl = try ExecutableLookup.builtProduct("curbctl")
            let url = "mqtts://127.0.0.1:\(broker.port)"
            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: pki.clientKey)
            let connected = try await ToolRun.run(
                curbctl,
                [
                    "devices", "--json", "--listen", "0", "--broker", url, "--ca-file", pki.caFile, "--cert-file",
                    pki.clientCertificate, "--key-file", pki.clientKey,
                ])
            #expect(connected.status == 0, "\(connected.output)")
            let devices = try JSONSerialization.jsonObject(with: Data(connected.output.utf8)) as? [Any]
            #expect(devices?.isEmpty == true, "\(connected.output)")

            let refused = try await ToolRun.run(
                curbctl, ["devices", "--broker", url, "--ca-file", pki.caFile, "--connect-timeout", "2"])
            #expect(refused.status == 69, "\(refused.output)")
            #expect(refused.output.contains("curbctl: \(url): not connected within"), "\(refused.output)")

            // A key others can read is refused before anything is sent, as the daemons refuse it.
            try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: pki.clientKey)
            let exposed = try await ToolRun.run(
                curbctl,
                [
                    "devices", "--broker", url, "--ca-file", pki.caFile, "--cert-file", pki.clientCertificate,
                    "--key-file", pki.clientKey,
                ])
            #expect(exposed.status == 65, "\(exposed.output)")
            #expect(exposed.output.contains("chmod 600 \(pki.clientKey)"), "\(exposed.output)")
        }
    }
}
