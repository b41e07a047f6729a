#!/usr/bin/python3
"""capture.py: benchmark 1, capture completeness (make bench).

A burst of 10,000 fork+exec /bin/true at full speed (bench/spawn records
every child pid); the share of those pids each watcher saw spawned, exec'd
and exited:
  - our agent with the proc connector (default settings, into our host),
  - our agent with --probe process=poll at --poll-ms 10 and 100 (the
    CellOS method: diffing /proc snapshots),
  - forkstat (Debian), which also reads the proc connector.
Then the same burst with the receiver SIGSTOPped for the whole burst (our
host; for forkstat, forkstat itself): for us generated == delivered +
counted lost is checked from the agent's own agent.stopping counters and
the seqs the host received; for forkstat, what it lost and whether it
says so.  The baseline of every ratio is the connector run.
"""
import json
import os
import signal
import subprocess
import time

import benchlib as bl

BURST = 2000 if bl.QUICK else 10000
SPAWN = os.path.join(bl.BUILD, "bench", "spawn")
CE = "dev.cellos.events.cell.observability.guest.v1."


def burst(name):
    pids = bl.tmp(name + ".pids")
    subprocess.run([SPAWN, "-p", pids, str(BURST)], check=True,
                   stdout=subprocess.DEVNULL)
    return [int(l.split()[0]) for l in open(pids)]


def host_lines(out):
    res = []
    with open(out, "rb") as f:
        for line in f.read().split(b"\n")[:-1]:
            d = json.loads(line)
            res.append((d["type"][len(CE):], d["data"]))
    return res


def start_pair(name, args):
    sock, out = bl.tmp(name + ".sock"), bl.tmp(name + ".jsonl")
    host = bl.start([bl.HOST, "--run-id", "bench", "--cell", "c:" + sock,
                     "--out", out, "--keepalive-ms", "600000"],
                    stderr=open(bl.tmp(name + ".host.err"), "w"))
    bl.wait_socket(sock)
    agent = bl.start([bl.AGENT, "-f", "--connect", "unix:" + sock,
                      "--probe", "fs=off", "--probe", "net=off"] + args,
                     env=bl.cmdline(), stderr=open(bl.tmp(name + ".err"), "w"))
    bl.wait_until(lambda: os.path.exists(out) and
                  b"agent_hello" in open(out, "rb").read(4096))
    return host, agent, out


def ours(name, args, stopped=False, settle=1.0):
    """One burst seen by our agent; returns (seen %, accounting or None)."""
    host, agent, out = start_pair(name, args)
    if stopped:
        host.send_signal(signal.SIGSTOP)
    kids = burst(name)
    time.sleep(settle)          # poll rounds, and the ring filling up
    if stopped:
        host.send_signal(signal.SIGCONT)
    bl.stop(agent)
    time.sleep(0.3)
    bl.stop(host)
    lines = host_lines(out)
    seen = {k: set() for k in ("process_spawned", "process_exec", "process_exited")}
    for t, d in lines:
        if t in seen:
            seen[t].add(d["guest_pid"])
    pct = [100.0 * len(seen[k] & set(kids)) / len(kids) for k in
           ("process_spawned", "process_exec", "process_exited")]
    stop = [d for t, d in lines if t == "agent_stopping"]
    got = set(d["seq"] for t, d in lines if "seq" in d and t != "agent_stopping")
    acc = None
    if stop:
        st = stop[0]
        lost_frames = sum(d["count"] for t, d in lines if t == "telemetry_dropped"
                          and d.get("detected_by") == "agent")
        gaps = sum(d["count"] for t, d in lines if t == "telemetry_dropped"
                   and d.get("detected_by") == "host")
        acc = {"emitted": st["emitted"], "delivered": len(got),
               "lost": sum(st["dropped"].values()), "announced": lost_frames,
               "gaps": gaps, "dropped": st["dropped"]}
    return pct, acc


