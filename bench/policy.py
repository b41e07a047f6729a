#!/usr/bin/python3
"""policy.py: benchmark 10, the receiver's cost of judging a policy.

build/tools/host_bench (the receiver's connection path in-process on a
stream in memory: exec, fs, connect, spawn, exit and heartbeat frames;
CPU time on one core) without a policy, then with a policy of 100 rules
per cell (34 connect, 33 exec, 33 write): every connect, exec and write
walks all the rules of its kind, only the last of which (an allow)
matches, so nothing is a violation and the figure is the rule walk
itself.  Then the same 100 rules with that last one a deny: every judged
event is also a violation line (the cost of writing them).  Each run
five times, alternating, the median kept; ratio to no policy.
"""
import os
import re
import subprocess

import benchlib as bl

N = 200000 if bl.QUICK else 1000000
TOOL = os.path.join(bl.BUILD, "tools", "host_bench")


def rules(last):
    r = ["connect deny 192.168.%d.0/24:*" % i for i in range(33)]
    r.append("connect %s *" % last)
    r += ["exec deny /opt/app%d/**" % i for i in range(32)]
    r.append("exec %s *" % last)
    r += ["write deny /etc/app%d/**" % i for i in range(32)]
    r.append("write %s *" % last)
    assert len(r) == 100
    path = bl.tmp("policy-%s.rules" % last)
    with open(path, "w") as f:
        f.write("\n".join(r) + "\n")
    return path


def once(policy):
    argv = [TOOL, str(N)] + ([policy] if policy else [])
    r = subprocess.run(["taskset", "-c", "1"] + argv if os.cpu_count() > 1
                       else argv, capture_output=True, text=True)
    m = re.search(r": (\d+) frames/s", r.stdout)
    v = re.search(r"(\d+) violations", r.stdout)
    return (int(m.group(1)) if m else None, int(v.group(1)) if v else 0,
            r.stdout.strip() or r.stderr.strip())


def main():
    t = bl.Table("policy", "10. host: judging a policy (host_bench, %d frames, "
                 "CPU time, one core; median of 5)" % N)
    runs = {"none": [], "allow": [], "deny": []}
    files = {"none": None, "allow": rules("allow"), "deny": rules("deny")}
    for _ in range(5):
        for k in runs:
            runs[k].append(once(files[k]))
    for k in runs:
        print("# %s: %s" % (k, "; ".join(r[2] for r in runs[k])))
    med = {k: bl.median([r[0] for r in runs[k] if r[0]]) for k in runs}
    t.add("no policy", med["none"], "frames/s")
    t.add("100 rules per cell, no violation", med["allow"], "frames/s",
          "no policy", "each judged event walks all its kind's rules")
    t.add("100 rules per cell, every judged event denied", med["deny"],
          "frames/s", "no policy", "%d violation lines"
          % runs["deny"][0][1])
    t.show()


if __name__ == "__main__":
    bl.run(main)
