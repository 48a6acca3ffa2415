#!/bin/bash
# jitwin.sh WINDOWS SECS: pooler, pgbench -S -C windows; per-window TPS, CPU ms/1k, compile lines
export PGPASSWORD=pw
port=16432
POOLER_JAVA_OPTS="${OPTS:-} -XX:+PrintCompilation" POOLER_JAR=/tmp/jars/pooler.jar setsid /tmp/jars/pooler /tmp/prof/${INI:-pooler1s}.ini > /tmp/prof/jit.log 2>&1 &
for i in $(seq 100); do psql -h 127.0.0.1 -p $port -U postgres -c 'select 1' bench >/dev/null 2>&1 && break; sleep 0.2; done
pid=$(ss -ltnp "sport = :$port" | grep -o 'pid=[0-9]*' | head -1 | cut -d= -f2)
for w in $(seq $1); do
  s0=$(awk '{print $14+$15}' /proc/$pid/stat); l0=$(wc -l < /tmp/prof/jit.log); n0=$(grep -c "made not entrant" /tmp/prof/jit.log)
  out=$(pgbench -h 127.0.0.1 -p $port -U postgres -S -C -c 20 -j 2 -T $2 bench 2>&1)
  s1=$(awk '{print $14+$15}' /proc/$pid/stat); l1=$(wc -l < /tmp/prof/jit.log); n1=$(grep -c "made not entrant" /tmp/prof/jit.log)
  tx=$(echo "$out" | sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p')
  tps=$(echo "$out" | sed -n 's/^tps = \([0-9.]*\).*/\1/p')
  echo "w$w tps=$tps cpu_ms_per_1k=$(echo "scale=1; ($s1-$s0)*10*1000/$tx" | bc) compiles=$((l1-l0)) notentrant=$((n1-n0))"
done
kill $pid; sleep 1
