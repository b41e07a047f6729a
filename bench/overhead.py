#!/usr/bin/python3
"""overhead.py: benchmark 2, what watching processes costs the workload.

Watchers, alternated round by round so that drift on a shared machine
hits each alike (median of the rounds):
  - none (the baseline),
  - our agent with its default probes (process, fs, net; the net probe's
    BPF programs on a cgroup of our own that the workloads run in),
  - the same with --exe-hash sha256, when this build has that flag (the
    row says so when it has not),
  - the same plus the audit capability probe (--probe capability=on),
  - forkstat (Debian), another proc connector client,
  - bench/nullconn: a proc connector listener that does nothing, woken
    by every message (recv in a loop), and the same reading the socket
    every 10 ms instead (never woken by a message): the floor of what a
    connector client costs, and of what coalescing can save.
Workloads: bench/spawn (fork+exec /bin/true, processes/s) under every
watcher, and bench/syscalls (getppid x10M, open+close x1M, ns per call)
under none and our agent's two configurations.  Our agents send to
build/tools/drain, a sink that decodes nothing (the host runs outside
the guest).  Also each watcher's CPU time and sleeps (the wakeups it
took) per 1,000 spawns.  The costs are in the kernel (connector
messages, wakeups, the audit syscall-exit path), which callgrind cannot
see: wall time it is, alternated.
"""
import os
import signal
import subprocess
import time

import benchlib as bl

Q = bl.QUICK
ROUNDS = 3 if Q else 5
SYSCALL_ROUNDS = 1 if Q else 3
SPAWNS = 1000 if Q else 3000
PPID = 1000000 if Q else 10000000
OPENS = 100000 if Q else 1000000
SPAWN = os.path.join(bl.BUILD, "bench", "spawn")
SYSCALLS = os.path.join(bl.BUILD, "bench", "syscalls")
NULLCONN = os.path.join(bl.BUILD, "bench", "nullconn")
HASH = bl.agent_takes("--exe-hash")
HAVE_FORKSTAT = subprocess.run(["sh", "-c", "command -v forkstat"],
                               stdout=subprocess.DEVNULL).returncode == 0
# (name, kind, args, also the syscall workloads)
WATCHERS = (("no agent", None, None, True),
            ("agent, default probes", "agent", [], True),
            ("agent --exe-hash sha256", "agent" if HASH else None,
             ["--exe-hash", "sha256"], False),
            ("agent + capability probe", "agent",
             ["--probe", "capability=on"], True),
            ("forkstat", "forkstat" if HAVE_FORKSTAT else None,
             ["-e", "fork,exec,exit"], False),
            ("null listener, recv loop", "null", ["recv"], False),
            ("null listener, reads every 10 ms", "null", ["every", "10"],
             False))
SKIPPED = {"agent --exe-hash sha256":
           "not run: this agent build has no --exe-hash",
           "forkstat": "not run: no forkstat"}


class Watcher:
    """One watcher of a round: started, measured, stopped."""

    def __init__(self, kind, args, cg, rnd):
        self.kind, self.p, self.d = kind, None, None
        if kind == "agent":
            sock = bl.tmp("o%d.%d.sock" % (rnd, id(args) % 10000))
            self.d = bl.start([bl.DRAIN, sock], stdout=subprocess.DEVNULL)
            bl.wait_socket(sock)
            self.p = bl.start([bl.AGENT, "-f", "--connect", "unix:" + sock,
                               "--on-failure", "fail-cell"] +
                              (["--net-cgroup", cg] if cg else []) + args,
                              env=bl.cmdline(),
                              stderr=open(bl.tmp("agent.err"), "a"))
            time.sleep(0.5)         # armed (start-up inventory done)
        elif kind == "forkstat":
            self.p = bl.start(["forkstat"] + args, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
            time.sleep(0.5)
        elif kind == "null":
            self.p = bl.start([NULLCONN] + args, stdout=subprocess.PIPE,
                              text=True)
            self.p.stdout.readline()    # "ready": subscribed

    def alive(self):
        return self.p is None or self.p.poll() is None

    def stop(self):
        if self.p:
            bl.stop(self.p, signal.SIGINT if self.kind == "forkstat"
                    else signal.SIGTERM)
        if self.d:
            bl.stop(self.d)


def run(cg, argv):
    out = subprocess.run(bl.in_cgroup(cg, argv), capture_output=True,
                         text=True, check=True).stdout
    return float(out.split(": ")[1].split()[0])


def one_round(cg, rnd, kind, args, syscalls):
    """The workloads under one watcher: {figure: value}, or None."""
    w = Watcher(kind, args, cg, rnd)
    if not w.alive():
        w.stop()
        return None
    res = {}
    pid = w.p.pid if w.p else None
    c0, s0 = (bl.cpu_ns(pid), bl.sleeps(pid)) if pid else (0, 0)
    res["spawn"] = run(cg, [SPAWN, str(SPAWNS)])
    if pid:
        res["cpu"] = (bl.cpu_ns(pid) - c0) / 1e6 * 1000 / SPAWNS
        res["sleeps"] = (bl.sleeps(pid) - s0) * 1000.0 / SPAWNS
    if syscalls:
        res["getppid"] = run(cg, [SYSCALLS, "getppid", str(PPID)])
        res["openclose"] = run(cg, [SYSCALLS, "openclose", str(OPENS)])
    w.stop()
    return res


def main():
    cg = bl.cgroup()
    got = {w[0]: [] for w in WATCHERS}
    for rnd in range(ROUNDS):
        for name, kind, args, sc in WATCHERS:
            if kind is None and name != "no agent":
                continue
            r = one_round(cg, rnd, kind, args, sc and rnd < SYSCALL_ROUNDS)
            if r:
                got[name].append(r)
    t = bl.Table("overhead", "2. workload overhead (median of %d alternated "
                 "rounds; syscalls: %d)" % (ROUNDS, SYSCALL_ROUNDS))
    label = "fork+exec /bin/true x%d" % SPAWNS
    for name, kind, args, sc in WATCHERS:
        note = SKIPPED.get(name, "") if kind is None and name != "no agent" \
            else ("" if got[name] else "could not run (see agent stderr)")
        t.add("%s, %s" % (label, name),
              bl.median([r["spawn"] for r in got[name]]), "proc/s",
              None if name == "no agent" else "%s, no agent" % label, note)
    for key, what, unit in (("getppid", "getppid x%d" % PPID, "ns/call"),
                            ("openclose", "open+close x%d" % OPENS,
                             "ns/call")):
        for name, kind, args, sc in WATCHERS:
            if sc:
                t.add("%s, %s" % (what, name),
                      bl.median([r[key] for r in got[name] if key in r]),
                      unit, None if name == "no agent" else
                      "%s, no agent" % what)
    base = "CPU per 1,000 spawns, forkstat" if got["forkstat"] else None
    for key, what, unit, note in (
            ("cpu", "CPU per 1,000 spawns", "ms", "utime+stime (schedstat)"),
            ("sleeps", "wakeups per 1,000 spawns", "sleeps",
             "voluntary context switches")):
        b = base and base.replace("CPU per 1,000 spawns", what)
        for name, kind, args, sc in WATCHERS[1:]:
            if got[name]:
                t.add("%s, %s" % (what, name),
                      round(bl.median([r[key] for r in got[name]]), 2), unit,
                      None if name == "forkstat" else b, note)
    t.show()


if __name__ == "__main__":
    bl.run(main)
