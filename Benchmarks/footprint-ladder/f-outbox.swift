// Rung (f): + the agent runtime's durable outbox (FileOutbox; Curbside's outbox is an fsynced log, not SQLite),
// appending one entry in LADDER_DIR, next to the MQTT client of (e).
import AgentRuntime
import Glibc
import MQTTTransport
import Yams

let port = String(cString: getenv("LADDER_PORT"))
let directory = String(cString: getenv("LADDER_DIR"))
let node = try Yams.compose(yaml: "interval_s: 10\n")
let client = try MosquittoClient(
    configuration: MQTTConfiguration(url: "mqtt://127.0.0.1:\(port)", clientID: "ladder-\(getpid())"))
client.start()
let outbox = try FileOutbox(directory: directory)
let entry = try await outbox.append(stream: "events", topic: "ladder/event") { seq in Array("\(seq)".utf8) }
sleep(1)
_ = try client.publish(MQTTMessage(topic: "ladder/ready", string: node?["interval_s"]?.string ?? "", qos: .atMostOnce))
print("ready \(entry.seq)")
fflush(nil)
while true { pause() }
