"""hostlib.py: shared helpers for the receiver's integration tests.

Frames built with cbor2 (an encoder independent of ours), the
vector files, and a running cellos-telemetry-host with its output file and
stderr collected in the background.  Not a test itself (no test_ prefix).
"""
import atexit
import ctypes
import json
import os
import re
import select
import shutil
import signal
import socket
import struct
import subprocess
import tempfile
import threading
import time

import cbor2

from tap import Tap  # noqa: F401

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("BUILD", "build")
HOST = os.path.join(BUILD, "cellos-telemetry-host")
CE = "dev.cellos.events.cell.observability.guest.v1."
OUT_LINE = "output: lines "     # the output's counters line (not a log line)


def vectors(name):
    """Rows of tests/vectors/NAME: lists of tab-separated fields, hex last."""
    rows = []
    for line in open(os.path.join(TOP, "tests", "vectors", name)):
        if line.startswith("#") or not line.strip():
            continue
        f = line.rstrip("\n").split("\t")
        rows.append(f[:-1] + [bytes.fromhex(f[-1])])
    return rows


def frame(body):
    """A frame from a dict (encoded by cbor2) or from raw body bytes."""
    if isinstance(body, dict):
        body = cbor2.dumps(body)
    return struct.pack("<I", len(body)) + body


def ev(source, pid=1, comm="t", ns=1, version=0x0101, **ext):
    """An event dict in wire order; extension keys follow in call order."""
    d = {"content_version": version, "probe_source": source,
         "guest_pid": pid, "guest_comm": comm, "guest_monotonic_ns": ns}
    d.update(ext)
    return d


def hello(seq, session=1, resume=None, boot="b00t", pid=7):
    """A hello; seq None: without seq, as our agent sends it (a frame of
    its own, outside the ring), resume_seq then being required."""
    d = ev("agent.hello", pid=pid, comm="cellos-telemetr",
           agent_version="0.1.0", boot_id=boot, session=session,
           resume_seq=seq + 1 if resume is None else resume)
    if seq is not None:
        d = dict(list(d.items())[:5] + [("seq", seq)] + list(d.items())[5:])
    return d


def spawned(seq, pid=100):
    return ev("process.spawned", pid=pid, comm="sh", ns=1000 + seq, seq=seq)


_TMPDIRS = []
_PROCS = []
_MOUNTS = []


@atexit.register
def _cleanup():
    """A test that died half-way leaves no receiver and no folder behind."""
    for p in _PROCS:
        if p.poll() is None:
            p.kill()
            p.wait()
    for d in _MOUNTS:
        subprocess.run(["umount", d], capture_output=True)
    for d in _TMPDIRS:
        shutil.rmtree(d, ignore_errors=True)


def tmpdir(prefix="cth-"):
    """A folder under /tmp, removed when the test script ends."""
    d = tempfile.mkdtemp(prefix=prefix, dir="/tmp")
    _TMPDIRS.append(d)
    return d


