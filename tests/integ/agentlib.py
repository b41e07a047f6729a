"""agentlib.py: shared pieces of the agent's integration tests.

Starts the agent's test build and the test receiver (recv.py) as real
processes over AF_UNIX (never AF_VSOCK: this machine is a Firecracker
guest), reads what the receiver recorded, prints TAP, and stops every
process it started, by pid.  Not a test itself (the harness runs
tests/integ/test_* only).
"""
import atexit
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

from tap import WAIT, Tap, fifo_write, read_line, wait_until  # noqa: F401

BUILD = os.environ.get("BUILD", "build")
PYTHON = os.environ.get("PYTHON", "/usr/bin/python3")
AGENT = os.path.join(BUILD, "test", "cellos-telemetry")
RELEASE = os.path.join(BUILD, "cellos-telemetry")
RECV = os.path.join(os.path.dirname(os.path.abspath(__file__)), "recv.py")
# The probes that are not the test source: off, so that nothing but
# synthetic events (and the agent's own frames) flows in these tests.
QUIET = ["--probe", "process=off", "--probe", "fs=off", "--probe", "net=off",
         "--probe", "capability=off"]

_procs = []
_daemons = []   # pids of forked agents (not our children)
_tmp = tempfile.mkdtemp(prefix="ct-agent-", dir="/tmp")


