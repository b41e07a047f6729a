#!/usr/bin/python3
"""host_receiver.py: measure cellos-telemetry-host (prints, asserts nothing).

1. decode+JSON throughput on one core: build/tools/host_bench (the
   receiver's connection path over a stream prepared in memory);
2. the real binary over AF_UNIX: frames per CPU-second of the receiver
   process (utime+stime from /proc), output to /dev/null;
3. memory per idle connection: VmRSS with N idle connections minus none,
   both for connected-and-silent and for each holding a partial frame.

Usage (from the top folder, after make): bench/host_receiver.py [N]
"""
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "tests", "integ"))
from hostlib import BUILD, Host, ev, frame, hello  # noqa: E402

N = int(sys.argv[1]) if len(sys.argv) > 1 else 1000


def cpu_s(pid):
    f = open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")


def throughput_tool():
    r = subprocess.run([os.path.join(BUILD, "tools", "host_bench"), "1000000"],
                       capture_output=True, text=True)
    print("host_bench (in-process, one core): " + r.stdout.strip())


def throughput_binary(frames=300000):
    h = Host(out="/dev/null", args=["--keepalive-ms", "600000"])
    chunk = frame(hello(0)) + b"".join(
        frame(ev("process.exec", pid=1000 + i, comm="python3", seq=i + 1,
                 ppid=999, exe="/usr/bin/python3.11",
                 argv="/usr/bin/python3\x00-c\x00print('hello')", argc=3))
        for i in range(1000))
    # seqs repeat per chunk: use a new instance (session 1) each time so
    # every frame is written, none dropped as a replay
    bodies = []
    for k in range(frames // 1000):
        bodies.append(frame(hello(0, session=1, boot="b%d" % k)) + chunk[len(frame(hello(0))):])
    data = b"".join(bodies)
    c0 = cpu_s(h.proc.pid)
    s = h.connect()
    t0 = time.time()
    s.sendall(data)
    s.close()
    want = len(bodies) * 1001
    while True:
        st = h.stats()
        lines = [l for l in st.splitlines() if "output:" in l][-1]
        if int(lines.split("lines ")[1].split()[0]) >= want:
            break
        time.sleep(0.05)
    c1 = cpu_s(h.proc.pid)
    wall = time.time() - t0
    h.stop()
    print("binary over AF_UNIX: %d frames (%d bytes), receiver CPU %.2f s: "
          "%.0f frames per CPU-second (wall %.2f s, client included)"
          % (want, len(data), c1 - c0, want / max(c1 - c0, 1e-9), wall))


def idle_memory(partial):
    h = Host(args=["--keepalive-ms", "600000"])
    time.sleep(0.3)
    r0 = h.rss_kb()
    socks = []
    f = frame(ev("process.spawned", seq=1))
    for i in range(N):
        s = h.connect()
        if partial:
            s.sendall(f[:-1])
        socks.append(s)
    time.sleep(1.0)
    r1 = h.rss_kb()
    h.stats()
    for s in socks:
        s.close()
    h.stop()
    print("idle memory (%s): VmRSS %d kB with no connection, %d kB with %d: "
          "%.2f kB per connection" % ("each holding a partial frame" if partial
                                      else "connected, silent",
                                      r0, r1, N, (r1 - r0) / N))


throughput_tool()
throughput_binary()
idle_memory(False)
idle_memory(True)
