#!/usr/bin/env python3
"""A LISTEN fan-out through several poolers, alternating: what each one's CPU costs per delivery.

    bench/listen-fanout.py [--listeners L] [--notifies N] [--rounds R] [--pg-port P] [--password PW] PORT:PID [PORT:PID ...]

For each round and each pooler in turn: L psycopg2 clients (user postgres, database postgres,
127.0.0.1) LISTEN on one channel through the pooler at PORT; N notifications are then sent straight to
PostgreSQL at --pg-port, 50 to a transaction; the run ends when every listener has all of them. It
prints the time that took and the pooler process's CPU (user and system, /proc/PID/stat) over it,
per delivery (one notification to one listener). The logins are outside the measured span.

Pooler multiplexes LISTEN in transaction pooling: one server listens, and each notification is
written to every subscribed client (README, "LISTEN and NOTIFY"), so a notification to L listeners is
L writes in one pass of an event loop. Needs Debian's python3-psycopg2.
"""
import argparse
import select
import time

import psycopg2
import psycopg2.extensions

NOTIFIES_PER_TRANSACTION = 50
DEADLINE_SECONDS = 120


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--listeners", type=int, default=600)
    parser.add_argument("--notifies", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--pg-port", type=int, default=55432)
    parser.add_argument("--password", default="pw")
    parser.add_argument("targets", nargs="+", help="PORT:PID of each pooler")
    args = parser.parse_args()
    targets = [tuple(int(x) for x in t.split(":")) for t in args.targets]
    for round_number in range(1, args.rounds + 1):
        for port, pid in targets:
            seconds, cpu_ms = fan_out(port, pid, args)
            deliveries = args.listeners * args.notifies
            print("round %d port %d: %d listeners x %d notifies in %.1f s, CPU %d ms, %.2f us per delivery"
                  % (round_number, port, args.listeners, args.notifies, seconds, cpu_ms,
                     cpu_ms * 1000.0 / deliveries), flush=True)


def fan_out(port, pid, args):
    listeners = []
    try:
        for _ in range(args.listeners):
            c = connect(port, args.password)
            c.cursor().execute("LISTEN fan")
            listeners.append(c)
        received = {c.fileno(): 0 for c in listeners}
        by_fd = {c.fileno(): c for c in listeners}
        direct = connect(args.pg_port, args.password, autocommit=False)
        try:
            cpu_before, started = cpu_millis(pid), time.monotonic()
            with direct.cursor() as cur:
                for n in range(args.notifies):
                    cur.execute("NOTIFY fan, %s", (str(n),))
                    if n % NOTIFIES_PER_TRANSACTION == NOTIFIES_PER_TRANSACTION - 1:
                        direct.commit()
            direct.commit()
            deadline = started + DEADLINE_SECONDS
            waiting = set(by_fd)
            while waiting and time.monotonic() < deadline:
                ready, _, _ = select.select(list(waiting), [], [], 1)
                for fd in ready:
                    c = by_fd[fd]
                    c.poll()
                    received[fd] += len(c.notifies)
                    c.notifies.clear()
                    if received[fd] >= args.notifies:
                        waiting.discard(fd)
            seconds, cpu_ms = time.monotonic() - started, cpu_millis(pid) - cpu_before
        finally:
            direct.close()
        short = [n for n in received.values() if n != args.notifies]
        if short:
            raise SystemExit("port %d: %d listeners did not get exactly %d notifications (%s...)"
                             % (port, len(short), args.notifies, short[:5]))
        return seconds, cpu_ms
    finally:
        for c in listeners:
            c.close()


def connect(port, password, autocommit=True):
    c = psycopg2.connect(host="127.0.0.1", port=port, user="postgres", password=password, dbname="postgres",
                         sslmode="disable")
    if autocommit:
        c.set_isolation_level(psycopg2.extensions.ISOLATION_LEVEL_AUTOCOMMIT)
    return c


def cpu_millis(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 10  # utime and stime, in clock ticks of 10 ms


if __name__ == "__main__":
    main()
