#!/usr/bin/env python3
"""What each step of a new connection costs through several poolers, interleaved in one run.

    bench/login-phases.py [--seconds S] [--password PW] [--queries N] PORT [PORT ...]

Opens connections one at a time for at most S seconds, each to a port drawn at random, and times, as
the client sees them: the TCP connect, the SSLRequest's refusal, the StartupMessage's answer
(AuthenticationSASL), the two SCRAM-SHA-256 steps (the second one's answer includes the welcome, up
to ReadyForQuery), then N simple queries (`select 1`, each its own transaction), and closes with
Terminate. It prints the p50/p90 of each step per port in microseconds, and the sum of the p50s.

The protocol is spoken here rather than through a driver so that each step is timed apart, and the
client's own SCRAM key derivation (PBKDF2, 4,096 iterations, most of a libpq login's time) is done once
per salt and kept: what is left is the pooler's answer to each message. User postgres, database
postgres, 127.0.0.1; every pooler in front of the same PostgreSQL with the same SCRAM secret. Python 3's
standard library only. README, "Benchmarks", has figures for Pooler and PgBouncer.
"""
import argparse
import base64
import hashlib
import hmac
import os
import random
import socket
import struct
import time

SSL_REQUEST_CODE = 80877103
PROTOCOL_3_0 = 196608


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=40)
    parser.add_argument("--password", default="pw")
    parser.add_argument("--queries", type=int, default=4)
    parser.add_argument("ports", type=int, nargs="+")
    args = parser.parse_args()

    salted = {}  # (salt, iterations) -> SaltedPassword
    micros = {port: {} for port in args.ports}
    deadline = time.monotonic() + args.seconds
    while time.monotonic() < deadline:
        port = random.choice(args.ports)
        for step, value in login_and_query(port, args.password.encode(), args.queries, salted):
            micros[port].setdefault(step, []).append(value)
        time.sleep(0.004)

    for port in args.ports:
        steps = micros[port]
        figures = "; ".join(f"{step} {percentile(v, 50):.0f}/{percentile(v, 90):.0f}" for step, v in steps.items())
        total = sum(percentile(v, 50) for v in steps.values())
        count = len(next(iter(steps.values()), []))
        print(f"port {port}: {count} connections, p50/p90 us: {figures}; sum of p50s {total:.0f}")


def login_and_query(port, password, queries, salted):
    """Yields (step, microseconds) for one connection."""
    start = time.perf_counter_ns()
    sock = socket.create_connection(("127.0.0.1", port))
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    yield "connect", elapsed(start)
    reader = Reader(sock)
    try:
        start = time.perf_counter_ns()
        sock.sendall(struct.pack("!II", 8, SSL_REQUEST_CODE))
        reader.exactly(1)
        yield "ssl", elapsed(start)

        body = struct.pack("!I", PROTOCOL_3_0) + b"user\0postgres\0database\0postgres\0application_name\0login-phases\0\0"
        start = time.perf_counter_ns()
        sock.sendall(struct.pack("!I", len(body) + 4) + body)
        reader.until(b"R")
        yield "startup", elapsed(start)

        client_first_bare = b"n=,r=" + base64.b64encode(os.urandom(18))
        first = b"n,," + client_first_bare
        start = time.perf_counter_ns()
        sock.sendall(message(b"p", b"SCRAM-SHA-256\0" + struct.pack("!I", len(first)) + first))
        server_first = reader.until(b"R")[-1][1][4:]
        yield "sasl-first", elapsed(start)

        attributes = dict(part.split(b"=", 1) for part in server_first.split(b","))
        key = (attributes[b"s"], int(attributes[b"i"]))
        if key not in salted:
            salted[key] = hashlib.pbkdf2_hmac("sha256", password, base64.b64decode(key[0]), key[1])
        client_key = hmac.new(salted[key], b"Client Key", hashlib.sha256).digest()
        stored_key = hashlib.sha256(client_key).digest()
        final_without_proof = b"c=biws,r=" + attributes[b"r"]
        auth_message = client_first_bare + b"," + server_first + b"," + final_without_proof
        signature = hmac.new(stored_key, auth_message, hashlib.sha256).digest()
        proof = base64.b64encode(bytes(a ^ b for a, b in zip(client_key, signature)))
        start = time.perf_counter_ns()
        sock.sendall(message(b"p", final_without_proof + b",p=" + proof))
        reader.until(b"Z")
        yield "sasl-final+welcome", elapsed(start)

        for n in range(1, queries + 1):
            start = time.perf_counter_ns()
            sock.sendall(message(b"Q", b"select 1\0"))
            reader.until(b"Z")
            yield f"query{n}", elapsed(start)
        sock.sendall(message(b"X", b""))
    finally:
        sock.close()


class Reader:
    """Backend messages from a socket; fails on an ErrorResponse."""

    def __init__(self, sock):
        self.sock = sock
        self.buffer = b""

    def exactly(self, n):
        while len(self.buffer) < n:
            self.fill()
        data, self.buffer = self.buffer[:n], self.buffer[n:]
        return data

    def until(self, wanted_type):
        """The messages up to and including the first of wanted_type, as (type, body) pairs."""
        messages = []
        while True:
            while len(self.buffer) >= 5:
                length = struct.unpack("!I", self.buffer[1:5])[0]
                if len(self.buffer) < 1 + length:
                    break
                kind, body = self.buffer[0:1], self.buffer[5:1 + length]
                self.buffer = self.buffer[1 + length:]
                if kind == b"E":
                    raise RuntimeError(f"ErrorResponse: {body!r}")
                messages.append((kind, body))
                if kind == wanted_type:
                    return messages
            self.fill()

    def fill(self):
        data = self.sock.recv(65536)
        if not data:
            raise EOFError("the pooler closed the connection")
        self.buffer += data


def message(kind, body):
    return kind + struct.pack("!I", len(body) + 4) + body


def elapsed(start):
    return (time.perf_counter_ns() - start) / 1000


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, len(values) * p // 100)] if values else 0


if __name__ == "__main__":
    main()
