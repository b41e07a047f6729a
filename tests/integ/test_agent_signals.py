#!/usr/bin/python3
"""test_agent_signals.py: every signal that can reach the release agent
does what cellos-telemetry(8) says, and none ends it silently.

- Ignored (and the harmless defaults): after every one of them, glibc's
  and musl's reserved numbers and the real-time ones included, the agent
  is alive and still streams heartbeats; it then stops on SIGTERM with
  exit 0 and a complete account.
- SIGUSR1: one line of counters on stderr; the stream goes on.
- SIGQUIT and SIGXCPU: the same orderly stop as SIGTERM (agent.stopping,
  every seq delivered or announced lost, exit 0).
- A fault signal sent with kill (SIGSEGV, SIGBUS, SIGABRT): the agent
  dies of it, but first says so on stderr, naming the signal.
"""
import os
import resource
import signal

from agentlib import (Tap, check_accounting, frames, pid_alive, start_hello,
                      stop_pair, wait_until)

t = Tap()
resource.setrlimit(resource.RLIMIT_CORE, (0, 0))   # no core files here
HB = ["--heartbeat-ms", "50"]

IGNORED = [signal.SIGHUP, signal.SIGPIPE, signal.SIGUSR2, signal.SIGALRM,
           signal.SIGVTALRM, signal.SIGPROF, signal.SIGIO, signal.SIGPWR,
           signal.SIGSTKFLT, signal.SIGTSTP, signal.SIGTTIN, signal.SIGTTOU,
           signal.SIGXFSZ, signal.SIGCHLD, signal.SIGURG, signal.SIGWINCH,
           signal.SIGCONT, 32, 33, 34, 35, 40, 64]


def heartbeats(out):
    return [f for _, f in frames(out, "agent.heartbeat")]


def beats_after(out, n):
    """True once more than n heartbeats have arrived."""
    return wait_until(lambda: len(heartbeats(out)) > n)


# Ignored signals: nothing changes.
r, a, out, hello = start_hello(t, "ignored", *HB)
beats_after(out, 0)
dead = []
for s in IGNORED:
    n = len(heartbeats(out))
    a.signal(s)
    if not (beats_after(out, n) and pid_alive(a.pid)):
        dead.append(int(s))
        break
t.ok(not dead, "%d ignored signals: the agent lives and streams after each"
     % len(IGNORED), "stopped streaming after signal %s; stderr: %s"
     % (dead, a.stderr()))
stop_pair(a, r)
t.ok(a.p.returncode == 0, "after them, SIGTERM still stops it with exit 0",
     (a.p.returncode, a.stderr()))
check_accounting(t, out, "ignored")

# SIGUSR1: counters on stderr, nothing else.
r, a, out, hello = start_hello(t, "usr1", *HB)
beats_after(out, 0)
a.signal(signal.SIGUSR1)
line = wait_until(lambda: [l for l in a.stderr().splitlines()
                           if "counters: emitted" in l])
t.ok(bool(line) and "sent" in line[0] and "lost:" in line[0],
     "SIGUSR1: one line of counters on stderr", a.stderr())
n = len(heartbeats(out))
t.ok(beats_after(out, n) and pid_alive(a.pid),
     "SIGUSR1: the agent goes on streaming")
stop_pair(a, r)
t.ok(a.p.returncode == 0, "SIGUSR1 agent: SIGTERM, exit 0", a.stderr())

# SIGQUIT, SIGXCPU: an orderly stop.
for s in (signal.SIGQUIT, signal.SIGXCPU):
    name = signal.Signals(s).name
    r, a, out, hello = start_hello(t, name, *HB)
    beats_after(out, 1)
    a.signal(s)
    rc = a.wait()
    t.ok(rc == 0, "%s: the agent stops with exit 0" % name, (rc, a.stderr()))
    check_accounting(t, out, name)
    r.stop()

# Fault signals from kill: death by the signal, said on stderr first.
for s in (signal.SIGSEGV, signal.SIGBUS, signal.SIGABRT):
    name = signal.Signals(s).name
    r, a, out, hello = start_hello(t, name, *HB)
    a.signal(s)
    rc = a.wait()
    err = a.stderr()
    t.ok(rc == -s, "%s: the agent dies of it" % name, (rc, err))
    t.ok(("%s: exiting at once" % name) in err and "no agent.stopping" in err,
         "%s: stderr names the signal and what is lost" % name, err)
    r.stop()
t.ok(not os.path.exists("core"), "no core file left behind")
t.done()
