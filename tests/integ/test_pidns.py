#!/usr/bin/python3
"""test_pidns.py: the process probe in a new pid namespace (poll fallback).

The proc connector answers only listeners in the initial pid and user
namespace.  Inside `unshare --pid --fork --mount-proc`, a tiny init (a
shell, PID 1) starts the release agent in the foreground as its first
child, so the agent is literally PID 2, as under a cell's init.  The
connector must be refused, the /proc diff armed instead, and the hello
must say so (with the reason).  Then a slow workload, whose processes each
live several poll rounds, must be reported: spawned, exited, with their
comm, and the agent's own pid 2 in the start-up inventory.  The init waits
on a fifo until this test has seen the hello, so the workload starts only
once the probe is armed, and on another until the test has seen the last
exit, so that the agent is not stopped before its next poll round.
"""
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import agentlib as al  # noqa: E402

# The slow workload: each process outlives several 100 ms poll rounds.
INIT = r'''
agent=$1 sock=$2 go=$3 cmdline=$4 done=$5 dir=$6
CELLOS_TELEMETRY_CMDLINE=$cmdline "$agent" -f --connect "unix:$sock" \
	--probe fs=off --probe net=off --probe capability=off &
apid=$!
read x < "$go"
for i in 1 2 3; do /bin/sleep 0.6; done
/bin/sh -c '/bin/sleep 0.7; exit 3'
cp /bin/sleep "$dir/slowpoke" && "$dir/slowpoke" 0.7
read x < "$done"
kill -TERM $apid
wait $apid
echo "agent pid $apid exit $?"
'''


def pid_of(frames, comm):
    return [f for f in frames if f.get("guest_comm") == comm]


def exited(out):
    return [f for _, f in al.frames(out, "process.exited")]


def main():
    t = al.Tap()
    sock, out = al.tmp("ns.sock"), al.tmp("ns.jsonl")
    go, done = al.tmp("go"), al.tmp("done")
    os.mkfifo(go)
    os.mkfifo(done)
    r = al.Receiver(sock, out)
    ns = subprocess.Popen(
        ["unshare", "--pid", "--fork", "--kill-child", "--mount-proc",
         "/bin/sh", "-c", INIT, "init", al.RELEASE, sock, go,
         al.empty_cmdline(), done, os.path.dirname(go)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    al._procs.append(ns)
    alive = lambda: ns.poll() is None  # noqa: E731
    al.wait_until(lambda: al.frames(out, "agent.hello") or not alive())
    hello = al.frames(out, "agent.hello")
    h = hello[0][1] if hello else {}
    # The init reads each fifo once it is there; if unshare failed or the
    # init died, nobody ever will: fail with what they printed.
    started = (al.fifo_write(go, b"go\n", alive=alive) and
               al.wait_until(lambda: pid_of(exited(out), "slowpoke") or
                             not alive()) and
               al.fifo_write(done, b"done\n", alive=alive))
    try:
        so, se = ns.communicate(timeout=al.WAIT)
    except subprocess.TimeoutExpired:
        ns.kill()       # --kill-child: the namespace's init and all in it go
        so, se = ns.communicate(timeout=al.WAIT)
    al.wait_until(r.drained)
    r.stop()
    if not t.ok(started, "the namespace's init ran the workload to its end",
                "unshare exit %s\nstdout: %s\nstderr: %s" % (ns.returncode,
                                                             so, se)):
        t.done()

    proc = h.get("probes", {}).get("process", "")
    t.ok(proc.startswith("fallback:poll"),
         "hello: the process probe fell back to the /proc diff", h.get("probes"))
    t.ok("(connector" in proc,
         "hello: the fallback names why the connector was not used", proc)
    t.ok(h.get("guest_pid") == 2, "the agent is PID 2 of the namespace",
         h.get("guest_pid"))
    t.ok("agent pid 2 exit 0" in so, "the agent stops on SIGTERM with exit 0",
         so + se)

    sp = al.frames(out, "process.spawned")
    spawned = [f for _, f in sp]
    inv = [f for f in spawned if f.get("guest_pid") == 2]
    t.ok(inv and inv[0].get("synthetic") == 1,
         "start-up inventory: the agent (pid 2) as a synthetic spawn", inv)
    t.ok(any(f.get("guest_pid") == 1 for f in spawned),
         "start-up inventory: the namespace's init (pid 1)")
    sleeps = [f for f in spawned if f.get("guest_comm") == "sleep"]
    t.ok(len(sleeps) >= 4, "the slow sleeps are reported spawned (>= 4)",
         [f.get("guest_pid") for f in sleeps])
    t.ok(pid_of(spawned, "slowpoke"),
         "a copied binary is reported with its own comm", len(spawned))
    xt = exited(out)
    sleep_pids = set(f["guest_pid"] for f in sleeps)
    gone = set(f["guest_pid"] for f in xt) & sleep_pids
    t.ok(len(gone) == len(sleep_pids) and sleep_pids,
         "every reported sleep is also reported exited",
         (sorted(sleep_pids), sorted(gone)))
    t.ok(all(f.get("synthetic") == 1 for f in spawned + xt),
         "every process event of the /proc diff is marked synthetic")
    t.ok(all(2 <= f.get("guest_pid", 0) < 1000 for f in sleeps),
         "pids are the namespace's own (small), not the initial namespace's")
    al.check_accounting(t, out, "pidns")
    t.done()


if __name__ == "__main__":
    main()
