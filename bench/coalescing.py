#!/usr/bin/python3
"""coalescing.py: benchmark 8, the trade-off of wakeup coalescing.

Our agent (default probes) with --coalesce-ms 0 (woken per message), 1,
2, 5 and 10, and no agent, alternated round by round (median of the
rounds), under bench/spawn (fork+exec /bin/true at full speed, every
child pid recorded).  Per window: the spawn rate against no agent; the
share of the /bin/true exec events that still carry argv and exe (read
from /proc/PID, which a process that has already exited no longer has:
the longer the agent waits, the fewer); the agent's wakeups (sleeps)
and CPU time per 1,000 spawns.  The agent is recorded (drain -o) and
its frames decoded with python3-cbor2.  README.md says which window is
the default, and why, from this curve.
"""
import os
import subprocess

import benchlib as bl

Q = bl.QUICK
ROUNDS = 1 if Q else 3
SPAWNS = 1000 if Q else 3000
WINDOWS = (0, 1, 2, 5, 10)
SPAWN = os.path.join(bl.BUILD, "bench", "spawn")


def spawn(cg, pids):
    out = subprocess.run(bl.in_cgroup(cg, [SPAWN, "-p", pids, str(SPAWNS)]),
                         capture_output=True, text=True, check=True).stdout
    return float(out.split(": ")[1].split()[0])


def one_run(cg, rnd, window):
    """One spawn run under the agent at window (None: no agent)."""
    pids = bl.tmp("co%d.%s.pids" % (rnd, window))
    if window is None:
        return {"spawn": spawn(cg, pids)}
    rec = bl.Recorded("co%d.%d" % (rnd, window),
                      ["--coalesce-ms", str(window)], cg)
    if not rec.start():
        rec.stop()
        return None
    pid = rec.agent.pid
    c0, s0 = bl.cpu_ns(pid), bl.sleeps(pid)
    res = {"spawn": spawn(cg, pids)}
    res["cpu"] = (bl.cpu_ns(pid) - c0) / 1e6 * 1000 / SPAWNS
    res["sleeps"] = (bl.sleeps(pid) - s0) * 1000.0 / SPAWNS
    rec.stop()
    kids = set(int(l.split()[0]) for l in open(pids))
    ex = [f for f in rec.frames() if f.get("probe_source") == "process.exec"
          and f.get("guest_pid") in kids]
    res["exec"] = 100.0 * len(ex) / len(kids)
    res["argv"] = 100.0 * sum(1 for f in ex if f.get("argv") and
                              not f.get("argv_lost")) / max(len(ex), 1)
    res["exe"] = 100.0 * sum(1 for f in ex if "exe" in f) / max(len(ex), 1)
    return res


def main():
    cg = bl.cgroup()
    configs = (None,) + WINDOWS
    got = {w: [] for w in configs}
    for rnd in range(ROUNDS):
        for w in configs:
            r = one_run(cg, rnd, w)
            if r:
                got[w].append(r)
    t = bl.Table("coalescing", "8. coalescing window: workload rate against "
                 "what the exec events keep (median of %d alternated rounds, "
                 "%d spawns each)" % (ROUNDS, SPAWNS))
    base = "spawn rate, no agent"
    t.add(base, bl.median([r["spawn"] for r in got[None]]), "proc/s")
    rows = (("spawn", "spawn rate", "proc/s", base),
            ("exec", "pids with an exec event", "% pids", None),
            ("argv", "exec events with argv", "% execs", None),
            ("exe", "exec events with exe", "% execs", None),
            ("sleeps", "agent wakeups per 1,000 spawns", "sleeps", None),
            ("cpu", "agent CPU per 1,000 spawns", "ms", None))
    for key, what, unit, b in rows:
        for w in WINDOWS:
            rs = [r[key] for r in got[w]]
            t.add("%s, --coalesce-ms %d" % (what, w),
                  round(bl.median(rs), 2) if rs else None, unit,
                  b or (None if w == 0 else "%s, --coalesce-ms 0" % what),
                  "" if rs else "could not run (see agent stderr)")
    t.show()


if __name__ == "__main__":
    bl.run(main)
