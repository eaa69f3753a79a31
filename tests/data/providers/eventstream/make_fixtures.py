#!/usr/bin/env python3
"""Writes event-stream fixtures with an independent encoder (struct + zlib.crc32),
so the C++ decoder is checked against bytes it did not produce."""
import os
import struct
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))


def header(name, type_id, value=b""):
    n = name.encode()
    return struct.pack(">B", len(n)) + n + struct.pack(">B", type_id) + value


def string(name, s):
    b = s.encode()
    return header(name, 7, struct.pack(">H", len(b)) + b)


def message(headers, payload):
    h = b"".join(headers)
    total = 16 + len(h) + len(payload)
    prelude = struct.pack(">II", total, len(h))
    prelude += struct.pack(">I", zlib.crc32(prelude))
    body = prelude + h + payload
    return body + struct.pack(">I", zlib.crc32(body))


all_types = message(
    [
        header("t", 0),
        header("f", 1),
        header("byte", 2, struct.pack(">b", -5)),
        header("short", 3, struct.pack(">h", -300)),
        header("int", 4, struct.pack(">i", 123456789)),
        header("long", 5, struct.pack(">q", -(2**40))),
        header("bytes", 6, struct.pack(">H", 3) + b"\x00\x01\xff"),
        string("str", "h\u00e9llo"),
        header("ts", 8, struct.pack(">q", 1700000000000)),
        header("uuid", 9, bytes(range(16))),
    ],
    b'{"x":1}',
)
event = message(
    [
        string(":event-type", "contentBlockDelta"),
        string(":content-type", "application/json"),
        string(":message-type", "event"),
    ],
    '{"contentBlockIndex":0,"delta":{"text":"caf\u00e9 \U0001F600"}}'.encode(),
)
empty = message([], b"")
exception = message(
    [
        string(":exception-type", "throttlingException"),
        string(":content-type", "application/json"),
        string(":message-type", "exception"),
    ],
    b'{"message":"Too many requests, please wait before trying again."}',
)

with open(os.path.join(HERE, "messages.bin"), "wb") as f:
    f.write(all_types + event + empty + exception)
