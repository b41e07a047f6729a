#!/usr/bin/python3
"""test_host_output.py: write errors on the receiver's output are never
silent: a full device (/dev/full), a small tmpfs that fills up, a pipe
whose reader is gone.  Lines lost are counted, logged, shown by SIGUSR1,
and make the exit status 1; with --ack, what was not written is not
acknowledged and the connection is closed so the agent can replay."""
import json
import os
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hostlib import Host, Tap, counter, frame, hello, spawned  # noqa: E402

t = Tap()


def send_some(h, n, first=1):
    s = h.connect()
    try:
        s.sendall(frame(hello(0)) + b"".join(frame(spawned(i))
                                             for i in range(first, first + n)))
    except (BrokenPipeError, ConnectionResetError):
        pass                            # --ack: the receiver closed it
    return s


def wait_lost(h, n, timeout=10):
    end = time.time() + timeout
    while time.time() < end:
        st = h.stats()
        if counter(st, "lost", None) >= n:
            return st
        time.sleep(0.1)
    return st


def dev_full():
    h = Host(out="/dev/full")
    s = send_some(h, 10)
    st = wait_lost(h, 11)
    t.ok(counter(st, "lost", None) == 11 and "No space left on device" in st,
         "/dev/full: all 11 lines counted lost, with the error", st)
    t.ok("event lines lost" in h.stderr(), "and logged", h.stderr())
    s.close()
    t.ok(h.alive(), "the receiver stays up")
    rc = h.stop()
    t.ok(rc == 1 and "were lost on the output" in h.stderr(),
         "exit status 1 says lines were lost", h.stderr()[-300:])


def closed_pipe():
    r, w = os.pipe()
    os.close(r)
    h = Host(stdout=w)
    os.close(w)
    s = send_some(h, 5)
    st = wait_lost(h, 6)
    t.ok(counter(st, "lost", None) == 6 and "Broken pipe" in st,
         "a closed pipe: lines counted lost (EPIPE), no SIGPIPE death", st)
    s.close()
    rc = h.stop()
    t.ok(rc == 1, "exit status 1", rc)


def small_tmpfs():
    d = tempfile.mkdtemp(prefix="cth-tmpfs-", dir="/tmp")
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", d],
                             capture_output=True, timeout=30).returncode == 0
    if not mounted:
        t.skip("a filling tmpfs", "cannot mount tmpfs here")
        os.rmdir(d)
        return
    try:
        out = os.path.join(d, "out.jsonl")
        h = Host(out=out)
        s = h.connect()
        n = 400                           # ~500 bytes each: > 64 KiB
        for i in range(n):
            s.sendall(frame(spawned(i)))
        st = wait_lost(h, 1)
        time.sleep(0.5)
        st = h.stats()
        written, lost = counter(st, "lines", None), counter(st, "lost", None)
        data = open(out, "rb").read()
        whole = data.split(b"\n")[:-1]
        ok = all(json.loads(l) for l in whole)
        t.ok(lost > 0 and written + lost == n and len(whole) == written and ok,
             "a full tmpfs: written %d + lost %d = sent %d; every whole line "
             "parses" % (written, lost, n), st)
        s.close()
        h.stop()
    finally:
        subprocess.run(["umount", d], timeout=30)
        os.rmdir(d)


def ack_held():
    h = Host(out="/dev/full", args=["--ack"])
    s = send_some(h, 5)
    s.settimeout(5)
    try:
        data = s.recv(4096)             # b"": the receiver closed it
    except ConnectionResetError:
        data = b""
    except socket.timeout:
        data = None
    st = h.stats()
    t.ok(data == b"" and counter(st, "acks") == 0 and counter(st, "open") == 0,
         "--ack: nothing written, nothing acknowledged, and the connection "
         "is closed", (data, st))
    h.stop()


dev_full()
closed_pipe()
small_tmpfs()
ack_held()
t.done()