def _cleanup():
    for p in _procs:
        if p.poll() is None:
            try:
                os.kill(p.pid, signal.SIGCONT)
                os.kill(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            p.wait()
    for pid in _daemons:
        if pid_alive(pid):
            os.kill(pid, signal.SIGKILL)
    shutil.rmtree(_tmp, ignore_errors=True)


atexit.register(_cleanup)


def adopt(pid):
    """A forked agent this test started: killed at exit if still there."""
    _daemons.append(pid)
    return pid


def tmp(name):
    return os.path.join(_tmp, name)


def empty_cmdline():
    """A kernel command line with nothing of ours, so the tests never
    depend on this machine's /proc/cmdline."""
    path = tmp("cmdline.empty")
    with open(path, "w") as f:
        f.write("console=ttyS0 quiet\n")
    return path


def env(cmdline=None):
    e = dict(os.environ)
    e["CELLOS_TELEMETRY_CMDLINE"] = cmdline or empty_cmdline()
    return e


class Receiver:
    """recv.py on a unix socket, recording to a JSON Lines file."""

    def __init__(self, sock, out, ack=False, conn_base=0, hexdump=False):
        args = [PYTHON, RECV, "--sock", sock, "--out", out,
                "--conn-base", str(conn_base)]
        if ack:
            args.append("--ack")
        if hexdump:
            args.append("--hex")
        self.sock, self.out = sock, out
        self.p = subprocess.Popen(args, stdout=subprocess.PIPE)
        _procs.append(self.p)
        line = read_line(self.p.stdout)
        if line.strip() != b"ready":
            raise RuntimeError("receiver %s: no 'ready' within %ds (printed %r, "
                               "exit status %s)" % (sock, WAIT, line, self.p.poll()))

    def signal(self, sig):
        os.kill(self.p.pid, sig)

    def kill(self):
        self.signal(signal.SIGKILL)
        self.p.wait(WAIT)

    def drained(self):
        return drained(self.out)

    def stop(self):
        if self.p.poll() is None:
            self.signal(signal.SIGTERM)
            try:
                self.p.wait(WAIT)
            except subprocess.TimeoutExpired:
                self.kill()


class Agent:
    """The agent's test build, in the foreground unless told otherwise."""

    def __init__(self, sock, *args, foreground=True, cmdline=None,
                 binary=AGENT, connect=True, wrap=()):
        if not connect and "connect=unix:" not in open(cmdline or empty_cmdline()).read():
            # the default target is vsock:2:9001: this machine's real host
            raise ValueError("Agent(connect=False) wants a cmdline naming "
                             "cellos.telemetry.connect=unix:PATH")
        self.err = tmp("agent.%d.err" % len(_procs))
        argv = list(wrap) + [binary] + (["-f"] if foreground else [])
        argv += (["--connect", "unix:" + sock] if connect else [])
        argv += QUIET + list(args)
        self.argv = argv
        with open(self.err, "w") as ef:
            self.p = subprocess.Popen(argv, stderr=ef, env=env(cmdline))
        _procs.append(self.p)

    @property
    def pid(self):
        return self.p.pid

    def signal(self, sig):
        os.kill(self.p.pid, sig)

    def wait(self, timeout=WAIT):
        try:
            return self.p.wait(timeout)
        except subprocess.TimeoutExpired:
            return None

    def stderr(self):
        with open(self.err) as f:
            return f.read()


def release_pair(name, *args, wrap=()):
    """A fresh receiver and the release agent (foreground, QUIET then args;
    wrap: a command it runs under, e.g. setpriv) against it: (receiver,
    agent, output file)."""
    sock, out = tmp(name + ".sock"), tmp(name + ".jsonl")
    r = Receiver(sock, out)
    return r, Agent(sock, *args, binary=RELEASE, wrap=wrap), out


def start_hello(t, name, *args, wrap=()):
    """release_pair, then wait for the hello (strict: for any frame, as v1.0
    has no hello): (receiver, agent, output, hello body or {})."""
    r, a, out = release_pair(name, *args, wrap=wrap)
    if "strict" in args:
        wait_until(lambda: frames(out))
        return r, a, out, {}
    hello = wait_until(lambda: frames(out, "agent.hello"))
    t.ok(bool(hello), "%s: hello arrives" % name, a.stderr())
    return r, a, out, (hello[0][1] if hello else {})


def stop_pair(a, r):
    """SIGTERM the agent, wait for it, wait until the receiver has read
    all it sent (its last frames may still sit in the socket), then stop
    the receiver."""
    a.signal(signal.SIGTERM)
    a.wait()
    wait_until(r.drained)
    r.stop()


def records(path):
    """Every record the receiver wrote so far."""
    out = []
    try:
        with open(path) as f:
            for line in f:
                if line.endswith("\n"):
                    out.append(json.loads(line))
    except FileNotFoundError:
        pass
    return out


def drained(path):
    """True once every connection the receiver took has reached EOF: it
    has recorded all that agents which exited sent it (their last frames
    may sit in the socket for a moment after the agent is gone)."""
    recs = records(path)
    return ({r["conn"] for r in recs} <=
            {r["conn"] for r in recs if r.get("eof")})


def frames(path, source=None):
    """(conn, frame) for every decoded frame, optionally of one source."""
    return [(r["conn"], r["f"]) for r in records(path)
            if "f" in r and (source is None or r["f"]["probe_source"] == source)]


def events(path):
    """Frames that carry a seq (events, heartbeats, stopping)."""
    return [f for _, f in frames(path) if "seq" in f]


def count_source(path, source):
    return len(frames(path, source))


def read_mark(path):
    """(pid, bursts) from the test build's mark file, or None."""
    try:
        with open(path) as f:
            pid, bursts = f.read().split()
            return int(pid), int(bursts)
    except (FileNotFoundError, ValueError):
        return None


def pid_alive(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().split(") ")[1][0] not in "ZX"
    except (FileNotFoundError, IndexError):
        return False


def check_accounting(t, out, what):
    """The stream ends with agent.stopping; every seq below it was either
    received or named by exactly one agent.loss frame, never both, and the
    stopping counters say the same: emitted == delivered + counted lost.
    Call it once the agent has exited: it waits for the receiver to read
    what is left in the socket."""
    wait_until(lambda: drained(out))
    fr = frames(out)
    stops = [f for _, f in fr if f["probe_source"] == "agent.stopping"]
    if not t.ok(len(stops) == 1, "%s: one agent.stopping frame" % what,
                [f["probe_source"] for _, f in fr[-5:]]):
        return
    st = stops[0]
    got = set(f["seq"] for _, f in fr
              if "seq" in f and f["probe_source"] != "agent.stopping")
    lost = []
    for _, f in fr:
        if f["probe_source"] == "agent.loss":
            lost.extend(range(f["first_seq"], f["first_seq"] + f["count"]))
    lset = set(lost)
    t.ok(len(lost) == len(lset), "%s: no seq announced lost twice" % what)
    t.ok(not (got & lset), "%s: no seq both received and announced lost" % what,
         sorted(got & lset)[:10])
    t.ok(got | lset == set(range(st["seq"])),
         "%s: received + announced lost == every seq below %d" % (what, st["seq"]),
         "missing %s" % sorted(set(range(st["seq"])) - got - lset)[:10])
    t.ok(st["emitted"] == st["seq"] and
         st["sent"] + st["dropped"]["ring_overwrite"] == st["emitted"] and
         st["sent"] == len(got) and st["dropped"]["ring_overwrite"] == len(lset),
         "%s: stopping: emitted %d == sent %d + ring_overwrite %d (received %d, "
         "announced %d)" % (what, st["emitted"], st["sent"],
                            st["dropped"]["ring_overwrite"], len(got), len(lset)))
    return st, got, lset


def check_loss_in_place(t, out, what):
    """Each agent.loss is followed, on its connection, by the frame right
    after the range it names: the loss sits where the frames went."""
    fr = frames(out)
    bad = []
    n = 0
    for i, (c, f) in enumerate(fr):
        if f["probe_source"] != "agent.loss":
            continue
        n += 1
        nxt = [g for d, g in fr[i + 1:i + 2] if d == c]
        if not nxt or nxt[0].get("seq") != f["first_seq"] + f["count"]:
            bad.append((f, nxt))
    t.ok(not bad, "%s: %d loss frame(s), each right before seq first+count"
         % (what, n), bad[:3])
    return n
