// Rung (d): + Yams (composing a configuration-like document), on the Foundation of (b) or (c) that Yams imports.
import Glibc
import Yams

let text = """
    agent:
      broker: {url: "mqtt://127.0.0.1:1883", keep_alive_s: 30}
      site: jongno-gu
    device:
      interval_s: 10
      levels: [10, 30, 100]
    """
let node = try Yams.compose(yaml: text)
print("ready \(node?["device"]?["levels"]?.sequence?.count ?? 0)")
fflush(nil)
while true { pause() }
