#!/usr/bin/env python3
"""A pymodbus server whose registers are written by pymodbus's own encoders: the independent peer modbusd's decoding
is tested against.

Usage: encoded_server.py SPEC.json tcp PORT | SPEC.json rtu DEVICE BAUD
SPEC.json: {"unit": 1, "holding": [ENTRY…], "input": [ENTRY…], "coils": [bool…], "discrete": [bool…]}, ENTRY =
{"address": A, "kind": "u16|i16|u32|i32|u64|i64|f32|f64|string|bits16", "value": V, "byteorder": "big|little",
"wordorder": "big|little"}; A is the 0-based wire address. Each value is encoded with BinaryPayloadBuilder in that
byte and word order. Units other than SPEC's unit get no answer at all (ignore_missing_slaves), like a slave that is
unplugged. In tcp mode PORT 0 takes a free port; once serving, "listening on 127.0.0.1:PORT" is printed.
"""
import asyncio
import json
import logging
import sys

from pymodbus.constants import Endian
from pymodbus.datastore import ModbusSequentialDataBlock, ModbusServerContext, ModbusSlaveContext
from pymodbus.payload import BinaryPayloadBuilder
from pymodbus.server import ModbusTcpServer, StartSerialServer
from pymodbus.transaction import ModbusRtuFramer, ModbusSocketFramer

SIZE = 512
ENDIAN = {"big": Endian.BIG, "little": Endian.LITTLE}
ADD = {
    "u16": "add_16bit_uint", "i16": "add_16bit_int", "u32": "add_32bit_uint", "i32": "add_32bit_int",
    "u64": "add_64bit_uint", "i64": "add_64bit_int", "f32": "add_32bit_float", "f64": "add_64bit_float",
    "string": "add_string", "bits16": "add_16bit_uint",
}


def registers(entries):
    table = [0] * SIZE
    for entry in entries:
        builder = BinaryPayloadBuilder(byteorder=ENDIAN[entry["byteorder"]], wordorder=ENDIAN[entry["wordorder"]])
        getattr(builder, ADD[entry["kind"]])(entry["value"])
        words = builder.to_registers()
        table[entry["address"]:entry["address"] + len(words)] = words
    return table


def bits(values):
    return [bool(v) for v in values] + [False] * (SIZE - len(values))


def main():
    logging.basicConfig(level=logging.WARNING)
    spec = json.load(open(sys.argv[1]))
    # pymodbus datablocks start at address 1: wire address 0 is the block's first value.
    slave = ModbusSlaveContext(
        co=ModbusSequentialDataBlock(1, bits(spec.get("coils", []))),
        di=ModbusSequentialDataBlock(1, bits(spec.get("discrete", []))),
        hr=ModbusSequentialDataBlock(1, registers(spec.get("holding", []))),
        ir=ModbusSequentialDataBlock(1, registers(spec.get("input", []))),
    )
    context = ModbusServerContext(slaves={spec["unit"]: slave}, single=False)
    mode = sys.argv[2]
    if mode == "tcp":
        async def serve():
            server = ModbusTcpServer(
                context=context, framer=ModbusSocketFramer, address=("127.0.0.1", int(sys.argv[3])),
                ignore_missing_slaves=True)
            if not await server.listen():
                sys.exit(f"encoded_server: cannot listen on 127.0.0.1:{sys.argv[3]}")
            print(f"listening on 127.0.0.1:{server.transport.sockets[0].getsockname()[1]}", flush=True)
            await server.serving
        asyncio.run(serve())
    elif mode == "rtu":
        StartSerialServer(
            context=context, framer=ModbusRtuFramer, port=sys.argv[3], baudrate=int(sys.argv[4]), parity="N",
            bytesize=8, stopbits=1, ignore_missing_slaves=True)
    else:
        sys.exit(f"unknown mode {mode}")


if __name__ == "__main__":
    main()
