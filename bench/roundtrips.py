#!/usr/bin/env python3
"""Round trips of a light transaction load through several poolers, interleaved in one run.

    bench/roundtrips.py [--transactions N] [--seconds S] [--clients C] [--password PW] [--odoo] PORT [PORT ...]

Opens C psycopg2 connections (user postgres, database postgres, 127.0.0.1) to each PORT, then runs up
to N transactions `BEGIN; select 1; COMMIT` for at most S seconds, one at a time with a 4 ms pause
between them, each on a connection drawn at random from a port drawn at random. Drawing the port for
every transaction puts the poolers through the same phases of a shared machine, which alternating
runs of a few seconds each do not (their medians moved by more than the difference sought). It prints,
per port, the p50/p90/p99 of each statement's round trip in microseconds as psycopg2 sees it (the
client's own time included, the same for every port). With --odoo each transaction is an Odoo
cursor's: `DISCARD ALL` (psycopg2's reset of a pooled connection), `BEGIN ISOLATION LEVEL REPEATABLE
READ`, `select 1`, `COMMIT`; a last figure adds up the p50s of one transaction's round trips.

One transaction at a time is the case a pool needs one server for: the BEGIN's round trip includes
what the pooler does to lend it (with two event loops, moving the one idle server to the loop of the
client that asked; README, "Benchmarks", "Round trips at a low rate"). Needs Debian's python3-psycopg2.
"""
import argparse
import random
import time

import psycopg2

STATEMENTS = ("BEGIN", "select 1", "COMMIT")
ODOO_STATEMENTS = ("DISCARD ALL", "BEGIN ISOLATION LEVEL REPEATABLE READ", "select 1", "COMMIT")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--transactions", type=int, default=20000)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--clients", type=int, default=30)
    parser.add_argument("--password", default="pw")
    parser.add_argument("--odoo", action="store_true", help="each transaction as an Odoo cursor runs it")
    parser.add_argument("ports", type=int, nargs="+")
    args = parser.parse_args()
    statements = ODOO_STATEMENTS if args.odoo else STATEMENTS

    connections = {port: [connect(port, args.password) for _ in range(args.clients)] for port in args.ports}
    micros = {(port, sql): [] for port in args.ports for sql in statements}
    deadline = time.monotonic() + args.seconds
    for _ in range(args.transactions):
        if time.monotonic() >= deadline:
            break
        port = random.choice(args.ports)
        cursor = random.choice(connections[port]).cursor()
        for sql in statements:
            start = time.perf_counter_ns()
            cursor.execute(sql)
            micros[(port, sql)].append((time.perf_counter_ns() - start) / 1000)
        time.sleep(0.004)

    for port in args.ports:
        figures = "; ".join(f"{sql} {percentiles(micros[(port, sql)])}" for sql in statements)
        total = sum(percentile(micros[(port, sql)], 50) for sql in statements)
        print(f"port {port}: {len(micros[(port, 'COMMIT')])} transactions, p50/p90/p99 us: {figures}; "
              f"sum of p50s {total:.0f}")
    for pooled in connections.values():
        for connection in pooled:
            connection.close()


def connect(port, password):
    connection = psycopg2.connect(host="127.0.0.1", port=port, user="postgres", password=password,
                                  dbname="postgres", application_name="roundtrips")
    connection.autocommit = True
    return connection


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, len(values) * p // 100)] if values else 0


def percentiles(values):
    if not values:
        return "-"
    return "/".join(f"{percentile(values, p):.0f}" for p in (50, 90, 99))


if __name__ == "__main__":
    main()
