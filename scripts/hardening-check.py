#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# Copyright the swift-ocluster authors.
#
# The hostile TLS peer of scripts/hardening-check.sh: a client with a self-signed certificate (any
# one gets through TLS) that misbehaves in one of several ways and reports what the server did.
#
#   hardening-check.py CERT KEY HOST PORT CASE [COUNT]
#
# CASE: slow-frame (a frame whose table declares 8 Mi words, then silence), huge-header (a table
# declaring 2^31 words), unknown-import (calls to an import never given out), unfinished-bootstraps
# (Bootstraps naming no service, never finished), silent (COUNT
# connections that send nothing; prints "opened N" and holds them until stdin closes).
# Prints one line per outcome; exits 0.
import socket
import ssl
import struct
import sys
import time

cert, key, host, port, case = sys.argv[1:6]
count = int(sys.argv[6]) if len(sys.argv) > 6 else 1
port = int(port)


def connect():
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    context.load_cert_chain(cert, key)
    raw = socket.create_connection((host, port), timeout=10)
    return context.wrap_socket(raw)


def reason(data):
    """The longest printable run in what the server sent: the Abort's reason."""
    runs, current = [], bytearray()
    for byte in data:
        if 32 <= byte < 127:
            current.append(byte)
        else:
            runs.append(bytes(current))
            current = bytearray()
    runs.append(bytes(current))
    best = max(runs, key=len, default=b"")
    return best.decode() if len(best) >= 8 else "(no reason)"


def read_until_closed(conn, limit):
    conn.settimeout(limit)
    data = b""
    start = time.monotonic()
    try:
        while True:
            chunk = conn.recv(65536)
            if not chunk:
                return data, time.monotonic() - start, "closed"
            data += chunk
    except socket.timeout:
        return data, time.monotonic() - start, "still open"
    except (ssl.SSLError, OSError) as error:
        return data, time.monotonic() - start, f"reset ({error.__class__.__name__})"


def frame_header(words):
    return struct.pack("<II", 0, words)


# A Call (question 5) to import 42, which the server never exported: `capnp encode` of
# (call = (questionId = 5, target = (importedCap = 42), interfaceId = 1, methodId = 0, params = ())).
UNKNOWN_IMPORT_CALL = bytes.fromhex(
    "000000000d00000000000000010001000200000000000000000000000300030005000000000000000100000000000000"
    "000000000000000008000000010001000c0000000000020000000000000000002a000000000000000000000000000000"
    "00000000000000000000000000000000"
)


def bootstrap(question):
    """A Bootstrap naming no service: (bootstrap = (questionId = QUESTION)), one segment of 5 words."""
    return struct.pack("<II", 0, 5) + struct.pack("<IHH", 0, 1, 1) + struct.pack("<Q", 8) \
        + struct.pack("<IHH", 0, 1, 1) + struct.pack("<Q", question) + struct.pack("<Q", 0)


def send_until_closed(conn, messages):
    sent = 0
    try:
        for message in messages:
            conn.sendall(message)
            sent += 1
    except (ssl.SSLError, OSError):
        pass
    return sent


if case == "slow-frame":
    conns = []
    for _ in range(count):
        conn = connect()
        conn.sendall(frame_header(8 * 1024 * 1024) + b"\0" * 4096)
        conns.append(conn)
    print(f"sent {count} partial frames declaring 8 Mi words (64 MiB) each")
    closed = 0
    for index, conn in enumerate(conns):
        data, seconds, how = read_until_closed(conn, 120)
        closed += how == "closed"
        if index == 0 or how != "closed":
            print(f"connection {index}: {how} after {seconds:.1f} s; reason: {reason(data)}")
    print(f"{closed} of {count} closed by the server")
elif case == "huge-header":
    conn = connect()
    conn.sendall(frame_header(0x80000000))
    data, seconds, how = read_until_closed(conn, 30)
    print(f"{how} after {seconds:.1f} s; reason: {reason(data)}")
elif case == "unknown-import":
    conn = connect()
    sent = send_until_closed(conn, (UNKNOWN_IMPORT_CALL for _ in range(count)))
    data, seconds, how = read_until_closed(conn, 30)
    print(f"sent {sent} calls; {how} after {seconds:.1f} s; reason: {reason(data)}")
elif case == "unfinished-bootstraps":
    conn = connect()
    sent = send_until_closed(conn, (bootstrap(question) for question in range(count)))
    data, seconds, how = read_until_closed(conn, 30)
    print(f"sent {sent} Bootstraps; {how} after {seconds:.1f} s; reason: {reason(data)}")
elif case == "silent":
    conns = []
    failed = 0
    for _ in range(count):
        try:
            conns.append(connect())
        except (ssl.SSLError, OSError):
            failed += 1
    print(f"opened {len(conns)} (refused or failed: {failed})", flush=True)
    sys.stdin.read()
    closed = 0
    for conn in conns:
        _, _, how = read_until_closed(conn, 0.01)
        closed += how != "still open"
    print(f"of {len(conns)} silent connections, {closed} had been closed by the server")
else:
    sys.exit(f"unknown case {case}")
