#!/usr/bin/env bash
# Where a pooler's time goes on each hop of a round trip, from kernel tracepoints (sched_switch and the
# raw system-call enter/exit events), for the one thread of PID that sends the most. Unlike strace, which
# stops the thread at every system call and about doubles each one's apparent duration, tracepoints cost
# a microsecond or two, so the figures of Pooler and PgBouncer can be compared.
#
#   bench/hop-trace.sh PID [SECONDS]        # while a load runs against the pooler PID (default 3 s)
#
# For example, at a low rate where every query is a round trip:
#   pgbench -n -S -c 4 -R 300 -T 20 -h 127.0.0.1 -p 6432 bench &  sleep 5; bench/hop-trace.sh "$(pgrep -f pooler.jar)"
#
# It prints, as medians over the hops it saw (a hop: the thread is switched in, its epoll wait returns,
# it reads a message and sends it on):
#   switch-in -> epoll returns, epoll -> recv, recv, recv -> send (the pooler's own work), send,
#   and the "tail" after each send until the thread waits again: its CPU time, and how often it was
#   preempted in the middle of it (then the rest of the tail runs only after the woken process yields,
#   and delays the next hop), with who preempted it.
# Needs root, perf (Debian: linux-perf) and tracefs, which it mounts when missing. Linux x86-64 only (the
# system-call numbers below).
set -euo pipefail
pid=${1:?usage: hop-trace.sh PID [SECONDS]}
seconds=${2:-3}
[ -d /sys/kernel/tracing/events ] || mount -t tracefs nodev /sys/kernel/tracing
data=$(mktemp /tmp/hop-trace.XXXXXX)
trap 'rm -f "$data" "$data.txt"' EXIT
perf record -q -a -o "$data" -e sched:sched_switch -e raw_syscalls:sys_enter -e raw_syscalls:sys_exit \
    -- sleep "$seconds" 2>/dev/null
perf script -i "$data" 2>/dev/null > "$data.txt"

python3 "$(dirname "$0")/hop-trace.py" "$data.txt" "$pid"
