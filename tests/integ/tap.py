"""tap.py: what every integration test shares: TAP output, bounded waits
and the capacities the binaries were built with.

Tap prints one "ok N - name" or "not ok N - name" line per check (with the
first lines of a diagnostic under a failure), skips, and the plan at the
end; its exit status says whether anything failed.  The waits never block
for ever: each has a timeout and returns what it saw, so a helper that
died, a fifo nobody opened or a line that never came fails a check with
what was expected instead of hanging.  Not a test itself (the harness
runs tests/integ/test_* only).
"""
import errno
import os
import select
import sys
import time

WAIT = 30.0     # generous: a timeout, never a speed


class Tap:
    def __init__(self):
        self.n = 0
        self.failed = 0

    def ok(self, cond, name, diag=None):
        """One check; diag (any object) is printed under a failure."""
        self.n += 1
        if not cond:
            self.failed += 1
        print("%sok %d - %s" % ("" if cond else "not ", self.n, name))
        if not cond and diag is not None:
            for line in str(diag).splitlines()[:20]:
                print("# " + line)
        sys.stdout.flush()
        return cond

    def skip(self, name, why):
        self.n += 1
        print("ok %d - %s # SKIP %s" % (self.n, name, why), flush=True)

    def skip_all(self, why):
        print("1..0 # SKIP " + why, flush=True)
        sys.exit(0)

    def done(self):
        """The plan; exits 1 if a check failed, else 0."""
        print("1..%d" % self.n, flush=True)
        sys.exit(1 if self.failed else 0)


def wait_until(pred, timeout=WAIT, step=0.02):
    """pred() once it is true, or its last value after timeout seconds."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        v = pred()
        if v:
            return v
        time.sleep(step)
    return pred()


def read_line(f, timeout=WAIT):
    """One line from the pipe f (a binary file object), or what came
    before EOF or the timeout: never blocks longer than timeout."""
    fd, line = f.fileno(), b""
    end = time.monotonic() + timeout
    while not line.endswith(b"\n"):
        left = end - time.monotonic()
        if left <= 0 or not select.select([fd], [], [], left)[0]:
            break
        c = os.read(fd, 1)
        if not c:
            break
        line += c
    return line


def fifo_write(path, data, timeout=WAIT, alive=lambda: True):
    """Write data (bytes, small) into the fifo at path once a reader has
    it open.  False if none did within timeout or alive() turned false
    (the child that should read it is gone)."""
    end = time.monotonic() + timeout
    while True:
        try:
            fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK)
        except OSError as e:
            if e.errno != errno.ENXIO:
                raise
            if time.monotonic() > end or not alive():
                return False
            time.sleep(0.02)
            continue
        try:
            os.write(fd, data)
        finally:
            os.close(fd)
        return True


def caps(name):
    """A capacity of src/lib/caps.h (a plain number), as built."""
    here = os.path.dirname(os.path.abspath(__file__))
    for line in open(os.path.join(here, "..", "..", "src", "lib", "caps.h")):
        f = line.split()
        if len(f) >= 3 and f[0] == "#define" and f[1] == name:
            return int(f[2])
    raise KeyError(name)
