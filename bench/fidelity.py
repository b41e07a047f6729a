#!/usr/bin/python3
"""fidelity.py: benchmark 7, what an exec event says about the process.

Our agent with its default settings, recorded (build/tools/drain -o, the
frames decoded with python3-cbor2), under two workloads:
  - a burst of 10,000 fork+exec /bin/true at full speed (bench/spawn
    records every child pid): processes gone within a millisecond;
  - a `sleep 0.01` loop of 300 rounds in sh: each process lives 10 ms.
For each: the share of the workload's processes with an exec event, and
of those exec events the share that carry exe, argv, cwd and uid (a key
this build does not send shows 0, and the row says so).  Baseline: the
exec events seen.
"""
import os
import subprocess

import benchlib as bl

BURST = 2000 if bl.QUICK else 10000
LOOPS = 100 if bl.QUICK else 300
SPAWN = os.path.join(bl.BUILD, "bench", "spawn")
KEYS = ("exe", "argv", "cwd", "uid")


def has(f, key):
    """The exec event carries key, and a real one (argv: not said lost)."""
    if key == "argv":
        return bool(f.get("argv")) and not f.get("argv_lost")
    return key in f


def execs(frames, pids=None, ppid=None):
    """The exec events of the workload: by pid, or by parent."""
    return [f for f in frames if f.get("probe_source") == "process.exec"
            and not f.get("synthetic")
            and (pids is None or f.get("guest_pid") in pids)
            and (ppid is None or f.get("ppid") == ppid)]


def spawn_burst(cg):
    rec = bl.Recorded("fid-burst", [], cg)
    if not rec.start():
        return None, None
    pids = bl.tmp("fid.pids")
    subprocess.run(bl.in_cgroup(cg, [SPAWN, "-p", pids, str(BURST)]),
                   check=True, stdout=subprocess.DEVNULL)
    rec.stop()
    kids = set(int(l.split()[0]) for l in open(pids))
    return execs(rec.frames(), pids=kids), len(kids)


def sleep_loop(cg):
    rec = bl.Recorded("fid-sleep", [], cg)
    if not rec.start():
        return None, None
    sh = subprocess.Popen(bl.in_cgroup(cg, [
        "sh", "-c", 'i=0; while [ $i -lt %d ]; do sleep 0.01; i=$((i+1)); '
        'done' % LOOPS]))
    sh.wait()
    rec.stop()
    return execs(rec.frames(), ppid=sh.pid), LOOPS


def report(t, label, evs, n):
    base = "%s: exec events seen" % label
    if evs is None:
        t.add(base, None, "% procs", None, "the agent did not start")
        return
    t.add(base, round(100.0 * len(evs) / n, 2), "% procs", None,
          "%d of %d processes" % (len(evs), n))
    for k in KEYS:
        got = sum(1 for f in evs if has(f, k))
        sent = any(k in f for f in evs)
        t.add("%s: exec events with %s" % (label, k),
              round(100.0 * got / len(evs), 2) if evs else None, "% execs",
              base, "" if sent or k == "argv" else "no event has the key")


def main():
    cg = bl.cgroup()
    t = bl.Table("fidelity", "7. what exec events carry (default settings)")
    report(t, "%d x /bin/true burst" % BURST, *spawn_burst(cg))
    report(t, "%d x sleep 0.01 loop" % LOOPS, *sleep_loop(cg))
    t.show()


if __name__ == "__main__":
    bl.run(main)
