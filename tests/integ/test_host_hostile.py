#!/usr/bin/python3
"""test_host_hostile.py: the receiver against a hostile guest: random
bytes, a 4 GiB length prefix, truncated frames, every bad vector, 1,000
connections opened and dropped, more connections than the pool holds, a
client that sends one byte per second.  Throughout, the receiver stays up,
its memory stays bounded, and every good frame sent in between comes out."""
import os
import random
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hostlib import (CE, Host, Tap, counter, frame, guest, spawned,  # noqa: E402
                     vectors, ev)

t = Tap()
CAP = 4096          # HOST_MAX_CONNS in src/lib/caps.h


def caps_max_conns():
    here = os.path.dirname(os.path.abspath(__file__))
    for line in open(os.path.join(here, "..", "..", "src", "lib", "caps.h")):
        if line.startswith("#define HOST_MAX_CONNS"):
            return int(line.split()[2])
    return CAP


class Good:
    """A well-behaved connection whose frames must all come out."""

    def __init__(self, h):
        self.s = h.connect()
        self.sent = 0

    def send(self, n=1):
        for _ in range(n):
            self.s.sendall(frame(ev("process.spawned", pid=4242, comm="good",
                                    ns=self.sent)))
            self.sent += 1


def good_out(h):
    return [l for l in guest(h.lines()) if l["data"]["guest_pid"] == 4242]


def closed_by_peer(s, timeout=5):
    s.settimeout(timeout)
    try:
        return s.recv(1) == b""
    except (ConnectionResetError, BrokenPipeError):
        return True
    except socket.timeout:
        return False


def random_bytes(h, g):
    rnd = random.Random(1)
    for i in range(20):
        s = h.connect()
        try:
            s.sendall(bytes(rnd.getrandbits(8) for _ in range(rnd.randrange(1, 20000))))
        except (BrokenPipeError, ConnectionResetError):
            pass
        g.send()
        s.close()
    h.wait_lines(lambda ls: len(good_out(h)) >= g.sent)
    t.ok(h.alive() and len(good_out(h)) == g.sent,
         "random bytes on 20 connections: up, every good frame out (%d)" % g.sent)


def four_gib(h, g):
    s = h.connect()
    s.sendall(b"\xff\xff\xff\xff" + b"A" * 64)
    t.ok(closed_by_peer(s), "a 4 GiB length prefix closes that connection")
    s.close()
    g.send()
    ls = h.wait_lines(lambda ls: len(good_out(h)) >= g.sent)
    rej = [l["data"]["error"] for l in ls if l["type"] == CE + "frame_rejected"]
    t.ok("FrameTooLarge" in rej and len(good_out(h)) == g.sent,
         "frame_rejected FrameTooLarge, and good frames still flow", rej[-3:])


def truncated(h, g):
    f = frame(spawned(1))
    for cut, err in ((3, "ShortHeader"), (len(f) - 1, "FrameTruncated"), (4, "FrameTruncated")):
        before = len([l for l in h.lines() if l["type"] == CE + "frame_rejected"])
        s = h.connect()
        s.sendall(f[:cut])
        s.close()
        ls = h.wait_lines(lambda ls: len([l for l in ls if l["type"] ==
                                          CE + "frame_rejected"]) > before)
        last = [l["data"] for l in ls if l["type"] == CE + "frame_rejected"][-1]
        t.ok(last["error"] == err and last["frame_bytes"] == cut,
             "a frame cut after %d bytes: %s" % (cut, err), last)
    g.send()


def bad_vectors(h, g):
    bad = vectors("bad.txt")
    wrong = []
    for err, name, data in bad:
        if not data:
            continue                    # ShortHeader/empty: no bytes at all
        before = len([l for l in h.lines() if l["type"] == CE + "frame_rejected"])
        s = h.connect()
        s.sendall(data)
        closes = err == "FrameTooLarge"
        tail = err in ("ShortHeader", "FrameTruncated")
        if not closes and not tail:
            g.send()                    # same cell, other connection
            s.sendall(frame(ev("process.spawned", pid=4242, comm="good", ns=0)))
            g.sent += 1                 # and on the same connection too
        s.close()
        ls = h.wait_lines(lambda ls: len([l for l in ls if l["type"] ==
                                          CE + "frame_rejected"]) > before)
        rej = [l["data"]["error"] for l in ls if l["type"] == CE + "frame_rejected"]
        if rej[before:] != [err]:
            wrong.append((name, err, rej[before:]))
    h.wait_lines(lambda ls: len(good_out(h)) >= g.sent)
    t.ok(not wrong, "every bad vector gives frame_rejected with its error (%d)"
         % len([b for b in bad if b[-1]]), wrong)
    t.ok(len(good_out(h)) == g.sent and h.alive(),
         "good frames after each bad one, on its connection and another, come out")
    st = h.stats()
    t.ok(counter(st, "frames") > 0 and "UnexpectedEof=" in st and "InvalidUtf8=" in st,
         "rejects counted by error name", st)


