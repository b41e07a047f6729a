#!/usr/bin/python3
"""overhead.py: benchmark 2, what the agent costs the workload.

Three configurations, alternated round by round so that drift on a
shared machine hits each alike (median of the rounds):
  - no agent (the baseline),
  - our agent with its default probes (process, fs, net; the net probe's
    BPF programs on a cgroup of our own that the workloads run in),
  - the same plus the audit capability probe (--probe capability=on,
    --on-failure fail-cell so that an unarmed probe stops the run).
Workloads: bench/spawn (fork+exec /bin/true, processes/s) and
bench/syscalls (getppid x10M, open+close x1M, ns per call).  The agent
sends to build/tools/drain, a sink that decodes nothing (the host runs
outside the guest).  Also the agent's own CPU time per 1,000 spawns.
The costs are in the kernel (connector, audit path), which callgrind
cannot see: wall time it is, alternated.
"""
import os
import subprocess
import time

import benchlib as bl

Q = bl.QUICK
ROUNDS = 3
SPAWNS = 1000 if Q else 3000
PPID = 1000000 if Q else 10000000
OPENS = 100000 if Q else 1000000
SPAWN = os.path.join(bl.BUILD, "bench", "spawn")
SYSCALLS = os.path.join(bl.BUILD, "bench", "syscalls")
DRAIN = os.path.join(bl.BUILD, "tools", "drain")
CONFIGS = (("no agent", None),
           ("agent, default probes", []),
           ("agent + capability probe", ["--probe", "capability=on"]))


def cpu_ns(pid):
    f = open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) * 1e9 / os.sysconf("SC_CLK_TCK")


def workloads(cg, agent):
    """One pass of the three workloads: {name: figure}."""
    res = {}
    c0 = cpu_ns(agent.pid) if agent else 0
    out = subprocess.run(bl.in_cgroup(cg, [SPAWN, str(SPAWNS)]),
                         capture_output=True, text=True, check=True).stdout
    res["spawn"] = float(out.split(": ")[1].split()[0])
    if agent:
        res["agent cpu"] = (cpu_ns(agent.pid) - c0) / 1e6 * 1000 / SPAWNS
    for name, n in (("getppid", PPID), ("openclose", OPENS)):
        out = subprocess.run(bl.in_cgroup(cg, [SYSCALLS, name, str(n)]),
                             capture_output=True, text=True, check=True).stdout
        res[name] = float(out.split(": ")[1].split()[0])
    return res


def one_round(cg, rnd, args):
    if args is None:
        return workloads(cg, None)
    sock = bl.tmp("o%d.%d.sock" % (rnd, len(args)))
    d = bl.start([DRAIN, sock], stdout=subprocess.DEVNULL)
    bl.wait_socket(sock)
    a = bl.start([bl.AGENT, "-f", "--connect", "unix:" + sock, "--on-failure",
                  "fail-cell"] + (["--net-cgroup", cg] if cg else []) + args,
                 env=bl.cmdline(), stderr=open(bl.tmp("agent.err"), "a"))
    time.sleep(0.5)             # armed (start-up inventory done)
    if a.poll() is not None:
        bl.stop(d)
        return None
    res = workloads(cg, a)
    bl.stop(a)
    bl.stop(d)
    return res


def main():
    cg = bl.cgroup()
    got = {name: [] for name, _ in CONFIGS}
    for rnd in range(ROUNDS):
        for name, args in CONFIGS:
            r = one_round(cg, rnd, args)
            if r:
                got[name].append(r)
    t = bl.Table("overhead", "2. workload overhead (median of %d alternated "
                 "rounds)" % ROUNDS)
    rows = (("spawn", "fork+exec /bin/true x%d" % SPAWNS, "proc/s"),
            ("getppid", "getppid x%d" % PPID, "ns/call"),
            ("openclose", "open+close x%d" % OPENS, "ns/call"))
    for key, label, unit in rows:
        base = "%s, no agent" % label
        for name, _ in CONFIGS:
            v = bl.median([r[key] for r in got[name]])
            t.add("%s, %s" % (label, name), v, unit,
                  None if name == "no agent" else base,
                  "" if got[name] else "could not run (see agent stderr)")
    for name, _ in CONFIGS[1:]:
        t.add("agent CPU per 1,000 spawns, %s" % name,
              bl.median([round(r["agent cpu"], 2) for r in got[name]]),
              "ms", None, "utime+stime of the agent")
    t.show()


if __name__ == "__main__":
    bl.run(main)
