#!/usr/bin/env python3
"""How long console commands take while many clients are held, through several poolers in one run.

    bench/console_latency.py [--idle N] [--rounds R] [--user U] [--password PW] PORT [PORT ...]

Holds N idle clients on each PORT (raw startup packets: user U, database postgres, 127.0.0.1; the
pooler must let U in without a password, as auth_type = trust does), then runs each console command R times on the `pgbouncer` database of each
port, interleaved (a command on every port in turn, 50 ms apart), and prints per port and command
the p50 and p99 of the round trip in milliseconds as psycopg2 sees it. A console command that reads
every client's state holds the event loops meanwhile, so this is also how long every client of the
pooler may wait behind an exporter's scrape. Needs Debian's python3-psycopg2.
"""
import argparse
import resource
import socket
import struct
import time

import psycopg2

from roundtrips import percentile

COMMANDS = ("SHOW VERSION", "SHOW POOLS", "SHOW DATABASES", "SHOW STATS", "SHOW LISTS", "SHOW CLIENTS")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--idle", type=int, default=4000)
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--user", default="postgres")
    parser.add_argument("--password", default="")
    parser.add_argument("ports", type=int, nargs="+")
    args = parser.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))

    held = [hold(port, args.user) for port in args.ports for _ in range(args.idle)]
    consoles = {port: console(port, args.user, args.password) for port in args.ports}
    millis = {(port, sql): [] for port in args.ports for sql in COMMANDS}
    for _ in range(args.rounds):
        for sql in COMMANDS:
            for port in args.ports:
                cursor = consoles[port].cursor()
                start = time.perf_counter_ns()
                cursor.execute(sql)
                cursor.fetchall()
                millis[(port, sql)].append((time.perf_counter_ns() - start) / 1e6)
                time.sleep(0.05)
    for port in args.ports:
        figures = "; ".join(f"{sql} {percentile(millis[(port, sql)], 50):.2f}/"
                            f"{percentile(millis[(port, sql)], 99):.2f}" for sql in COMMANDS)
        print(f"port {port}, {args.idle} idle clients held, p50/p99 ms: {figures}")
    for c in consoles.values():
        c.close()
    for s in held:
        s.close()


def hold(port, user):
    """An idle client: a startup packet, then read until ReadyForQuery; an error ends the run."""
    body = struct.pack("!I", 196608) + b"user\0" + user.encode() + b"\0database\0postgres\0\0"
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(struct.pack("!I", len(body) + 4) + body)
    received = b""
    while not received.endswith(b"Z\0\0\0\5I"):
        data = s.recv(65536)
        if not data or received.startswith(b"E"):
            raise SystemExit(f"port {port}: login refused: {received[:200]!r}")
        received += data
    return s


def console(port, user, password):
    c = psycopg2.connect(host="127.0.0.1", port=port, user=user, password=password, dbname="pgbouncer")
    c.autocommit = True
    return c


if __name__ == "__main__":
    main()
