"""Listens as Odoo's bus does (odoo/addons/bus/models/bus.py, ImDispatch.loop): autocommit, LISTEN,
then select() on the connection and conn.poll() / conn.notifies. Prints "ready", then one line per
notification ("channel:payload"), and exits after the expected count or a 20 s deadline."""
import select
import sys
import time

import psycopg2

dsn, channel, expected = sys.argv[1], sys.argv[2], int(sys.argv[3])
conn = psycopg2.connect(dsn)
conn.set_isolation_level(psycopg2.extensions.ISOLATION_LEVEL_AUTOCOMMIT)
with conn.cursor() as cr:
    cr.execute("LISTEN %s" % channel)
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
