#!/usr/bin/env python3
"""Startup packets naming databases that do not exist, from clients that never log in.

    bench/made-up-databases.py [--count N] [--first K] PORT

Sends N StartupMessages (user nobody_K, database db_K, for K from the first on), one connection at a
time, reads the pooler's answer and closes; prints the last answer. Under a `*` entry with auth_query
(and no auth_dbname), each name makes the pooler look the user up in that database, through a pool of
the auth_user's: the way to see what such pools cost and whether they are freed. Measure the heap
around a run with `jcmd PID GC.run` then `jcmd PID GC.heap_info` (README, Security). 127.0.0.1 only;
Python 3's standard library.
"""
import argparse
import socket
import struct

PROTOCOL_3_0 = 196608


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--first", type=int, default=0)
    parser.add_argument("port", type=int)
    args = parser.parse_args()
    answer = b""
    for k in range(args.first, args.first + args.count):
        with socket.create_connection(("127.0.0.1", args.port), timeout=30) as s:
            body = struct.pack("!I", PROTOCOL_3_0) + b"user\0nobody_%d\0database\0db_%d\0\0" % (k, k)
            s.sendall(struct.pack("!I", len(body) + 4) + body)
            answer = s.recv(4096)
    print(answer[:80])


if __name__ == "__main__":
    main()
