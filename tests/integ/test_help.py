#!/usr/bin/python3
"""test_help.py: --help and --version of both binaries, as GNU tools do.

For the release agent and the host: --help and -h print the same usage
on stdout, nothing on stderr, exit 0, and name both long options;
--version and -V print "NAME VERSION" (the Makefile's) alone, exit 0; an
unknown option exits 2 with a message and the usage on stderr, nothing
on stdout.  Neither --help nor --version starts anything (the agent would
fork or connect; it returns at once instead).
"""
import os
import re
import subprocess

from tap import Tap

BUILD = os.environ.get("BUILD", "build")
TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
VERSION = re.search(r"^VERSION\s*:?=\s*(\S+)", open(os.path.join(TOP, "Makefile")).read(),
                    re.M).group(1)
# CELLOS_TELEMETRY_CMDLINE: nothing of ours, whatever this machine's is.
CMDLINE = "/dev/null"
t = Tap()


def run(argv):
    """(exit status, stdout, stderr); status None if it ran for 30 s."""
    env = dict(os.environ, CELLOS_TELEMETRY_CMDLINE=CMDLINE)
    try:
        p = subprocess.run(argv, capture_output=True, text=True, env=env,
                           timeout=30)
    except subprocess.TimeoutExpired as e:
        return None, e.stdout or "", (e.stderr or "") + " (still running)"
    return p.returncode, p.stdout, p.stderr


for name in ("cellos-telemetry", "cellos-telemetry-host"):
    binary = os.path.join(BUILD, name)
    rc, out, err = run([binary, "--help"])
    t.ok(rc == 0 and out.startswith("usage: %s " % name) and err == "",
         "%s --help: usage on stdout, nothing on stderr, exit 0" % name,
         (rc, out[:200], err))
    t.ok("--help" in out and "--version" in out,
         "%s --help: names --help and --version" % name, out)
    rc2, out2, err2 = run([binary, "-h"])
    t.ok(rc2 == 0 and out2 == out, "%s -h: the same as --help" % name,
         (rc2, out2[:200], err2))
    for opt in ("--version", "-V"):
        rc, out, err = run([binary, opt])
        t.ok(rc == 0 and out == "%s %s\n" % (name, VERSION) and err == "",
             "%s %s: '%s %s' on stdout, exit 0" % (name, opt, name, VERSION),
             (rc, out, err))
    for bad in (["--bogus"], ["--help=yes"], ["-Z"]):
        rc, out, err = run([binary] + bad)
        t.ok(rc == 2 and out == "" and ("usage: %s " % name) in err and
             err.index("usage:") > 0,
             "%s %s: exit 2, a message and the usage on stderr" % (name, bad[0]),
             (rc, out, err))
t.done()
