"""Differential with a real driver: psycopg 3 preparing every statement (prepare_threshold=0) runs seeded
random statements, some failing, with savepoints and transaction ends, on a direct connection and through
the pooler; each statement's rows or SQLSTATE, and the transaction status after it, must be alike.

Usage: psycopg3_differential.py DIRECT_DSN POOLED_DSN SEED SEQUENCES
Prints one line per differing sequence (at most five) and a summary; exits 1 when any differed.
"""
import random
import sys

import psycopg

# (text, whether it takes a parameter)
STATEMENTS = [
    ("select %s::int", True), ("select 'A'", False), ("select 1/0", False), ("select * from no_such_table", False),
    ("savepoint s", False), ("rollback to savepoint s", False), ("release savepoint s", False),
    ("commit", False), ("rollback", False), ("begin", False), ("end", False), ("abort", False),
    ("select generate_series(1, %s)", True), ("set local statement_timeout = 1000", False),
    ("show statement_timeout", False),
]


def run(dsn, steps, autocommit):
    seen = []
    with psycopg.connect(dsn, prepare_threshold=0, autocommit=autocommit) as conn:
        for text, argument in steps:
            try:
                cur = conn.execute(text, (argument,) if "%s" in text else None)
                seen.append(("rows", str(cur.fetchall())) if cur.description else ("done", cur.statusmessage))
            except psycopg.Error as e:
                seen.append(("error", e.sqlstate))
            seen.append(("status", conn.info.transaction_status.name))
    return seen


def main():
    direct, pooled, seed, sequences = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    rnd = random.Random(seed)
    differed = 0
    for i in range(sequences):
        steps = []
        for _ in range(rnd.randint(3, 15)):
            text, takes = rnd.choice(STATEMENTS)
            steps.append((text, rnd.randint(1, 3) if takes else None))
        autocommit = rnd.random() < 0.3
        expected, got = run(direct, steps, autocommit), run(pooled, steps, autocommit)
        if expected != got:
            differed += 1
            if differed <= 5:
                at = next(k for k, (x, y) in enumerate(zip(expected, got)) if x != y)
                print(f"sequence {i} (autocommit {autocommit}) {[t for t, _ in steps]}: "
                      f"at {at} PostgreSQL {expected[at]}, pooler {got[at]}")
    print(f"seed {seed}: {differed} of {sequences} sequences differed")
    sys.exit(1 if differed else 0)


main()
