#!/usr/bin/python3
"""seeds.py NAME OUTDIR: write the seed corpus of one fuzz target.

fuzz_frame starts from every vector frame; the probe parsers' targets
start from records and messages built here the way the kernel lays them
out; any target may also have files committed under tests/fuzz/corpus/NAME/.
"""
import os
import shutil
import socket
import struct
import sys

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def vector_frames():
    vec = os.path.join(TOP, "tests", "vectors")
    for name in ("good.txt", "bad.txt"):
        for line in open(os.path.join(vec, name)):
            if line.startswith("#") or not line.strip():
                continue
            yield bytes.fromhex(line.rstrip("\n").split("\t")[-1])


# ---- net probe: BPF ring buffer records (src/agent/net/net_bpfrec.h) ----

BPF_CGROUP_INET4_CONNECT, BPF_CGROUP_INET6_CONNECT = 10, 11
BPF_CGROUP_UDP4_SENDMSG, BPF_CGROUP_UDP6_SENDMSG = 14, 15


def netrec(attach, family, proto, addr, port, comm=b"curl"):
    a = socket.inet_pton(family, addr).ljust(16, b"\0")
    return struct.pack("<IIQQQQIIII16s16s", 0x314E5443, attach,
                       4242 << 32 | 4243, 100 << 32 | 1000, 123456789, 77,
                       0, 1 if proto == 6 else 2, proto,
                       socket.htons(port), a, comm)


def netconn(kind, status, rec, result=0, sent=1002, rcvd=301, old=5):
    """A sent connection entry (src/agent/net/net_bpfconn.h)."""
    head = struct.pack("<IIIIQQQQQIIII16s16sIIIII4x", 0x324E5443, kind,
                       status, 0, 2000, 1500, sent, rcvd, 3, result,
                       socket.AF_INET, 40000, socket.htons(80),
                       socket.inet_pton(socket.AF_INET, "10.0.0.2").ljust(16, b"\0"),
                       socket.inet_pton(socket.AF_INET, "10.0.0.1").ljust(16, b"\0"),
                       old, 7, 9, 9, 8)
    assert len(head) == 128
    return head + rec


def ring_record(payload, flags=0):
    rec = struct.pack("<II", len(payload) | flags, 0) + payload
    return rec + b"\0" * (-len(rec) % 8)


def ringbuf_seeds():
    v4 = netrec(BPF_CGROUP_INET4_CONNECT, socket.AF_INET, 6, "127.0.0.1", 9)
    v6 = netrec(BPF_CGROUP_UDP6_SENDMSG, socket.AF_INET6, 17, "::1", 53)
    yield b"\x02\x00" + ring_record(v4) + ring_record(v6)
    yield b"\x03\x1e" + ring_record(v4) + ring_record(v6, 1 << 30)
    yield b"\x02\x00" + ring_record(v4) + ring_record(v6, 1 << 31)
    closed = netconn(3, 1, v4)
    yield b"\x03\x00" + ring_record(closed) + ring_record(v4)
    yield b"\x04\x10" + ring_record(netconn(1, 0, v4, result=1)) + \
        ring_record(netconn(2, 2, b"\0" * 88)) + ring_record(v6)


# ---- net probe fallbacks: sock_diag datagrams, /proc/net text ----

def diag_msg(family, state, src, sport, dst, dport, cookie, proto=6,
             info=b""):
    alen = 4 if family == socket.AF_INET else 16
    s = socket.inet_pton(family, src).ljust(16, b"\0")[:16]
    d = socket.inet_pton(family, dst).ljust(16, b"\0")[:16]
    assert alen
    body = struct.pack("=BBBB", family, state, 0, 0)
    body += struct.pack(">HH", sport, dport) + s + d
    body += struct.pack("=IQ", 0, cookie)
    body += struct.pack("=IIIII", 0, 0, 0, 0, 0)
    body += struct.pack("=HHB3x", 5, 8, proto)          # INET_DIAG_PROTOCOL
    if info:                                             # INET_DIAG_INFO
        body += struct.pack("=HH", 4 + len(info), 2) + info
    return struct.pack("=IHHII", 16 + len(body), 20, 0, 1, 0) + body


def sockdiag_seeds():
    yield b"\x00" + diag_msg(socket.AF_INET, 7, "0.0.0.0", 36068,
                             "127.77.1.2", 0, 1)
    # a destroy with tcp_info: bytes_acked/received at 120, sent/retrans at 200
    ti = bytearray(232)
    struct.pack_into("=QQ", ti, 120, 1235, 78)
    struct.pack_into("=QQ", ti, 200, 1300, 66)
    yield b"\x00" + diag_msg(socket.AF_INET, 7, "127.0.0.1", 40000,
                             "127.77.1.2", 80, 2, info=bytes(ti))
    yield b"\x00" + diag_msg(socket.AF_INET6, 1, "::1", 40000, "::1", 443, 9,
                             17) + struct.pack("=IHHIIi", 20, 3, 0, 1, 0, 0)
    yield (b"\x01  sl  local_address rem_address   st tx_queue rx_queue tr "
           b"tm->when retrnsmt   uid  timeout inode\n"
           b"   0: 0100007F:A1C4 0301414D:0035 01 00000000:00000000 "
           b"00:00000000 00000000  1000        0 98765 1 0 20 4 30 10 -1\n")
    yield (b"\x03   0: 00000000000000000000000001000000:8AE2 "
           b"00000000000000000000000001000000:0016 06 00000000:00000000 "
           b"03:00001385 00000000     0        0 0 3 0000000000000000\n")


