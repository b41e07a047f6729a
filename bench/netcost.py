#!/usr/bin/python3
"""netcost.py: benchmark 7, the net probe: what its BPF hooks cost a
connect, a connect+send+close and UDP, with and without the outcome
layer, against no hooks at all; what it sustains before the ring counts
loss; and each mechanism's capture of a refused burst.

It runs bench/netconnect.c (a network namespace and a cgroup of its own)
and turns its rows into tables: the baseline of each cost row is the
same call with no hooks, measured in the same run, rounds interleaved.
"""
import os
import subprocess

import benchlib as bl

NETCONNECT = os.path.join(bl.BUILD, "bench", "netconnect")


def main():
    out = subprocess.run([NETCONNECT, "-r"], capture_output=True, text=True,
                         timeout=600)
    tables = {"capture": bl.Table("netcost_capture",
                                  "7a. net: capture of a 1,000 refused-connect burst"),
              "cost": bl.Table("netcost", "7b. net: cost per call (ns), "
                               "median of 7 interleaved rounds"),
              "sustain": bl.Table("netcost_sustain",
                                  "7c. net: records delivered, 1 s each")}
    base = {}
    for line in out.stdout.splitlines():
        f = line.split("\t")
        if len(f) != 6 or f[0] != "row":
            continue
        # flag: "" a cost row's baseline, "vs-none" compared with it, "-" neither
        _, table, name, value, unit, flag = f
        what = name.rsplit(", ", 1)[0]      # the call and its unit
        if flag == "":
            base[what] = name
        tables[table].add(name, float(value), unit,
                          base.get(what) if flag == "vs-none" else None)
    for t in tables.values():
        if t.rows:
            t.show()
    if out.returncode != 0 or not tables["cost"].rows:
        print(out.stdout[-2000:], out.stderr[-2000:])
        raise SystemExit(1)


if __name__ == "__main__":
    main()