def churn(h, g, rounds):
    """Each round opens 1,000 connections, each holding a partial frame,
    waits until the receiver has them all open and read at once, then
    drops them.  RSS and the pool's peak are taken at that moment."""
    rss, peaks = [h.rss_kb()], []
    f = frame(spawned(1))
    for r in range(rounds):
        before = counter(h.stats(), "bytes")
        socks = []
        for i in range(1000):
            s = h.connect()
            s.sendall(f[:50])           # a partial frame in every reader
            socks.append(s)
        st = h.wait_stats(lambda st: counter(st, "open") >= 1001 and
                        counter(st, "bytes") >= before + 50 * 1000)
        peaks.append(counter(st, "peak", None))
        rss.append(h.rss_kb())
        g.send()
        for s in socks:
            s.close()
        h.wait_lines(lambda ls: len(good_out(h)) >= g.sent)
        h.wait_stats(lambda st: counter(st, "open") == 1)
    return rss, peaks


def thousand(h, g):
    """Memory follows how many connections are open at once, bounded by
    the pool: at the same peak it is the same, round after round."""
    rss, peaks = churn(h, g, 3)
    t.ok(h.alive() and len(good_out(h)) == g.sent,
         "1,000 connections opened and dropped, three times: up, good frames out")
    t.ok(1001 <= peaks[0] <= caps_max_conns() and peaks == [peaks[0]] * 3,
         "the pool's peak is the same each round (%d of %d slots)"
         % (peaks[0], caps_max_conns()), peaks)
    t.ok(max(rss[1:]) - min(rss[1:]) <= 128,
         "at the same peak, RSS is the same each round (kB %s)" % rss[1:], rss)
    t.ok(rss[1] - rss[0] <= peaks[0] * 8 + 1024,
         "the first 1,000 cost at most the pool's slots they use: %d kB for "
         "%d slots" % (rss[1] - rss[0], peaks[0]), rss)


def over_capacity(h, g):
    cap = caps_max_conns()
    base = counter(h.stats(), "refused")
    socks = []
    for i in range(cap + 20):
        socks.append(h.connect())
    time.sleep(0.5)
    g.send()        # g holds a slot: one more refused beyond cap - 1 others
    st = h.stats()
    refused = counter(st, "refused") - base
    t.ok(refused == 21, "past %d open connections new ones are refused (%d)"
         % (cap, refused), st)
    rss = h.rss_kb()
    for s in socks:
        s.close()
    time.sleep(0.5)
    s = h.connect()
    s.sendall(frame(ev("process.spawned", pid=4242, comm="good", ns=0)))
    g.sent += 1
    h.wait_lines(lambda ls: len(good_out(h)) >= g.sent)
    t.ok(h.alive() and len(good_out(h)) == g.sent,
         "after the flood a new connection works (RSS at the cap %d kB)" % rss)
    s.close()


def slow_client(h, g):
    f = frame(spawned(77, pid=777))
    slow = h.connect()
    t0 = time.time()
    n = 0
    for i in range(5):                  # 5 bytes, one per second
        slow.sendall(f[i:i + 1])
        n += 1
        g.send(5)
        ls = h.wait_lines(lambda ls: len(good_out(h)) >= g.sent, timeout=5)
        if len(good_out(h)) != g.sent:
            break
        time.sleep(max(0, t0 + i + 1 - time.time()))
    t.ok(len(good_out(h)) == g.sent, "while a client sends 1 byte/s, another's "
         "frames keep coming out (%d)" % g.sent)
    slow.sendall(f[n:])
    ls = h.wait_lines(lambda ls: any(l["data"].get("guest_pid") == 777 for l in guest(ls)))
    t.ok(any(l["data"].get("guest_pid") == 777 for l in guest(ls)),
         "the slow client's frame, once whole, comes out")
    slow.close()


h = Host()
g = Good(h)
random_bytes(h, g)
four_gib(h, g)
truncated(h, g)
bad_vectors(h, g)
thousand(h, g)
over_capacity(h, g)
slow_client(h, g)
t.ok(h.alive(), "the receiver is still up")
rc = h.stop()
t.ok(rc == 0, "clean exit", h.stderr()[-400:])
t.done()