# ---- capability probe: audit datagrams ----

AUDIT_TEXT = (b"audit(1718000000.123:4567): arch=c000003e syscall=105 "
              b"success=no exit=-1 a0=0 items=0 ppid=812 pid=815 "
              b"auid=4294967295 uid=65534 gid=65534 euid=65534 tty=(none) "
              b"comm=\"python3\" exe=\"/usr/bin/python3.11\" key=(null)")


def audit_seeds():
    # Records carry the payload's length in nlmsg_len (the kernel's quirk).
    yield struct.pack("=IHHII", len(AUDIT_TEXT), 1300, 0, 0, 0) + AUDIT_TEXT
    hexcomm = AUDIT_TEXT.replace(b'comm="python3"', b"comm=6D792070726F67")
    yield struct.pack("=IHHII", len(hexcomm), 1300, 0, 0, 0) + hexcomm
    yield struct.pack("=IHHIIi", 20, 2, 0, 7, 0, -17)
    yield AUDIT_TEXT


# ---- process probe: /proc/PID/stat, status and cmdline text ----

def procfs_seeds():
    tail = b" S 17 4242 4242 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 123456 1000 50\n"
    for comm in (b"sh", b"a) b) (c)", b")", b"((", b"x\ny z", b"0123456789abcde"):
        yield b"4242 (" + comm + b")" + tail
    yield b"Name:\tpython3\nUmask:\t0022\nState:\tS\nUid:\t1000\t1000\t1000\t1000\n"
    yield b"/usr/bin/python3\0-c\0print(1)\0"


# ---- process probe: exec'd files' first bytes, fanotify, mountinfo ----

def exehdr_seeds():
    for path in ("/bin/true", "/bin/sh", "/lib64/ld-linux-x86-64.so.2"):
        if os.path.exists(path):
            with open(path, "rb") as f:
                yield f.read(8192)
    yield b"#!/bin/sh\necho hi\n"
    yield b"#! /usr/bin/env python3 -u\n"
    yield b"#!" + b"x" * 300
    yield b"just text\n"


def fanotify_seeds():
    rec = struct.pack("<IBBHQii", 24, 3, 0, 24, 0x1000, 7, 4242)
    over = struct.pack("<IBBHQii", 24, 3, 0, 24, 0x4000, -1, 0)
    yield rec + rec + over
    yield struct.pack("<IBBHQii", 36, 3, 0, 24, 0x1000, 8, 1) + b"\1" * 12
    if os.path.exists("/proc/self/mountinfo"):
        with open("/proc/self/mountinfo", "rb") as f:
            yield f.read()
    yield b"27 1 254:0 / /a\\040b rw shared:1 - ext4 /dev/vda rw\n"
    # the fs probe's records: FAN_REPORT_DFID_NAME (a create of "f"),
    # then DFID_NAME + FID, after an overflow
    name = struct.pack("<BBH8sIi8s", 2, 0, 32, b"fsid0001", 8, 1,
                       b"handle01") + b"f\0\0\0"
    fid = struct.pack("<BBH8sIi8s", 1, 0, 28, b"fsid0001", 8, 1, b"handle02")
    yield (struct.pack("<IBBHQii", 24 + 32, 3, 0, 24, 0x100, -1, 4242) +
           name + over +
           struct.pack("<IBBHQii", 24 + 60, 3, 0, 24, 0x2, -1, 7) + name + fid)


GENERATED = {
    "fuzz_exehdr": exehdr_seeds,
    "fuzz_fanotify": fanotify_seeds,
    "fuzz_procfs": procfs_seeds,
    "fuzz_ringbuf": ringbuf_seeds,
    "fuzz_sockdiag": sockdiag_seeds,
    "fuzz_audit": audit_seeds,
}


def main(name, out):
    os.makedirs(out, exist_ok=True)
    seeds = list(vector_frames()) if name in ("fuzz_frame", "fuzz_reader") else []
    if name in GENERATED:
        seeds += list(GENERATED[name]())
    for i, s in enumerate(seeds):
        with open(os.path.join(out, "vec%03d" % i), "wb") as f:
            f.write(s)
    committed = os.path.join(TOP, "tests", "fuzz", "corpus", name)
    if os.path.isdir(committed):
        for f in os.listdir(committed):
            shutil.copy(os.path.join(committed, f), out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
