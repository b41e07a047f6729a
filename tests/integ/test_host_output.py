#!/usr/bin/python3
"""test_host_output.py: write errors on the receiver's output are never
silent and lose nothing the receiver could still write: a full device
(/dev/full), a pipe whose reader is gone, a small tmpfs that fills up and
then grows, a pipe whose write is cut in the middle of a line.  Lines that
cannot be written are held (counted, logged, shown by SIGUSR1) and tried
again; whatever is still held when the receiver stops is lost, counted,
and makes the exit status 1.  With --ack nothing unwritten is acked."""
import json
import os
import socket
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hostlib import (BUILD, Host, PipeReader, Tap, counter, frame,  # noqa: E402
                     hello, private_tmpfs, spawned)

t = Tap()
SHIM = os.path.abspath(os.path.join(BUILD, "preload", "wfault.so"))


def send_some(h, n, first=1):
    s = h.connect()
    s.sendall(frame(hello(0)) + b"".join(frame(spawned(i))
                                         for i in range(first, first + n)))
    return s


def held_then_lost(name, h, n, errno_text):
    """n lines held on an output that fails; at the stop they are lost."""
    st = h.wait_stats(lambda st: counter(st, "held", None) == n and
                    counter(st, "errors", None) >= 2)
    t.ok(counter(st, "held", None) == n and counter(st, "errors", None) >= 2 and
         counter(st, "lost", None) == 0 and errno_text in st,
         "%s: all %d lines held, the write tried again (%d failed writes: "
         "%s), none lost yet" % (name, n, counter(st, "errors", None),
                                 errno_text), st)
    t.ok("event lines held" in h.stderr(), "%s: and logged" % name,
         h.stderr()[-300:])
    t.ok(h.alive(), "%s: the receiver stays up" % name)
    rc = h.stop()
    t.ok(rc == 1 and counter(h.stderr(), "lost", None) == n and
         "were lost on the output" in h.stderr(),
         "%s: stopped, exit status 1: the %d lines held are lost" % (name, n),
         h.stderr()[-400:])


def dev_full():
    h = Host(out="/dev/full")
    s = send_some(h, 10)
    held_then_lost("/dev/full", h, 11, "No space left on device")
    s.close()


def closed_pipe():
    r, w = os.pipe()
    os.close(r)
    h = Host(stdout=w)
    os.close(w)
    s = send_some(h, 5)
    held_then_lost("a closed pipe (EPIPE, no SIGPIPE death)", h, 6,
                   "Broken pipe")
    s.close()


def small_tmpfs():
    """A real tmpfs of 64 KiB fills: the file is cut back to its last
    whole line, the rest held; the tmpfs grows: everything comes out,
    once, in order."""
    d = private_tmpfs("64k")
    if not d:
        t.skip("a filling tmpfs", "cannot mount a tmpfs here")
        return
    out = os.path.join(d, "out.jsonl")
    h = Host(out=out)
    s = h.connect()
    n = 400                             # ~500 bytes each: > 64 KiB
    s.sendall(b"".join(frame(spawned(i)) for i in range(n)))
    st = h.wait_stats(lambda st: counter(st, "errors", None) > 0 and
                    counter(st, "lines", None) + counter(st, "held", None) == n)
    data = open(out, "rb").read()
    whole = data.split(b"\n")[:-1]
    t.ok(counter(st, "errors", None) > 0 and data.endswith(b"\n") and
         len(whole) == counter(st, "lines", None) and
         counter(st, "held", None) == n - len(whole) > 0 and
         all(json.loads(l) for l in whole),
         "a full tmpfs: %d lines written whole, %d held, no partial line "
         "(%d cut back)" % (len(whole), counter(st, "held", None),
                            counter(st, "truncated", None)), st)
    subprocess.run(["mount", "-o", "remount,size=4m", d], check=True, timeout=30)
    st = h.wait_stats(lambda st: counter(st, "held", None) == 0)
    seqs = [json.loads(l)["data"]["seq"] for l in open(out, "rb")]
    t.ok(seqs == list(range(n)) and counter(st, "lost", None) == 0,
         "the tmpfs grows: all %d lines out, once each, in order" % n, st)
    s.close()
    t.ok(h.stop() == 0, "exit status 0: nothing was lost")


def pipe_cut():
    """A write to a pipe stops half-way through a line (short, then
    ENOSPC, from the shim): a pipe cannot be cut back, so the receiver
    says so and the rest of the line follows; the reader gets every line
    whole."""
    r, w = os.pipe()
    env = dict(os.environ, LD_PRELOAD=SHIM, WFAULT_FD="1",
               WFAULT_PLAN="ok*1,short*1,enospc*1")
    h = Host(stdout=w, env=env)
    os.close(w)
    reader = PipeReader(r)
    s = h.connect()
    for i in range(3):                  # one line per write
        s.sendall(frame(spawned(i)))
        h.wait_stats(lambda st: counter(st, "lines", None) == i + 1)
    st = h.stats()
    s.close()
    rc = h.stop()
    lines = reader.data(5).split(b"\n")
    t.ok(lines[-1] == b"" and [json.loads(l)["data"]["seq"] for l in lines[:-1]]
         == [0, 1, 2] and counter(st, "cut", None) == 1 and
         counter(st, "errors", None) == 1 and rc == 0,
         "a pipe: a line cut by a failed write is counted (cut 1) and its "
         "rest follows: the reader gets 3 whole lines", (lines, st))
    t.ok("a line was cut in the output" in h.stderr(), "and it says so",
         h.stderr()[-300:])


def ack_held():
    h = Host(out="/dev/full", args=["--ack"])
    s = send_some(h, 5)
    s.settimeout(1)
    try:
        data = s.recv(4096)
    except socket.timeout:
        data = None                     # nothing came: the connection is up
    st = h.wait_stats(lambda st: counter(st, "held", None) == 6)
    t.ok(data is None and counter(st, "acks") == 0 and counter(st, "open") == 1
         and counter(st, "held", None) == 6,
         "--ack: nothing written, nothing acknowledged; the connection stays "
         "open (the agent keeps its frames)", (data, st))
    s.close()
    h.stop()


dev_full()
closed_pipe()
small_tmpfs()
pipe_cut()
ack_held()
t.done()
