#!/usr/bin/env python3
"""A pymodbus server with a known register map: the independent peer our Modbus client is tested against.

Usage: pymodbus_server.py tcp PORT | rtu DEVICE BAUD PARITY
In tcp mode PORT 0 lets the kernel choose a free port, so parallel runs never collide; once listening the server
prints "listening on 127.0.0.1:PORT". A port it cannot bind ends it with status 1 (pymodbus alone would log a
warning and wait forever).
Units 1 and 2 are served; unit N's holding registers read 100*N + i at address i (0-based on the wire).
Input registers 0-1 hold 12.5 as a big-endian float (0x4148 0x0000), 2-3 the same float word-swapped,
4-5 the 32-bit integer 0x12345678 big-endian. Every table has 64 entries; address 64 and above is illegal.
"""
import asyncio
import logging
import sys

from pymodbus.datastore import ModbusSequentialDataBlock, ModbusServerContext, ModbusSlaveContext
from pymodbus.server import ModbusTcpServer, StartSerialServer
from pymodbus.transaction import ModbusRtuFramer, ModbusSocketFramer

SIZE = 64


def unit(number):
    inputs = [0x4148, 0x0000, 0x0000, 0x4148, 0x1234, 0x5678] + [1000 + i for i in range(6, SIZE)]
    # pymodbus datablocks start at address 1: wire address 0 is the block's first value.
    return ModbusSlaveContext(
        co=ModbusSequentialDataBlock(1, [i % 3 == 0 for i in range(SIZE)]),
        di=ModbusSequentialDataBlock(1, [i % 2 == 1 for i in range(SIZE)]),
        hr=ModbusSequentialDataBlock(1, [100 * number + i for i in range(SIZE)]),
        ir=ModbusSequentialDataBlock(1, inputs),
    )


async def serve_tcp(context, port):
    server = ModbusTcpServer(context=context, framer=ModbusSocketFramer, address=("127.0.0.1", port))
    if not await server.listen():
        sys.exit(f"pymodbus_server: cannot listen on 127.0.0.1:{port} (see the warning above)")
    print(f"listening on 127.0.0.1:{server.transport.sockets[0].getsockname()[1]}", flush=True)
    await server.serving


def main():
    logging.basicConfig(level=logging.WARNING)
    context = ModbusServerContext(slaves={1: unit(1), 2: unit(2)}, single=False)
    mode = sys.argv[1]
    if mode == "tcp":
        asyncio.run(serve_tcp(context, int(sys.argv[2])))
    elif mode == "rtu":
        StartSerialServer(
            context=context,
            framer=ModbusRtuFramer,
            port=sys.argv[2],
            baudrate=int(sys.argv[3]),
            parity=sys.argv[4],
            bytesize=8,
            stopbits=1,
            ignore_missing_slaves=True,
        )
    else:
        sys.exit(f"unknown mode {mode}")


if __name__ == "__main__":
    main()