def forkstat(name, stopped=False):
    out, err = bl.tmp(name + ".out"), bl.tmp(name + ".err")
    p = bl.start(["forkstat", "-e", "fork,exec,exit", "-l"],
                 stdout=open(out, "w"), stderr=open(err, "w"))
    bl.wait_until(lambda: os.path.getsize(out) > 0)
    if stopped:
        p.send_signal(signal.SIGSTOP)
    kids = burst(name)
    time.sleep(1.0)
    if stopped:
        p.send_signal(signal.SIGCONT)
    time.sleep(1.0)
    bl.stop(p, signal.SIGINT)
    seen = {"fork": set(), "exec": set(), "exit": set()}
    for line in open(out, errors="replace"):
        f = line.split()
        if len(f) >= 3 and f[1] in seen and f[2].isdigit():
            if f[1] != "fork" or (len(f) > 3 and f[3] == "child"):
                seen[f[1]].add(int(f[2]))
    pct = [100.0 * len(seen[k] & set(kids)) / len(kids)
           for k in ("fork", "exec", "exit")]
    said = open(err, errors="replace").read().strip()
    return pct, said


def add_pct(t, label, pct, base, note=""):
    for k, v in zip(("spawned", "exec", "exited"), pct):
        t.add("%s: %s" % (label, k), round(v, 2), "% pids",
              base and "%s: %s" % (base, k), note)


def main():
    t = bl.Table("capture", "1. capture of %d fork+exec /bin/true" % BURST)
    add_pct(t, "agent connector", ours("conn", [])[0], None)
    base = "agent connector"
    add_pct(t, "agent poll 10ms", ours("poll10", ["--probe", "process=poll",
                                                  "--poll-ms", "10"])[0], base)
    add_pct(t, "agent poll 100ms", ours("poll100", ["--probe", "process=poll",
                                                    "--poll-ms", "100"])[0], base)
    have_fs = subprocess.run(["sh", "-c", "command -v forkstat"],
                             stdout=subprocess.DEVNULL).returncode == 0
    if have_fs:
        pct, said = forkstat("forkstat")
        add_pct(t, "forkstat", pct, base, said[:60])
    t.show()

    t = bl.Table("capture_stopped", "1b. the same burst, receiver SIGSTOPped "
                 "for the whole burst")
    pct, acc = ours("conn-stop", [], stopped=True)
    add_pct(t, "agent connector", pct, None)
    if acc:
        t.add("agent: frames generated (emitted)", acc["emitted"], "frames")
        t.add("agent: frames delivered to host", acc["delivered"], "frames",
              "agent: frames generated (emitted)")
        t.add("agent: frames counted lost", acc["lost"], "frames",
              "agent: frames generated (emitted)",
              " ".join("%s=%d" % kv for kv in acc["dropped"].items() if kv[1]))
        t.add("agent: lost frames announced (agent.loss)", acc["announced"],
              "frames", "agent: frames counted lost")
        t.add("agent: generated - delivered - counted lost",
              acc["emitted"] - acc["delivered"] - acc["lost"], "frames",
              None, "0 means every event is accounted for")
        t.add("host: seq gaps not announced", acc["gaps"], "frames")
    pct, acc = ours("poll-stop", ["--probe", "process=poll", "--poll-ms", "100"],
                    stopped=True)
    add_pct(t, "agent poll 100ms", pct, "agent connector",
            "unseen processes are never counted: polling cannot know them")
    if acc:
        t.add("agent poll: generated - delivered - counted lost",
              acc["emitted"] - acc["delivered"] - acc["lost"], "frames")
    if have_fs:
        pct, said = forkstat("forkstat-stop", stopped=True)
        add_pct(t, "forkstat", pct, "agent connector",
                "says: " + (said.replace("\n", " ")[:80] or "nothing"))
    t.show()


if __name__ == "__main__":
    bl.run(main)
