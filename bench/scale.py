#!/usr/bin/python3
"""scale.py: benchmark 6, one host process with many cells.

One cellos-telemetry-host with CELLS cells (default 1,000), each with a
connected agent-like client of bench/cells (one process driving them all,
valid frames from our encoder, guest_monotonic_ns = when each event was
due), RATE events/s per cell (default 1,000) for SECS seconds (default
10).  The driver reads the host's JSON output from a fifo: events/s out,
p50/p99 host-receive latency (host_received_at against the guest stamp,
same machine and clocks), and the seq gaps the host reported.  Driver on
CPU 0, host on CPU 1.  Then the same at a tenth of the rate, which two
shared cores can carry, twice: with the host's process model off
(--process-slots 0) and on (the default), for the model's cost in host
CPU time and peak RSS (the ratios of the "model on" rows are to the
"model off" run of the same invocation; the others' baseline is the
offered rate).  The driver's events are a cell's life in cycles of
spawn, exec, connect and exit (bench/cells.c).  BENCH_CELLS, BENCH_RATE,
BENCH_SECS override the sizes.
"""
import os
import re
import subprocess

import benchlib as bl

CELLS = int(os.environ.get("BENCH_CELLS", 200 if bl.QUICK else 1000))
RATE = int(os.environ.get("BENCH_RATE", 1000))
SECS = float(os.environ.get("BENCH_SECS", 3 if bl.QUICK else 10))
DRIVER = os.path.join(bl.BUILD, "bench", "cells")


def cpu_s(pid):
    """utime + stime of pid so far, in seconds."""
    f = open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")


def run(cells, rate, secs, extra=()):
    d = bl.tmp("cells%d%s" % (rate, "".join(extra).replace("-", "")))
    os.mkdir(d)
    fifo = os.path.join(d, "out.fifo")
    os.mkfifo(fifo)
    rfd = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    drv = bl.start([DRIVER, "-n", str(cells), "-r", str(rate), "-t", str(secs), d],
                   cpu=0, stdin=rfd, stdout=subprocess.PIPE, text=True)
    os.close(rfd)
    argv = [bl.HOST, "--run-id", "bench", "--out", fifo, "--keepalive-ms",
            "600000"] + list(extra)
    for k in range(cells):
        argv += ["--cell", "c%d:%s/c%d.sock" % (k, d, k)]
    err = os.path.join(d, "host.err")
    host = bl.start(argv, cpu=1, stderr=open(err, "w"))
    out = drv.communicate(timeout=secs + 300)[0]
    rss = bl.proc_status(host.pid, "VmHWM")
    cpu = cpu_s(host.pid)
    bl.stop(host)
    r = dict(kv.split("=") for kv in out.split())
    st = open(err).read()
    r["host_gap_seqs"] = sum(int(x) for x in re.findall(r"gaps \d+ \((\d+) seqs\)", st))
    r["host_frames"] = sum(int(x) for x in re.findall(r"cell c\d+: .*?frames (\d+)", st))
    r["host_hwm_kb"] = rss
    r["host_cpu_s"] = cpu
    r["procs"] = sum(int(x) for x in re.findall(r"processes \d+ \(peak (\d+)\)", st))
    r["evicted"] = sum(int(x) + int(y) for x, y in re.findall(
        r"evicted exited (\d+) live (\d+)", st))
    return r


def rows(t, r, tag, vs=None):
    """The rows of one run; vs: the tag of the run its CPU and RSS are
    compared with (the model off)."""
    base = "%s: offered (cells x rate)" % tag
    t.add(base, float(r["offered_per_s"]), "events/s")
    t.add("%s: made and sent by the driver" % tag, float(r["made_per_s"]),
          "events/s", base, "driver busy %s, %s blocked client-passes" %
          (r["driver_busy"], r["blocked_passes"]))
    t.add("%s: out of the host (JSON lines)" % tag, float(r["out_per_s"]),
          "events/s", base, "%s events in %s s + drain" % (r["events_out"], r["secs"]))
    for p in ("p50_us", "p99_us", "p999_us", "max_us"):
        t.add("%s: host-receive latency %s" % (tag, p[:-3]), int(r[p]), "us")
    t.add("%s: seq gaps the host reported" % tag, r["host_gap_seqs"], "events",
          None, "%s telemetry_dropped lines" % r["gap_lines"])
    note = "" if vs is None else "goal <= 1.5x"
    t.add("%s: host CPU time" % tag, r["host_cpu_s"], "s",
          vs and "%s: host CPU time" % vs, note)
    note = "" if vs is None else "goal <= 65536 kB; %d instances held at " \
        "the peak over all cells, %d evicted" % (r["procs"], r["evicted"])
    t.add("%s: host peak RSS" % tag, r["host_hwm_kb"], "kB",
          vs and "%s: host peak RSS" % vs, note)


def main():
    t = bl.Table("scale", "6. scale: one host, %d cells, %g s per run" % (CELLS, SECS))
    rows(t, run(CELLS, RATE, SECS), "%d/s per cell" % RATE)
    if RATE >= 10:
        tag = "%d/s per cell" % (RATE // 10)
        rows(t, run(CELLS, RATE // 10, SECS, ["--process-slots", "0"]),
             tag + ", model off")
        rows(t, run(CELLS, RATE // 10, SECS), tag + ", model on",
             tag + ", model off")
    t.show()


if __name__ == "__main__":
    bl.run(main)
