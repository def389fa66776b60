import CurbsideTestKit
import Foundation
import MQTTTransport
import Testing

/// The transport against a real mosquitto on loopback and independent peers (mosquitto_sub, paho-mqtt).
@Suite("MosquittoClient", .serialized, .timeLimit(.minutes(3)))
struct MosquittoClientTests {
    let peers = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("peers")

    func makeClient(_ broker: MosquittoBroker, id: String, reconnectMin: Duration = .milliseconds(200))
        throws -> MosquittoClient
    {
        try MosquittoClient(
            configuration: MQTTConfiguration(
                url: broker.url, clientID: id, sessionExpiry: .seconds(300), reconnectDelayMin: reconnectMin,
                reconnectDelayMax: .seconds(4)))
    }

    @Test("incoming messages beyond maxQueuedMessages waiting for the consumer are dropped and counted, not queued")
    func incomingMessagesBounded() async throws {
        let broker = try MosquittoBroker()
        try await broker.start()
        let client = try MosquittoClient(
            configuration: MQTTConfiguration(url: broker.url, clientID: "curb-test-flood"), maxQueuedMessages: 10)
        let events = EventRecorder(client)
        client.start()
        _ = try await events.connected()
        let mid = try client.subscribe("curb/v1/test/flood")
        _ = try await events.next("SUBACK") {
            if case .subscribed(let id, _) = $0 { return id == mid }
            return false
        }
        // The recorder takes events off the stream but never reports them handled: the queue stays full at 10.
        for index in 0..<30 {
            try client.publish(MQTTMessage(topic: "curb/v1/test/flood", string: "\(index)", qos: .atLeastOnce))
        }
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline,
            await events.messageCount(on: "curb/v1/test/flood") + client.droppedMessageCount < 30
        {
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(await events.messageCount(on: "curb/v1/test/flood") == 10)
        #expect(client.droppedMessageCount == 20)
        // Handled: there is room again.
        for _ in 0..<10 { client.messageHandled() }
        try client.publish(MQTTMessage(topic: "curb/v1/test/flood", string: "after", qos: .atLeastOnce))
        _ = try await events.message(on: "curb/v1/test/flood")
        #expect(client.droppedMessageCount == 20)
        client.disconnect()
    }

    @Test("a retained publish reaches an independent subscriber (mosquitto_sub)")
    func retainedPublishReachesMosquittoSub() async throws {
        let broker = try MosquittoBroker()
        try await broker.start()
        let client = try makeClient(broker, id: "curb-test-retained")
        let events = EventRecorder(client)
        client.start()
        _ = try await events.connected()
        let mid = try client.publish(
            MQTTMessage(topic: "curb/v1/test/kind/dev/status", string: #"{"state":"online"}"#, retain: true))
        _ = try await events.next("PUBACK for \(mid)") { $0 == .published(messageID: mid) }
        let result = try await ToolRun.run(
            "mosquitto_sub",
            [
                "-h", "127.0.0.1", "-p", "\(broker.port)", "-t", "curb/v1/test/#", "-C", "1", "-v",
                "-W", "20",
            ])
        #expect(result.status == 0, "\(result.output)")
        #expect(
            result.output.trimmingCharacters(in: .whitespacesAndNewlines)
                == #"curb/v1/test/kind/dev/status {"state":"online"}"#)
        client.disconnect()
    }

    /// libmosquitto calls its publish callback for QoS 0 packets as they are written; the client forwards only the
    /// QoS ≥ 1 acknowledgements. The QoS 0 packets go out before the QoS 1 one (one FIFO), so a forwarded QoS 0
    /// callback would be recorded before the PUBACK; and the QoS 0 messages do reach a subscriber.
    @Test("QoS 0 publishes yield no .published event; a QoS 1 publish after them still does")
    func qos0PublishesAreQuiet() async throws {
        let broker = try MosquittoBroker()
        try await broker.start()
        let client = try makeClient(broker, id: "curb-test-quiet")
        let events = EventRecorder(client)
        client.start()
        _ = try await events.connected()
        try client.subscribe("curb/v1/test/kind/dev/telemetry/#", qos: .atMostOnce)
        _ = try await events.next("SUBACK") {
            if case .subscribed = $0 { return true }
            return false
        }
        var quiet: [Int32] = []
        for n in 0..<20 {
            quiet.append(
                try client.publish(
                    MQTTMessage(topic: "curb/v1/test/kind/dev/telemetry/t", string: "\(n)", qos: .atMostOnce)))
        }
        let acknowledged = try client.publish(MQTTMessage(topic: "curb/v1/test/kind/dev/event/e", string: "x"))
        _ = try await events.next("PUBACK for \(acknowledged)") { event in
            event == .published(messageID: acknowledged)
        }
        // All 20 QoS 0 messages arrived, so every write callback has happened.
        _ = try await eventually(
            { await events.messageCount(on: "curb/v1/test/kind/dev/telemetry/t") }, until: { $0 == 20 })
        let forwarded = await events.publishedIDs.filter { $0 != acknowledged }
        #expect(forwarded.isEmpty, "QoS 0 ids \(quiet) came back as .published \(forwarded)")
        client.disconnect()
    }

    @Test("MQTT 5 request/response: response topic and correlation data from paho-mqtt come through and back")
    func requestResponseWithPaho() async throws {
        let broker = try MosquittoBroker()
        try await broker.start()
        let client = try makeClient(broker, id: "curb-test-rr")
        let events = EventRecorder(client)
        client.start()
        _ = try await events.connected()
        try client.subscribe("curb/v1/test/kind/dev/cmd/#")
        // Our own message through the subscription proves the broker has it before the peer publishes.
        try client.publish(MQTTMessage(topic: "curb/v1/test/kind/dev/cmd/marker", string: "x"))
        _ = try await events.message(on: "curb/v1/test/kind/dev/cmd/marker")

        let responder = Task {
            let request = try await events.message(on: "curb/v1/test/kind/dev/cmd/ping")
            let responseTopic = try #require(request.responseTopic)
            try client.publish(
                MQTTMessage(
                    topic: responseTopic, payload: Array("pong:\(request.payloadString)".utf8),
                    correlationData: request.correlationData))
            return request
        }
        let result = try await ToolRun.run(
            "python3",
            [
                peers.appendingPathComponent("mqtt5_request.py").path, "\(broker.port)",
                "curb/v1/test/kind/dev/cmd/ping",
                "ops/replies/42", "c0ffee01", "hello",
            ])
        let request = try await responder.value
        #expect(request.correlationData == [0xC0, 0xFF, 0xEE, 0x01])
        #expect(request.responseTopic == "ops/replies/42")
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.contains("reply c0ffee01 pong:hello"), "\(result.output)")
        client.disconnect()
    }

    @Test("the session (subscription and queued QoS 1 messages) survives two broker restarts")
    func persistentSessionSurvivesRepeatedReconnects() async throws {
        let broker = try MosquittoBroker()
        try await broker.start()
        // A slow first retry leaves a window in which the broker is back but we are not.
        let client = try makeClient(broker, id: "curb-test-session", reconnectMin: .milliseconds(1500))
        let events = EventRecorder(client)
        client.start()
        _ = try await events.connected()
        try client.subscribe("curb/v1/test/kind/dev/cmd/#")
        try client.publish(MQTTMessage(topic: "curb/v1/test/kind/dev/cmd/marker", string: "x"))
        _ = try await events.message(on: "curb/v1/test/kind/dev/cmd/marker")

        for round in 1...2 {
            await broker.stop()
            _ = try await events.next("disconnect in round \(round)") {
                if case .disconnected = $0 { return true }
                return false
            }
            try await broker.start()
            // Published while we are away: only a kept session (expiry > 0 on every CONNECT) queues it for us.
            let sent = try await ToolRun.run(
                "mosquitto_pub",
                [
                    "-h", "127.0.0.1", "-p", "\(broker.port)", "-q", "1", "-t", "curb/v1/test/kind/dev/cmd/round",
                    "-m", "round \(round)",
                ])
            #expect(sent.status == 0, "\(sent.output)")
            let sessionPresent = try await events.connected()
            #expect(sessionPresent, "broker did not keep the session in round \(round)")
            let queued = try await events.message(on: "curb/v1/test/kind/dev/cmd/round")
            #expect(queued.payloadString == "round \(round)")
        }
        client.disconnect()
    }

    @Test("bad broker URLs and half-given mTLS files are configuration errors")
    func configurationErrors() {
        #expect(throws: MQTTError.self) { try MQTTConfiguration(url: "http://x", clientID: "a") }
        #expect(throws: MQTTError.self) { try MQTTConfiguration(url: "mqtt://:1883", clientID: "a") }
        #expect(throws: MQTTError.self) { try MQTTConfiguration(url: "mqtt://h:99999", clientID: "a") }
        #expect(throws: MQTTError.self) {
            try MQTTConfiguration(url: "mqtts://h", clientID: "a", tls: .init(certificateFile: "c.pem"))
        }
        let tls = try? MQTTConfiguration(url: "mqtts://broker.example", clientID: "a")
        #expect(tls?.port == 8883)
        #expect(tls?.brokerURL == "mqtts://broker.example:8883")
        let v6 = try? MQTTConfiguration(url: "mqtt://[::1]:1884", clientID: "a")
        #expect(v6?.host == "::1")
        #expect(v6?.port == 1884)
    }
}
