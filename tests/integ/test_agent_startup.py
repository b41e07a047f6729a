#!/usr/bin/python3
"""test_agent_startup.py: fork-and-return start-up and on_failure.

The parent exits 0 only once the child has armed its probes (the test
build's synth probe arms slowly and leaves a mark when done); with
on_failure=fail-cell a probe that cannot arm makes the parent exit 1 with
the reason; with degrade it exits 0 and hello names the failure.  A child
that does not report in time is killed and the parent exits 1.  Probes
whose code is not in this build never claim to be armed.
"""
import os
import signal
import subprocess
import time

from agentlib import (AGENT, QUIET, Agent, Receiver, Tap, adopt, env, frames,
                      pid_alive, read_mark, tmp, wait_until)

t = Tap()
sock, out = tmp("st.sock"), tmp("st.jsonl")
rcv = Receiver(sock, out)


def daemon(*args):
    """Run the agent without -f; returns (parent's exit code, stderr).
    stderr goes to a file: the forked agent keeps it open (the console)."""
    errf = tmp("daemon.err")
    with open(errf, "w") as ef:
        p = subprocess.run([AGENT, "--connect", "unix:" + sock] + QUIET +
                           list(args), env=env(), stdout=subprocess.DEVNULL,
                           stderr=ef, timeout=60)
    with open(errf) as ef:
        return p.returncode, ef.read()


def stop_daemon(pid):
    os.kill(pid, signal.SIGTERM)
    return wait_until(lambda: not pid_alive(pid))


def hellos():
    return [f for _, f in frames(out, "agent.hello")]


# Ordering: the arm takes 700 ms; the parent must not return before it.
mark = tmp("armed.mark")
t0 = time.monotonic()
rc, err = daemon("--test-arm-delay", "700", "--test-mark", mark)
m = read_mark(mark)
t.ok(rc == 0, "parent exits 0 once armed", err)
t.ok(m is not None, "the child had armed when the parent exited")
t.ok(time.monotonic() - t0 >= 0.7, "the parent waited for the arming")
if m:
    pid = adopt(m[0])
    t.ok(pid_alive(pid), "the agent (pid %d) runs on after the parent" % pid)
    wait_until(lambda: len(hellos()) == 1)
    h = hellos()
    t.ok(len(h) == 1 and h[0]["guest_pid"] == pid,
         "the forked agent connected and said hello", h)
    with open("/proc/%d/stat" % pid) as f:
        st = f.read().split(") ")[1].split()
    t.ok(int(st[3]) == pid, "the agent leads its own session (setsid)", st[:4])
    status = dict(l.split(":\t", 1) for l in
                  open("/proc/%d/status" % pid).read().splitlines()
                  if ":\t" in l)
    ign, blk = int(status["SigIgn"], 16), int(status["SigBlk"], 16)
    want_ign = [signal.SIGPIPE, signal.SIGHUP, signal.SIGTTOU, signal.SIGTTIN]
    t.ok(all(ign >> (s - 1) & 1 for s in want_ign),
         "SIGPIPE, SIGHUP, SIGTTOU, SIGTTIN ignored", status["SigIgn"])
    t.ok(all(blk >> (s - 1) & 1 for s in (signal.SIGTERM, signal.SIGINT)),
         "SIGTERM, SIGINT blocked (they arrive on the signalfd)",
         status["SigBlk"])
    with open("/proc/%d/oom_score_adj" % pid) as f:
        adj = f.read().strip()
    t.ok(adj == "-1000" or "(needs CAP_SYS_RESOURCE), running without OOM protection: Permission denied" in err,
         "oom_score_adj -1000 (or the refusal logged: no CAP_SYS_RESOURCE)",
         (adj, err))
    t.ok(stop_daemon(pid), "SIGTERM stops the forked agent")

# A child that never reports: the parent stops waiting, kills it, exit 1.
mark4 = tmp("stuck.mark")
rc, err = daemon("--test-arm-delay", "20000", "--test-ready-timeout", "300",
                 "--test-mark", mark4)
stuck = [int(w) for w in err.replace("(", " ").split() if w.isdigit()]
t.ok(rc == 1 and "did not report within 300 ms: killed it" in err,
     "readiness timeout: parent exits 1 with the reason", (rc, err))
t.ok(stuck and not pid_alive(stuck[0]) and read_mark(mark4) is None,
     "readiness timeout: the stuck agent is gone, it never armed", err)

# fail-cell: the probe cannot arm -> the parent says why, exit 1.
mark2 = tmp("failed.mark")
n0 = len(hellos())
rc, err = daemon("--on-failure", "fail-cell", "--test-arm",
                 "fail:no-kernel-support", "--test-mark", mark2)
t.ok(rc == 1 and "probe synth: failed: no-kernel-support" in err,
     "fail-cell: parent exits 1 with the reason", (rc, err))
t.ok(read_mark(mark2) is None and len(hellos()) == n0,
     "fail-cell: no agent left running, nothing sent")
a = Agent(sock, "--on-failure", "fail-cell", "--test-arm", "fail:nope")
t.ok(a.wait() == 1 and "probe synth: failed: nope" in a.stderr(),
     "fail-cell with -f: exit 1 with the reason", a.stderr())

# degrade: exit 0, hello names the failure; a fallback is named too.
for arm, want in (("fail:no-kernel-support", "failed:no-kernel-support"),
                  ("fallback:proc-poll", "fallback:proc-poll")):
    mark3 = tmp("degrade.mark." + arm.split(":")[0])
    n0 = len(hellos())
    rc, err = daemon("--test-arm", arm, "--test-mark", mark3,
                     "--probe", "process=on")
    t.ok(rc == 0, "degrade (default), %s: parent exits 0" % arm, err)
    wait_until(lambda: len(hellos()) > n0)
    h = hellos()[-1] if len(hellos()) > n0 else {}
    pr = h.get("probes", {})
    t.ok(pr.get("synth") == want, "hello: synth %s" % want, pr)
    t.ok(set(pr) == {"process", "process.exe", "fs", "net", "capability",
                     "synth"} and
         pr["net"] == "off" and pr["capability"] == "off" and
         (pr["process"] in ("armed", "fallback:poll:100ms") or
          pr["process"].startswith("fallback:poll:100ms (")),
         "hello: every probe named once; off ones say off", pr)
    m = read_mark(mark3) if arm.startswith("fallback") else None
    pid = adopt(m[0]) if m else adopt(h.get("guest_pid", 0))
    t.ok(pid and stop_daemon(pid), "the degraded agent stops on SIGTERM")
rcv.stop()
t.done()
