"""probelib.py: shared by the net and capability probe integration tests.

The probe tools (build/tools/netprobe, capprobe) as child
processes whose JSON lines are collected by a thread, a child cgroup for
the BPF tests, a private network namespace for the fallback tests, and
the audit netlink calls the tests use to check the kernel's state
independently of the C code under test.
"""
import json
import os
import signal
import socket
import struct
import subprocess
import sys
import threading
import time

from tap import Tap  # noqa: F401

PY = "/usr/bin/python3"
HERE = os.path.dirname(os.path.abspath(__file__))


class Tool:
    """A probe tool whose stdout JSON lines are gathered as they come."""

    def __init__(self, argv):
        self.p = subprocess.Popen(argv, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True)
        self.lines = []
        self.cv = threading.Condition()
        self.t = threading.Thread(target=self._read, daemon=True)
        self.t.start()

    def _read(self):
        for line in self.p.stdout:
            try:
                obj = json.loads(line)
            except ValueError:
                obj = {"unparsed": line}
            with self.cv:
                self.lines.append(obj)
                self.cv.notify_all()
        with self.cv:
            self.cv.notify_all()

    def wait_for(self, pred, timeout):
        """Wait until pred(lines) is true or the tool exits."""
        end = time.monotonic() + timeout
        with self.cv:
            while not pred(self.lines):
                left = end - time.monotonic()
                if left <= 0 or (self.p.poll() is not None and not self.t.is_alive()):
                    return pred(self.lines)
                self.cv.wait(min(left, 0.2))
            return True

    def status(self, timeout=10):
        self.wait_for(lambda ls: any("status" in x for x in ls), timeout)
        return next((x for x in self.lines if "status" in x), None)

    def events(self):
        with self.cv:
            return [x for x in self.lines if "probe_source" in x]

    def stop(self, timeout=10):
        """SIGTERM, wait for the exit; returns (exit code, last line)."""
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGTERM)
        try:
            rc = self.p.wait(timeout)
        except subprocess.TimeoutExpired:
            self.p.kill()
            rc = self.p.wait()
        self.t.join(5)
        stopped = next((x for x in self.lines if "stopped" in x), None)
        return rc, stopped

    def stderr(self):
        try:
            return self.p.stderr.read()
        except ValueError:
            return ""


def build(name):
    return os.path.join(os.environ.get("BUILD", "build"), "tools", name)


# ---- cgroups: BPF tests attach to a child cgroup of our own ----

def cgroup2_mount():
    for line in open("/proc/mounts"):
        f = line.split()
        if len(f) > 2 and f[2] == "cgroup2":
            return f[1].replace("\\040", " ")
    return None


def make_cgroup(tag):
    root = cgroup2_mount()
    if root is None:
        return None
    path = os.path.join(root, "cellos-%s-%d" % (tag, os.getpid()))
    os.mkdir(path)
    return path


def remove_cgroup(path):
    if not path:
        return
    for _ in range(50):
        try:
            os.rmdir(path)
            return
        except OSError:
            time.sleep(0.1)      # a child still being reaped


# ---- the connecting child (tests/integ/connector.py) ----

def tcp_listener():
    """A TCP listener on 127.0.0.1 (an ephemeral port) that accepts and
    closes every connection in a daemon thread, until it is closed."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(8)

    def serve():
        while True:
            try:
                c, _ = s.accept()
                c.close()
            except OSError:
                return
    threading.Thread(target=serve, daemon=True).start()
    return s


def run_connector(args, timeout=60):
    out = subprocess.run([PY, os.path.join(HERE, "connector.py")] + args,
                         capture_output=True, text=True, timeout=timeout)
    if out.returncode != 0:
        raise RuntimeError("connector failed: %s" % out.stderr)
    return json.loads(out.stdout.strip().splitlines()[-1])


# ---- private network namespace for the fallbacks ----

def in_private_netns(tap, marker, timeout=600):
    """Re-run this script in a new network namespace with lo up (once).
    The re-run's own waits are bounded; timeout is only a backstop."""
    if os.environ.get(marker) == "1":
        subprocess.run(["ip", "link", "set", "lo", "up"], check=True,
                       timeout=30)
        return
    env = dict(os.environ, **{marker: "1"})
    try:
        r = subprocess.run(["unshare", "--net", "--kill-child", "--", PY] +
                           sys.argv, env=env, timeout=timeout)
    except (OSError, subprocess.TimeoutExpired) as e:
        tap.ok(False, "the test runs in a network namespace of its own", e)
        tap.done()
    sys.exit(r.returncode)


