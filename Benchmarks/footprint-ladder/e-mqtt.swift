// Rung (e): + libmosquitto through MQTTTransport, connected to the broker on LADDER_PORT and publishing once.
import Glibc
import MQTTTransport
import Yams

let port = String(cString: getenv("LADDER_PORT"))
let node = try Yams.compose(yaml: "interval_s: 10\n")
let client = try MosquittoClient(
    configuration: MQTTConfiguration(url: "mqtt://127.0.0.1:\(port)", clientID: "ladder-\(getpid())"))
client.start()
sleep(1)
_ = try client.publish(MQTTMessage(topic: "ladder/ready", string: node?["interval_s"]?.string ?? "", qos: .atMostOnce))
print("ready")
fflush(nil)
while true { pause() }
