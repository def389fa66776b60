#!/usr/bin/env python3
"""The Python peer: poll 10 holding registers of a Modbus TCP device, publish them as JSON over MQTT, nothing else.

pymodbus's synchronous client for the device, paho-mqtt (its own network thread) for the broker, one loop on an
absolute clock — the same job as Benchmarks/c-floor/poller.c.
    poller.py MODBUS_PORT MQTT_PORT TOPIC PERIOD_MS QOS   (PERIOD_MS 0: poll back to back; serves until killed)
"""
import json
import sys
import time

import paho.mqtt.client as mqtt
from pymodbus.client import ModbusTcpClient


def main() -> int:
    modbus_port, mqtt_port, topic, period_ms, qos = sys.argv[1:6]
    period = int(period_ms) / 1000.0
    device = ModbusTcpClient("127.0.0.1", port=int(modbus_port))
    if not device.connect():
        print(f"poller.py: modbus 127.0.0.1:{modbus_port}: connect failed", file=sys.stderr)
        return 1
    broker = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2)
    broker.connect("127.0.0.1", int(mqtt_port), keepalive=30)
    broker.loop_start()
    next_poll = time.monotonic()
    seq = 0
    while True:
        reply = device.read_holding_registers(0, 10, slave=1)
        if reply.isError():
            print(f"poller.py: read holding 0..9: {reply}", file=sys.stderr)
            return 1
        values = {f"r{index}": value for index, value in enumerate(reply.registers)}
        broker.publish(topic, json.dumps({"seq": seq, "values": values}, separators=(",", ":")), qos=int(qos))
        seq += 1
        if period > 0:
            next_poll += period
            delay = next_poll - time.monotonic()
            if delay > 0:
                time.sleep(delay)


if __name__ == "__main__":
    sys.exit(main())