# ---- audit netlink, for checking the kernel's state ----

NETLINK_AUDIT = 9
AUDIT_GET, AUDIT_SET, AUDIT_LIST_RULES, AUDIT_DEL_RULE = 1000, 1001, 1013, 1012
AUDIT_EXIT, AUDIT_ARCH, AUDIT_MSGTYPE, EPERM_U32 = 103, 11, 12, (1 << 32) - 1
STATUS = "=10I"   # mask enabled failure pid rate_limit backlog_limit lost
                  # backlog feature_bitmap backlog_wait_time


def _audit_request(typ, payload=b"", flags=0x1, want=None):
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_AUDIT)
    s.settimeout(2)
    try:
        s.bind((0, 0))
        s.send(struct.pack("=IHHII", 16 + len(payload), typ, flags, 1, 0) + payload)
        replies = []
        while True:
            d = s.recv(65536)
            off = 0
            while off + 16 <= len(d):
                ln, t, _, _, _ = struct.unpack_from("=IHHII", d, off)
                body = d[off + 16:off + ln]
                if t == 2:     # NLMSG_ERROR: an ack (0) or an error
                    err = struct.unpack_from("=i", body)[0]
                    if err or want is None:
                        return err, replies
                elif t == 3:   # NLMSG_DONE
                    return 0, replies
                else:
                    replies.append((t, body))
                    if want is not None and t == want and typ != AUDIT_LIST_RULES:
                        return 0, replies
                off += (ln + 3) & ~3
    finally:
        s.close()


def audit_status():
    _, r = _audit_request(AUDIT_GET, want=AUDIT_GET)
    v = struct.unpack_from(STATUS, r[0][1].ljust(40, b"\0"))
    return dict(zip(("mask enabled failure pid rate_limit backlog_limit lost "
                     "backlog features backlog_wait_time").split(), v))


def _rule_fields(body):
    flags, action, count = struct.unpack_from("=III", body)
    fields = struct.unpack_from("=64I", body, 12 + 256)
    values = struct.unpack_from("=64I", body, 12 + 256 + 256)
    return flags, action, dict(zip(fields[:count], values[:count]))


def all_rules():
    """Every audit rule: (flags, action, {field: value}, raw body)."""
    _, r = _audit_request(AUDIT_LIST_RULES, flags=0x1 | 0x300, want=AUDIT_LIST_RULES)
    return [_rule_fields(body) + (body,) for t, body in r
            if t == AUDIT_LIST_RULES and len(body) >= 12 + 3 * 256]


def eperm_rules():
    """(arch, raw body) of the exit rules that match exit == -EPERM."""
    return [(f.get(AUDIT_ARCH), body) for flags, _, f, body in all_rules()
            if flags == 4 and f.get(AUDIT_EXIT) == EPERM_U32]


def exclude_rules():
    """Raw bodies of never,exclude rules on message types (the probe's)."""
    return [body for flags, action, f, body in all_rules()
            if flags == 5 and action == 0 and AUDIT_MSGTYPE in f]


def audit_delete_rule(body):
    return _audit_request(AUDIT_DEL_RULE, body, flags=0x5)[0]


def audit_set(mask, **kw):
    vals = [mask, kw.get("enabled", 0), 0, kw.get("pid", 0), 0,
            kw.get("backlog_limit", 0), 0, 0, 0, kw.get("backlog_wait_time", 0)]
    return _audit_request(AUDIT_SET, struct.pack(STATUS, *vals) + b"\0" * 4,
                          flags=0x5)[0]