class Host:
    """One receiver process with cells CELLS, output in a file."""

    def __init__(self, cells=("c1",), args=(), out=None, stdout=None,
                 run_id="test", tmp=None, pass_fds=(), env=None):
        self.tmp = tmp or tmpdir()
        self.paths = {c: os.path.join(self.tmp, c + ".sock") for c in cells}
        self.out = out if out is not None else os.path.join(self.tmp, "out.jsonl")
        argv = [HOST, "--run-id", run_id]
        for c in cells:
            argv += ["--cell", "%s:%s" % (c, self.paths[c])]
        if stdout is None:
            argv += ["--out", self.out]
        argv += list(args)
        self.err = []
        self.proc = subprocess.Popen(argv, stdout=stdout or subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, pass_fds=pass_fds,
                                     env=env)
        _PROCS.append(self.proc)
        self.ready = self._wait_ready()
        self.reader = threading.Thread(target=self._drain, daemon=True)
        self.reader.start()

    def _wait_ready(self, timeout=10):
        end = time.time() + timeout
        line = b""
        while time.time() < end:
            r, _, _ = select.select([self.proc.stderr], [], [], 0.2)
            if r:
                c = self.proc.stderr.read1(1)
                if not c:
                    break
                line += c
                if c == b"\n":
                    self.err.append(line.decode(errors="replace"))
                    if b"ready" in line:
                        return line.decode()
                    line = b""
        return None

    def _drain(self):
        buf = b""
        while True:
            c = self.proc.stderr.read1(4096)
            if not c:
                break
            buf += c
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                self.err.append(line.decode(errors="replace") + "\n")

    def connect(self, cell="c1"):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(self.paths[cell])
        return s

    def raw_lines(self):
        try:
            with open(self.out, "rb") as f:
                data = f.read()
        except FileNotFoundError:
            return []
        # whole lines only: the receiver may be writing the last one
        return [l for l in data.split(b"\n")[:-1] if l]

    def lines(self):
        return [json.loads(l) for l in self.raw_lines()]

    @staticmethod
    def _poll(get, pred, timeout):
        """get() until pred(what it got) holds or timeout passes; the last."""
        end = time.time() + timeout
        while True:
            got = get()
            if pred(got) or time.time() > end:
                return got
            time.sleep(0.05)

    def wait_lines(self, pred, timeout=10):
        """Poll the output until pred(lines) holds; returns the lines."""
        return self._poll(self.lines, pred, timeout)

    def wait_count(self, n, timeout=10):
        return self.wait_lines(lambda ls: len(ls) >= n, timeout)

    def stats(self, timeout=10):
        """SIGUSR1, then the counter lines it printed (text)."""
        before = sum(OUT_LINE in l for l in self.err)
        self.proc.send_signal(signal.SIGUSR1)
        end = time.time() + timeout
        while time.time() < end:
            if sum(OUT_LINE in l for l in self.err) > before:
                break
            time.sleep(0.02)
        text = "".join(self.err)
        cut = [m.start() for m in re.finditer(r"cellos-telemetry-host: cell ", text)]
        return text[cut[-self.ncells()]:] if cut else text

    def wait_stats(self, pred, timeout=30):
        """stats() until pred(counters) holds; returns the last ones."""
        return self._poll(self.stats, pred, timeout)

    def ncells(self):
        return len(self.paths)

    def rss_kb(self):
        for line in open("/proc/%d/status" % self.proc.pid):
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        return -1

    def alive(self):
        return self.proc.poll() is None

    def stop(self, timeout=10):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = self.proc.wait()
        self.reader.join(2)
        return rc

    def stderr(self):
        return "".join(self.err)


def private_tmpfs(size):
    """A tmpfs of SIZE (mount -o size=) on a fresh folder, mounted in a
    mount namespace of this test's own (entered once, propagation private,
    so nothing shows outside and it goes when the test ends); the folder,
    or None where that is refused."""
    global _private_ns
    if not _private_ns:
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.unshare(0x00020000) != 0:                   # CLONE_NEWNS
            return None
        if subprocess.run(["mount", "--make-rprivate", "/"],
                          capture_output=True).returncode != 0:
            return None
        _private_ns = True
    d = tmpdir("cth-tmpfs-")
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=%s" % size, "tmpfs", d],
                      capture_output=True).returncode != 0:
        return None
    _MOUNTS.append(d)
    return d


_private_ns = False


class PipeReader:
    """Reads the read end of a pipe in the background until EOF."""

    def __init__(self, fd):
        self.fd, self.chunks = fd, []
        self.th = threading.Thread(target=self._run, daemon=True)
        self.th.start()

    def _run(self):
        while True:
            c = os.read(self.fd, 65536)
            if not c:
                return
            self.chunks.append(c)

    def data(self, join_timeout=None):
        """What was read so far (after EOF, with a join timeout given)."""
        if join_timeout is not None:
            self.th.join(join_timeout)
        return b"".join(self.chunks)


def counter(stats, name, cell="c1"):
    """A counter out of CELL's stats line, e.g. counter(s, 'frames');
    cell None: the output line."""
    tag = "cell %s:" % cell if cell else OUT_LINE
    line = [l for l in stats.splitlines() if tag in l]
    m = re.search(r"\b%s (\d+)" % re.escape(name), line[-1]) if line else None
    return int(m.group(1)) if m else -1


def kinds(lines):
    return [l["type"][len(CE):] for l in lines]


def guest(lines):
    """Only the guest events (not host-made ones)."""
    host = ("agent_silenced", "telemetry_dropped", "frame_rejected")
    return [l for l in lines if l["type"][len(CE):] not in host]


def recv_all(s, timeout):
    """Bytes the peer sends within timeout (until EOF or quiet)."""
    s.settimeout(timeout)
    data = b""
    try:
        while True:
            c = s.recv(4096)
            if not c:
                break
            data += c
    except (socket.timeout, ConnectionResetError):
        pass
    return data
