"""Listens as Odoo's bus does (odoo/addons/bus/models/bus.py, ImDispatch.loop): a cursor without
autocommit (psycopg2 sends BEGIN first), LISTEN, COMMIT, then select() on the connection and
conn.poll() / conn.notifies. Prints "ready", then one line per notification ("channel:payload"), and
exits after the expected count or a 20 s deadline."""
import select
import sys
import time

import psycopg2

dsn, channel, expected = sys.argv[1], sys.argv[2], int(sys.argv[3])
conn = psycopg2.connect(dsn)
with conn.cursor() as cr:
    cr.execute("LISTEN %s" % channel)
conn.commit()
print("ready", flush=True)
received = 0
deadline = time.time() + 20
while received < expected and time.time() < deadline:
    if select.select([conn], [], [], 0.5) == ([], [], []):
        continue
    conn.poll()
    while conn.notifies:
        n = conn.notifies.pop(0)
        print("%s:%s" % (n.channel, n.payload), flush=True)
        received += 1
conn.close()
