#!/usr/bin/env python3
"""Prints the bytes haproxy.cfg's health check sends, as the hex string for "tcp-check send-binary".

haproxy 2.6's http-check cannot send a gRPC request: its body is a C string, so the five NUL bytes of an
empty gRPC message (flag 0, length 0) cut it to nothing, and the server answers INTERNAL ("Incomplete
message"). A tcp-check can send any bytes, so it sends one whole cleartext HTTP/2 connection by hand:
the client preface, an empty SETTINGS frame, a HEADERS frame (HPACK literals, no Huffman, no dynamic
table) for POST /grpc.health.v1.Health/Check, and a DATA frame with the empty HealthCheckRequest.

Usage: grpc-health-check.py [SERVICE]   (SERVICE: the health service name to ask about; default "", the
server as a whole). Regenerate the line in haproxy.cfg with it after any change here; the mesh suite
(tests/mesh/run.sh) checks the two agree.
"""
import struct
import sys


def frame(kind: int, flags: int, stream: int, payload: bytes) -> bytes:
    return struct.pack(">I", len(payload))[1:] + bytes([kind, flags]) + struct.pack(">I", stream) + payload


def literal(name_index: int, value: str) -> bytes:
    """Literal header field without indexing, name from the static table (index < 15), 7-bit length."""
    data = value.encode()
    assert name_index < 15 and len(data) < 127
    return bytes([name_index, len(data)]) + data


def new_name(name: str, value: str) -> bytes:
    """Literal header field without indexing, new name."""
    return bytes([0x00, len(name)]) + name.encode() + bytes([len(value)]) + value.encode()


def check_request(service: str = "") -> bytes:
    headers = (
        bytes([0x83, 0x86])  # :method POST, :scheme http (static table 3 and 6)
        + literal(0x04, "/grpc.health.v1.Health/Check")  # :path
        + literal(0x01, "localhost")  # :authority
        + bytes([0x0F, 0x10]) + bytes([16]) + b"application/grpc"  # content-type (static 31: 15 + 16)
        + new_name("te", "trailers")
    )
    message = b""
    if service:
        encoded = service.encode()
        message = bytes([0x0A, len(encoded)]) + encoded  # field 1 (service), length-delimited
    body = b"\x00" + struct.pack(">I", len(message)) + message  # gRPC framing: uncompressed, length
    return (
        b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
        + frame(0x4, 0x0, 0, b"")  # SETTINGS, empty
        + frame(0x1, 0x4, 1, headers)  # HEADERS, END_HEADERS, stream 1
        + frame(0x0, 0x1, 1, body)  # DATA, END_STREAM, stream 1
    )


if __name__ == "__main__":
    print(check_request(sys.argv[1] if len(sys.argv) > 1 else "").hex())
