#!/bin/bash
# pgbouncer-windows.sh WINDOWS SECS: PgBouncer on pgbouncer.ini (next to this script), then WINDOWS runs
# of pgbench -S -C -c 20 -j 2 -T SECS; per window TPS and CPU ms per 1k transactions.
# PGB: the pgbouncer binary (default: pgbouncer on PATH); run as root, it runs as nobody.
set -u
here=$(cd "$(dirname "$0")" && pwd)
export PGPASSWORD=${PGPASSWORD:-pw}
port=16433
ini=$(mktemp --suffix=.ini)
sed "s|^auth_file = .*|auth_file = $here/userlist-scram.txt|" "$here/pgbouncer.ini" > "$ini"
chmod 644 "$ini"
su nobody -s /bin/bash -c "setsid ${PGB:-pgbouncer} $ini" > /dev/null 2>&1 &
for i in $(seq 100); do psql -h 127.0.0.1 -p $port -U postgres -c 'select 1' bench >/dev/null 2>&1 && break; sleep 0.2; done
pid=$(ss -ltnp "sport = :$port" | grep -o 'pid=[0-9]*' | head -1 | cut -d= -f2)
for w in $(seq "$1"); do
  s0=$(awk '{print $14+$15}' /proc/$pid/stat)
  out=$(pgbench -h 127.0.0.1 -p $port -U postgres -S -C -c 20 -j 2 -T "$2" bench 2>&1)
  s1=$(awk '{print $14+$15}' /proc/$pid/stat)
  tx=$(echo "$out" | sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p')
  tps=$(echo "$out" | sed -n 's/^tps = \([0-9.]*\).*/\1/p')
  echo "w$w tps=$tps cpu_ms_per_1k=$(echo "scale=1; ($s1-$s0)*10*1000/$tx" | bc)"
done
kill "$pid"; sleep 1; rm -f "$ini"
