#!/bin/bash
# sysc.sh TARGET: syscalls and context switches per transaction under pgbench -S -c 50 (10 s window)
t=$1
if [ $t = pooler ]; then port=16432
  POOLER_JAR=${JAR:-/tmp/jars/pooler.jar} POOLER_JAVA_OPTS="$JOPTS" setsid /tmp/jars/pooler /tmp/prof/${INI:-pooler}.ini > /tmp/prof/pooler.log 2>&1 &
else port=16433
  su nobody -s /bin/bash -c "setsid ${PGB:-/work/pgbouncer-1.25.2/bin/pgbouncer} /tmp/prof/pgb.ini" > /tmp/prof/pgb.log 2>&1 &
fi
for i in $(seq 100); do psql -h 127.0.0.1 -p $port -U postgres -c 'select 1' bench >/dev/null 2>&1 && break; sleep 0.2; done
pid=$(ss -ltnp "sport = :$port" | grep -o 'pid=[0-9]*' | head -1 | cut -d= -f2)
pgbench -h 127.0.0.1 -p $port -U postgres -S -c 50 -j 2 -T 30 -P 1 bench > /tmp/prof/pgbench.out 2>&1 &
bpid=$!
sleep 15
perf stat -e raw_syscalls:sys_enter,context-switches,task-clock${EXTRA:+,$EXTRA} -p $pid -o /tmp/prof/pstat.txt -- sleep 10 >/dev/null 2>&1
wait $bpid
tx=$(grep "^progress: 1[6-9]\|^progress: 2[0-5]" /tmp/prof/pgbench.out | awk '{s+=$4} END {print s}')
sc=$(grep sys_enter /tmp/prof/pstat.txt | awk '{gsub(",","",$1); print $1}')
cs=$(grep context-switches /tmp/prof/pstat.txt | awk '{gsub(",","",$1); print $1}')
tc=$(grep task-clock /tmp/prof/pstat.txt | awk '{gsub(",","",$1); print $1}')
echo "$t ${INI:-} tx=$tx syscalls/tx=$(echo "scale=2; $sc/$tx" | bc) cs/tx=$(echo "scale=3; $cs/$tx" | bc) cpu_us/tx=$(echo "scale=1; $tc*1000/$tx" | bc)"
[ -n "$EXTRA" ] && grep "syscalls:" /tmp/prof/pstat.txt | awk -v tx=$tx "{gsub(\",\",\"\",\$1); printf \"  %s %.3f\\n\", \$2, \$1/tx}"
kill $pid; sleep 1
