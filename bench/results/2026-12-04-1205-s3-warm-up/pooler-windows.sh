#!/bin/bash
# pooler-windows.sh WINDOWS SECS: Pooler on pooler.ini (next to this script), then WINDOWS runs of
# pgbench -S -C -c 20 -j 2 -T SECS; per window TPS, CPU ms per 1k transactions, and the JIT's lines.
# Run from the repository's root after `mvn -B package -DskipTests`; PostgreSQL as in README.md here.
# PGPASSWORD: the postgres role's password (default pw); POOLER_JAR: the jar (default the built one).
set -u
here=$(cd "$(dirname "$0")" && pwd)
export PGPASSWORD=${PGPASSWORD:-pw}
port=16432
log=$(mktemp)
ini=$(mktemp --suffix=.ini)
sed "s|^auth_file = .*|auth_file = $here/userlist-scram.txt|" "$here/pooler.ini" > "$ini"
POOLER_JAVA_OPTS="-XX:+PrintCompilation" POOLER_JAR=${POOLER_JAR:-pooler-server/target/pooler.jar} \
    setsid pooler-server/src/main/dist/pooler "$ini" > "$log" 2>&1 &
for i in $(seq 100); do psql -h 127.0.0.1 -p $port -U postgres -c 'select 1' bench >/dev/null 2>&1 && break; sleep 0.2; done
pid=$(ss -ltnp "sport = :$port" | grep -o 'pid=[0-9]*' | head -1 | cut -d= -f2)
for w in $(seq "$1"); do
  s0=$(awk '{print $14+$15}' /proc/$pid/stat); l0=$(wc -l < "$log"); n0=$(grep -c "made not entrant" "$log")
  out=$(pgbench -h 127.0.0.1 -p $port -U postgres -S -C -c 20 -j 2 -T "$2" bench 2>&1)
  s1=$(awk '{print $14+$15}' /proc/$pid/stat); l1=$(wc -l < "$log"); n1=$(grep -c "made not entrant" "$log")
  tx=$(echo "$out" | sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p')
  tps=$(echo "$out" | sed -n 's/^tps = \([0-9.]*\).*/\1/p')
  echo "w$w tps=$tps cpu_ms_per_1k=$(echo "scale=1; ($s1-$s0)*10*1000/$tx" | bc) compiles=$((l1-l0)) notentrant=$((n1-n0))"
done
kill "$pid"; sleep 1; rm -f "$log" "$ini"
