import CurbsideTestKit
import Foundation
import MQTTTransport
import Testing

/// TLS against a real mosquitto: server authentication, mutual TLS, and refusal of a certificate from another CA.
@Suite("MQTT over TLS", .serialized, .timeLimit(.minutes(3)))
struct TLSTests {
    func broker(_ pki: TestCertificates, requireClientCertificate: Bool) throws -> MosquittoBroker {
        return try MosquittoBroker(
            extraConfiguration: [
                "listener %PORT% 127.0.0.1",
                "allow_anonymous true",
                "cafile \(pki.caFile)",
                "certfile \(pki.serverCertificate)",
                "keyfile \(pki.serverKey)",
                "require_certificate \(requireClientCertificate)",
            ])
    }

    func client(_ broker: MosquittoBroker, _ tls: MQTTConfiguration.TLS, id: String) throws -> MosquittoClient {
        try MosquittoClient(
            configuration: MQTTConfiguration(
                url: "mqtts://127.0.0.1:\(broker.port)", clientID: id, tls: tls,
                reconnectDelayMin: .milliseconds(200), reconnectDelayMax: .seconds(1)))
    }

    @Test("server-authenticated TLS: the client verifies the broker against the CA and connects")
    func serverAuthentication() async throws {
        let pki = try await TestCertificates.make()
        let broker = try broker(pki, requireClientCertificate: false)
        try await broker.start()
        let client = try client(broker, .init(caFile: pki.caFile), id: "tls-server-auth")
        let events = EventRecorder(client)
        client.start()
        _ = try await events.connected()
        client.disconnect()
    }

    @Test("a broker certificate from another CA is refused by the client")
    func wrongServerCA() async throws {
        let pki = try await TestCertificates.make()
        let broker = try broker(pki, requireClientCertificate: false)
        try await broker.start()
        let rogueCA = pki.directory.appendingPathComponent("rogue-ca.pem").path
        let client = try client(broker, .init(caFile: rogueCA), id: "tls-wrong-ca")
        let events = EventRecorder(client)
        client.start()
        let failure = try await events.next("a failed connect") {
            if case .disconnected = $0 { return true }
            if case .connected = $0 { return true }
            return false
        }
        guard case .disconnected(_, let reason, _) = failure else {
            Issue.record("connected to a broker whose certificate our CA did not sign")
            return
        }
        #expect(!reason.isEmpty)
        client.disconnect()
    }

    @Test("mutual TLS: the CA-signed client certificate is accepted, a rogue one and none are refused")
    func mutualTLS() async throws {
        let pki = try await TestCertificates.make()
        let broker = try broker(pki, requireClientCertificate: true)
        try await broker.start()

        let good = try client(
            broker, .init(caFile: pki.caFile, certificateFile: pki.clientCertificate, keyFile: pki.clientKey),
            id: "mtls-good")
        let goodEvents = EventRecorder(good)
        good.start()
        _ = try await goodEvents.connected()
        good.disconnect()

        for (name, tls) in [
            (
                "rogue",
                MQTTConfiguration.TLS(caFile: pki.caFile, certificateFile: pki.rogueCertificate, keyFile: pki.rogueKey)
            ),
            ("none", MQTTConfiguration.TLS(caFile: pki.caFile)),
        ] {
            let refused = try client(broker, tls, id: "mtls-\(name)")
            let events = EventRecorder(refused)
            refused.start()
            // Several connect attempts, each to its end; none may succeed. Counted, not a sleep: a loaded machine
            // fits fewer attempts into a fixed time, and a sleep that saw none would pass without checking anything.
            var ends: [MQTTEvent] = []
            func accepted() -> Bool {
                ends.contains {
                    if case .connected = $0 { return true }
                    return false
                }
            }
            for attempt in 1...3 where !accepted() {
                ends.append(
                    try await events.next("end of connect attempt \(attempt)") {
                        switch $0 {
                        case .connected, .connectionRefused, .disconnected: return true
                        default: return false
                        }
                    })
            }
            #expect(!accepted(), "client with \(name) certificate was accepted: \(ends)")
            refused.disconnect()
        }
    }
}
