"""Independent MQTT 5 peer: sends one request with a response topic and correlation data, prints the reply.

Usage: mqtt5_request.py PORT REQUEST_TOPIC RESPONSE_TOPIC CORRELATION_HEX PAYLOAD
Prints `reply <correlation-hex> <payload>` and exits 0, or exits 1 after 10 s without a reply.
"""
import sys
import threading

import paho.mqtt.client as mqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

port, request_topic, response_topic, correlation_hex, payload = sys.argv[1:6]
done = threading.Event()


def on_connect(client, userdata, flags, reason_code, properties):
    client.subscribe(response_topic, qos=1)


def on_subscribe(client, userdata, mid, reason_codes, properties):
    props = Properties(PacketTypes.PUBLISH)
    props.ResponseTopic = response_topic
    props.CorrelationData = bytes.fromhex(correlation_hex)
    client.publish(request_topic, payload, qos=1, properties=props)


def on_message(client, userdata, message):
    correlation = getattr(message.properties, "CorrelationData", b"")
    print("reply", correlation.hex(), message.payload.decode(), flush=True)
    done.set()


client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
client.on_connect = on_connect
client.on_subscribe = on_subscribe
client.on_message = on_message
client.connect("127.0.0.1", int(port))
client.loop_start()
ok = done.wait(10)
client.disconnect()
client.loop_stop()
sys.exit(0 if ok else 1)
