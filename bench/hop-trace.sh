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

python3 - "$data.txt" "$pid" <<'PY'
import collections, os, re, statistics, sys

trace, pid = sys.argv[1], sys.argv[2]
RECV, SENDS, EPOLL = {45}, {44, 20, 46}, {232, 281, 441}  # recvfrom; sendto, writev, sendmsg; epoll_wait, _pwait, _pwait2
EVENT = re.compile(r'^\s*(.+?)\s+(\d+) \[(\d+)\] ([\d.]+):\s+(\S+): (.*)$')
threads = set(os.listdir(f'/proc/{pid}/task')) if os.path.isdir(f'/proc/{pid}/task') else {pid}

events = []
for line in open(trace):
    m = EVENT.match(line)
    if m:
        events.append((m.group(2), float(m.group(4)) * 1e6, m.group(5), m.group(6)))

def syscall(ev, rest):
    m = re.search(r'NR (\d+)', rest)
    return int(m.group(1)) if m and ev.startswith('raw_syscalls') else None

sends = collections.Counter(t for t, _, ev, rest in events
                            if t in threads and ev == 'raw_syscalls:sys_enter' and syscall(ev, rest) in SENDS)
if not sends:
    sys.exit(f'no send by process {pid} in the trace: is a load running?')
tid = sends.most_common(1)[0][0]

steps = collections.defaultdict(list)
tails = collections.defaultdict(list)
preempters = collections.Counter()
hop = None       # timestamps of the hop under way
tail = None      # [start of on-CPU stretch, CPU time so far, preempted, send fd kind]
for t, ts, ev, rest in events:
    if ev == 'sched:sched_switch':
        if f'next_pid={tid} ' in rest:
            hop = {'in': ts}
            if tail:
                tail[0] = ts
        elif f'prev_pid={tid} ' in rest:
            if tail and tail[0] is not None:
                tail[1] += ts - tail[0]
                tail[0] = None
                if 'prev_state=R' in rest:
                    tail[2] = True
                    preempters[re.search(r'next_comm=(\S+)', rest).group(1)] += 1
        continue
    if t != tid:
        continue
    nr = syscall(ev, rest)
    if nr is None:
        continue
    enter = ev.endswith('sys_enter')
    if enter and nr in EPOLL and tail:
        if tail[0] is not None:
            tail[1] += ts - tail[0]
        tails[tail[2]].append(tail[1])
        tail = None
    elif enter and (nr in RECV or nr in SENDS) and tail:
        tail = None  # more work in the same wake-up: not a tail
    if hop is None:
        continue
    key = ('enter ' if enter else 'exit ') + ('epoll' if nr in EPOLL else 'recv' if nr in RECV else 'send' if nr in SENDS else str(nr))
    hop.setdefault(key, ts)
    if key == 'exit send':
        h = hop
        if all(k in h for k in ('exit epoll', 'enter recv', 'exit recv', 'enter send')) \
                and h['in'] <= h['exit epoll'] <= h['enter recv'] <= h['exit recv'] <= h['enter send']:
            steps['switch-in -> epoll returns'].append(h['exit epoll'] - h['in'])
            steps['epoll -> recv'].append(h['enter recv'] - h['exit epoll'])
            steps['recv'].append(h['exit recv'] - h['enter recv'])
            steps['recv -> send (own work)'].append(h['enter send'] - h['exit recv'])
            steps['send'].append(h['exit send'] - h['enter send'])
        hop = None
        tail = [ts, 0.0, False, None]

def line(name, values):
    values = sorted(values)
    return f'  {name:<34} median {statistics.median(values):6.1f} us   p90 {values[len(values) * 9 // 10]:6.1f} us   (n={len(values)})'

print(f'thread {tid} of process {pid}, {sum(sends.values())} sends by the process in the trace')
for name, values in steps.items():
    print(line(name, values))
for preempted, values in sorted(tails.items()):
    print(line('tail after a send, ' + ('preempted' if preempted else 'not preempted'), values))
total = sum(len(v) for v in tails.values())
if total:
    print(f'  preempted during the tail: {100 * len(tails.get(True, [])) / total:.0f}% of tails; by {dict(preempters.most_common(3))}')
PY
