"""Listens with psycopg 3 (Debian's python3-psycopg) in autocommit, as an application would, in the three
ways psycopg sends a statement: with binary results (PQsendQueryParams: Parse, Bind, Describe, Execute,
Sync), inside a pipeline (the same messages, the Sync at the pipeline's end), and without parameters
(psycopg then sends a simple Query). Prints "ready", then one line per notification ("channel:payload"),
and exits after the expected count or a 20 s deadline."""
import select
import sys
import time

import psycopg

dsn, expected = sys.argv[1], int(sys.argv[2])
conn = psycopg.connect(dsn, autocommit=True)
conn.execute("LISTEN ext_binary", binary=True)
with conn.pipeline():
    conn.execute("LISTEN ext_pipeline")
conn.execute("LISTEN ext_simple")
print("ready", flush=True)
received = 0
deadline = time.time() + 20
while received < expected and time.time() < deadline:
    if not select.select([conn.fileno()], [], [], 0.5)[0]:
        continue
    conn.pgconn.consume_input()
    while True:
        n = conn.pgconn.notifies()
        if n is None:
            break
        print("%s:%s" % (n.relname.decode(), n.extra.decode()), flush=True)
        received += 1
conn.close()
