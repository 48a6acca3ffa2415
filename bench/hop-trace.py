#!/usr/bin/env python3
"""Reads `perf script` output of sched_switch and raw_syscalls events (bench/hop-trace.sh records it) and
prints, for the thread of PID that sends the most, the median time of each step of a hop and of the tail
after each send. Usage: hop-trace.py TRACE.txt PID [TID ...]"""
import collections, os, re, statistics, sys
from dataclasses import dataclass

trace, pid = sys.argv[1], sys.argv[2]
RECV, SENDS, EPOLL = {45}, {44, 20, 46}, {232, 281, 441}  # recvfrom; sendto, writev, sendmsg; epoll_wait, _pwait, _pwait2
EVENT = re.compile(r'^\s*(.+?)\s+(\d+) +\[(\d+)\] +([\d.]+):\s+(\S+): (.*)$')
# The process's threads; given after the PID when the process is gone (a saved trace, the tests).
threads = set(sys.argv[3:]) or (set(os.listdir(f'/proc/{pid}/task')) if os.path.isdir(f'/proc/{pid}/task') else {pid})

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

@dataclass
class Tail:
    """From a send until the thread waits again; it may be switched out (preempted) on the way."""
    on_cpu_since: float = None   # None while switched out
    cpu: float = 0.0
    preempted: bool = False

steps = collections.defaultdict(list)
tails = collections.defaultdict(list)
preempters = collections.Counter()
hop = None       # timestamps of the hop under way
tail = None      # the Tail under way
for t, ts, ev, rest in events:
    if ev == 'sched:sched_switch':
        if f'next_pid={tid} ' in rest:
            hop = {'in': ts}
            if tail:
                tail.on_cpu_since = ts
        elif f'prev_pid={tid} ' in rest:
            if tail and tail.on_cpu_since is not None:
                tail.cpu += ts - tail.on_cpu_since
                tail.on_cpu_since = None
                if 'prev_state=R' in rest:
                    tail.preempted = True
                    preempters[re.search(r'next_comm=(\S+)', rest).group(1)] += 1
        continue
    if t != tid:
        continue
    nr = syscall(ev, rest)
    if nr is None:
        continue
    enter = ev.endswith('sys_enter')
    if enter and nr in EPOLL and hop is not None and 'exit epoll' not in hop:
        # Switched back in to finish a preempted tail: the next hop starts when it waits again.
        hop['in'] = ts
    if enter and nr in EPOLL and tail:
        if tail.on_cpu_since is not None:
            tail.cpu += ts - tail.on_cpu_since
        tails[tail.preempted].append(tail.cpu)
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
        tail = Tail(on_cpu_since=ts)

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
