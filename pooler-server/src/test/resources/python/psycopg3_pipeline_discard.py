"""psycopg 3 in pipeline mode, preparing every statement, after a ROLLBACK: it then writes its own DEALLOCATE
ALL with the statements it prepares again behind it, in one go. Each pipeline's outcome (ok, or the
SQLSTATE it raised) and the transaction status after it must be alike directly and through the pooler.

Usage: psycopg3_pipeline_discard.py DIRECT_DSN POOLED_DSN
Prints both outcomes when they differ; exits 1 then.
"""
import sys

import psycopg

SLEEP = ("select pg_sleep(0.05)", None)  # first in each pipeline: the rest is written before any answer
SCENARIOS = [
    (True, [[SLEEP, ("select generate_series(1, %s)", 1), ("commit", None)],
            [SLEEP, ("select %s::int", 2), ("rollback", None), ("select generate_series(1, %s)", 1)],
            [SLEEP, ("select generate_series(1, %s)", 3), ("select %s::int", 4)]]),
    (False, [[SLEEP, ("select %s::int", 1)],
             [SLEEP, ("rollback", None)],
             [("select 1/0", None), SLEEP, ("select %s::int", 2)],
             [("rollback", None)],
             [SLEEP, ("select %s::int", 3), ("select generate_series(1, %s)", 2)]]),
]


def run(dsn, autocommit, pipelines):
    seen = []
    with psycopg.connect(dsn, prepare_threshold=0, autocommit=autocommit) as conn:
        for steps in pipelines:
            try:
                with conn.pipeline():
                    for text, argument in steps:
                        conn.execute(text, (argument,) if "%s" in text else None)
                seen.append("ok")
            except psycopg.Error as e:
                seen.append(e.sqlstate)
            seen.append(conn.info.transaction_status.name)
    return seen


def main():
    direct, pooled = sys.argv[1], sys.argv[2]
    differed = False
    for autocommit, pipelines in SCENARIOS:
        expected, got = run(direct, autocommit, pipelines), run(pooled, autocommit, pipelines)
        if expected != got:
            differed = True
            print(f"autocommit {autocommit}: PostgreSQL {expected}, pooler {got}")
    sys.exit(1 if differed else 0)


main()
