#!/bin/bash
# run1.sh TARGET(pooler|pgb) [WARM] [SECS] [CLIENTS]: start target, warm up, measure CPU per 1k tx
t=$1; warm=${2:-30}; secs=${3:-15}; c=${4:-50}
if [ $t = pooler ]; then
  port=16432
  POOLER_JAR=${JAR:-/tmp/jars/pooler.jar} setsid /tmp/jars/pooler /tmp/prof/${INI:-pooler}.ini > /tmp/prof/pooler.log 2>&1 &
else
  port=16433
  su nobody -s /bin/bash -c "setsid ${PGB:-/work/pgbouncer-1.25.2/bin/pgbouncer} /tmp/prof/pgb.ini" > /tmp/prof/pgb.log 2>&1 &
fi
for i in $(seq 100); do psql -h 127.0.0.1 -p $port -U postgres -c 'select 1' bench >/dev/null 2>&1 && break; sleep 0.2; done
pid=$(ss -ltnp "sport = :$port" | grep -o 'pid=[0-9]*' | head -1 | cut -d= -f2)
pgbench -h 127.0.0.1 -p $port -U postgres -S -c $c -j 2 -T $warm bench > /dev/null 2>&1
s0=$(awk '{print $14+$15}' /proc/$pid/stat); u0=$(awk '{print $14}' /proc/$pid/stat)
out=$(pgbench -h 127.0.0.1 -p $port -U postgres -S -c $c -j 2 -T $secs bench 2>&1)
s1=$(awk '{print $14+$15}' /proc/$pid/stat); u1=$(awk '{print $14}' /proc/$pid/stat)
tx=$(echo "$out" | sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p')
tps=$(echo "$out" | sed -n 's/^tps = \([0-9.]*\).*/\1/p')
echo "$t tps=$tps cpu_ms_per_1k=$(echo "scale=1; ($s1-$s0)*10*1000/$tx" | bc) user_ms_per_1k=$(echo "scale=1; ($u1-$u0)*10*1000/$tx" | bc)"
kill $pid; sleep 1
