"""benchlib.py: what the benchmarks of `make bench` share.

A Table collects rows (a figure, its unit, and the row of the same table
that is its baseline, measured in the same invocation), prints them with
their ratio to that baseline, and writes bench/results/NAME.csv whose
header names the kernel, the CPU count, the commit and the date.  Plus
small helpers to start, pin and stop processes we own (by pid only).
Measures nothing itself and asserts no speed.  Also: a recorded agent
(the agent into build/tools/drain -o FILE, the frames decoded afterwards
with python3-cbor2), what an agent build accepts, and a process's CPU
time and sleeps.
"""
import os
import re
import struct
import signal
import subprocess
import sys
import tempfile
import time
import shutil

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(TOP, "tests", "integ"))
import tap  # noqa: E402  (the bounded waits the tests use)

BUILD = os.environ.get("BUILD", os.path.join(TOP, "build"))
RESULTS = os.path.join(TOP, "bench", "results")
AGENT = os.path.join(BUILD, "cellos-telemetry")
AGENT_TEST = os.path.join(BUILD, "test", "cellos-telemetry")
HOST = os.path.join(BUILD, "cellos-telemetry-host")
QUICK = os.environ.get("BENCH_QUICK") == "1"    # smaller sizes, for a try


def meta():
    """kernel, cpus, commit, date: the header of every CSV."""
    try:
        commit = subprocess.run(["git", "-C", TOP, "describe", "--always",
                                 "--dirty", "--abbrev=12"], capture_output=True,
                                text=True).stdout.strip() or "unknown"
    except OSError:
        commit = "unknown"
    return {"kernel": os.uname().release, "cpus": str(os.cpu_count()),
            "commit": commit,
            "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}


class Table:
    """Rows of (name, value, unit, baseline row name or None, note)."""

    def __init__(self, name, title):
        self.name, self.title, self.rows = name, title, []

    def add(self, name, value, unit, base=None, note=""):
        self.rows.append((name, value, unit, base, note))
        return value

    def ratio(self, row):
        name, value, unit, base, note = row
        b = [r[1] for r in self.rows if r[0] == base]
        if base is None:
            return "baseline" if any(r[3] == name for r in self.rows) else "-"
        if not b or b[0] in (None, 0) or value is None:
            return "n/a"
        return "%.3f" % (value / b[0])

    def show(self):
        print("\n== %s ==" % self.title)
        w = max([len(r[0]) for r in self.rows] + [10])
        print("%-*s %14s %-10s %9s  %s" % (w, "measure", "value", "unit",
                                          "ratio", "baseline / note"))
        for r in self.rows:
            v = "n/a" if r[1] is None else (
                "%.1f" % r[1] if isinstance(r[1], float) else str(r[1]))
            extra = ("vs " + r[3] if r[3] else "") + (
                ("; " if r[3] and r[4] else "") + r[4])
            print("%-*s %14s %-10s %9s  %s" % (w, r[0], v, r[2],
                                              self.ratio(r), extra))
        sys.stdout.flush()
        self.write()

    def write(self):
        os.makedirs(RESULTS, exist_ok=True)
        path = os.path.join(RESULTS, self.name + ".csv")
        with open(path, "w") as f:
            for k, v in meta().items():
                f.write("# %s: %s\n" % (k, v))
            f.write("# %s\n" % self.title)
            f.write("measure,value,unit,baseline,ratio,note\n")
            for r in self.rows:
                f.write('"%s",%s,%s,"%s",%s,"%s"\n' % (
                    r[0], "" if r[1] is None else r[1], r[2], r[3] or "",
                    self.ratio(r), r[4].replace('"', "'")))


_procs = []
_tmp = tempfile.mkdtemp(prefix="ct-bench-", dir="/tmp")


def tmp(name):
    return os.path.join(_tmp, name)


_cgroups = []


def cgroup():
    """A child cgroup2 of our own for the net probe's BPF programs (so they
    see only our workloads, not the machine's), or None."""
    for line in open("/proc/self/mounts"):
        f = line.split()
        if f[2] == "cgroup2":
            path = os.path.join(f[1], "ct-bench-%d" % os.getpid())
            os.makedirs(path, exist_ok=True)
            _cgroups.append(path)
            return path
    return None


def in_cgroup(path, argv):
    """argv run inside cgroup path (a shell moves itself there, then execs)."""
    if not path:
        return argv
    return ["sh", "-c", 'echo $$ > "$0"/cgroup.procs && exec "$@"', path] + argv


def cleanup():
    """Stop every process we started (by pid), remove our folder."""
    for p in _procs:
        if isinstance(p, int):
            try:
                os.kill(p, signal.SIGCONT)
                os.kill(p, signal.SIGKILL)
            except ProcessLookupError:
                pass
        elif p.poll() is None:
            p.send_signal(signal.SIGCONT)
            p.kill()
            p.wait()
    shutil.rmtree(_tmp, ignore_errors=True)
    for path in _cgroups:
        for _ in range(50):
            try:
                os.rmdir(path)
                break
            except OSError:
                time.sleep(0.1)


def run(main):
    """A benchmark's entry point: main(), then cleanup() whatever happens."""
    try:
        main()
    finally:
        cleanup()


def start(argv, cpu=None, **kw):
    """Popen, pinned to one CPU with taskset when cpu is given."""
    if cpu is not None and os.cpu_count() > 1:
        argv = ["taskset", "-c", str(cpu)] + list(argv)
    p = subprocess.Popen(argv, **kw)
    _procs.append(p)
    return p


def own(pid):
    """A daemon pid we started (forked agent): stopped at cleanup."""
    _procs.append(pid)
    return pid


def stop(p, sig=signal.SIGTERM, timeout=20):
    if p.poll() is None:
        p.send_signal(sig)
    try:
        return p.wait(timeout)
    except subprocess.TimeoutExpired:
        p.kill()
        return p.wait()


def cmdline():
    """A kernel command line with nothing of ours (never this machine's)."""
    path = tmp("cmdline")
    with open(path, "w") as f:
        f.write("console=ttyS0 quiet\n")
    return dict(os.environ, CELLOS_TELEMETRY_CMDLINE=path)


def proc_status(pid, key):
    """A kB figure of /proc/PID/status (VmRSS, VmHWM), or None."""
    try:
        for line in open("/proc/%d/status" % pid):
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except FileNotFoundError:
        pass
    return None


def proc_io(pid, key):
    try:
        for line in open("/proc/%d/io" % pid):
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except FileNotFoundError:
        pass
    return None


def wait_until(pred, timeout=60.0, step=0.02):
    """tap.wait_until, with the longer default a benchmark's burst needs."""
    return tap.wait_until(pred, timeout, step)


def median(xs):
    xs = sorted(xs)
    return xs[len(xs) // 2] if xs else None


def wait_socket(path, timeout=20.0):
    return wait_until(lambda: os.path.exists(path), timeout)


DRAIN = os.path.join(BUILD, "tools", "drain")


def agent_takes(flag, binary=AGENT):
    """Does this agent build know flag?  (Its --help names every one.)"""
    text = subprocess.run([binary, "--help"], capture_output=True,
                          text=True).stdout
    return re.search(r"(?<![\w-])%s\b" % re.escape(flag), text) is not None


def cpu_ns(pid):
    """CPU time the process has used, in ns (/proc/PID/schedstat; the
    clock ticks of /proc/PID/stat where there is no schedstat)."""
    try:
        return int(open("/proc/%d/schedstat" % pid).read().split()[0])
    except (OSError, IndexError, ValueError):
        f = open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()
        return (int(f[11]) + int(f[12])) * 1e9 / os.sysconf("SC_CLK_TCK")


def sleeps(pid):
    """How many times the process blocked (voluntary context switches):
    for the agent, the wakeups it took."""
    for line in open("/proc/%d/status" % pid):
        if line.startswith("voluntary_ctxt_switches:"):
            return int(line.split()[1])
    return None


def decode_stream(path):
    """The frames of a recorded stream (4-byte LE length + CBOR body), as
    dicts, decoded with python3-cbor2 (not our decoder)."""
    import cbor2
    data, out, off = open(path, "rb").read(), [], 0
    while len(data) - off >= 4:
        (n,) = struct.unpack_from("<I", data, off)
        if len(data) - off - 4 < n:
            break
        out.append(cbor2.loads(data[off + 4:off + 4 + n]))
        off += 4 + n
    return out


class Recorded:
    """Our agent (release build, foreground) sending into drain -o FILE:
    start() waits until it is armed (its hello recorded, then the start-up
    inventory's moment); frames() once stopped."""

    def __init__(self, name, args, cg=None):
        self.sock, self.rec = tmp(name + ".sock"), tmp(name + ".rec")
        self.args = ["--net-cgroup", cg] if cg else []
        self.args += list(args)

    def start(self):
        self.drain = start([DRAIN, "-o", self.rec, self.sock],
                           stdout=subprocess.DEVNULL)
        wait_socket(self.sock)
        self.agent = start([AGENT, "-f", "--connect", "unix:" + self.sock] +
                           self.args, env=cmdline(),
                           stderr=open(tmp("agent.err"), "a"))
        wait_until(lambda: self.agent.poll() is not None or (
            os.path.exists(self.rec) and os.path.getsize(self.rec) > 0), 20)
        time.sleep(0.3)
        return self.agent.poll() is None

    def stop(self):
        stop(self.agent)
        stop(self.drain)

    def frames(self):
        return decode_stream(self.rec)
