#!/usr/bin/python3
"""test_manpages.py: the man pages are lint-clean (mandoc -Tlint at
warning level) and every flag in each binary's --help appears in its man
page, and every flag the man page documents is in --help.  The agent's
SIGNALS section names every signal there is, and every one that
src/agent/startup.c gives a disposition."""
import os
import re
import signal
import subprocess
import sys

BUILD = os.environ.get("BUILD", "build")
TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PAGES = {"cellos-telemetry": "man/cellos-telemetry.8",
         "cellos-telemetry-host": "man/cellos-telemetry-host.1"}


def expand(tokens):
    """'-fhVv' is four short flags; '--x' is one long flag."""
    out = set()
    for t in tokens:
        if t.startswith("--"):
            out.add(t)
        else:
            out.update("-" + c for c in t[1:])
    return out


def help_flags(binary):
    text = subprocess.run([os.path.join(BUILD, binary), "--help"],
                          capture_output=True, text=True, timeout=30).stdout
    return expand(re.findall(r"(?<![\w-])(--[a-z][a-z-]*|-[a-zA-Z]+)\b", text))


def man_flags(page):
    text = open(os.path.join(TOP, page)).read()
    toks = re.findall(r"\bFl\s+(-?[a-zA-Z][-a-zA-Z]*)", text)
    return expand("-" + t for t in toks)


def main():
    n = fails = 0
    for page in sorted(os.listdir(os.path.join(TOP, "man"))):
        r = subprocess.run(["mandoc", "-Tlint", "-W", "warning",
                            os.path.join(TOP, "man", page)],
                           capture_output=True, text=True, timeout=30)
        n += 1
        ok = r.returncode == 0
        fails += not ok
        print("%sok %d - mandoc -Tlint: man/%s" % ("" if ok else "not ", n, page))
        if not ok:
            print("# " + (r.stdout + r.stderr).replace("\n", "\n# "))
    for binary, page in PAGES.items():
        h, m = help_flags(binary), man_flags(page)
        for what, missing in (("--help flags in %s" % page, h - m),
                              ("%s flags in --help" % page, m - h)):
            n += 1
            fails += bool(missing)
            print("%sok %d - %s: %s" % ("not " if missing else "", n, what,
                  "all %d" % len(h) if not missing else
                  "missing " + " ".join(sorted(missing))))
    n += 1
    missing = signals_missing()
    fails += bool(missing)
    print("%sok %d - man/cellos-telemetry.8 SIGNALS names every signal%s" %
          ("not " if missing else "", n,
           ": missing " + " ".join(missing) if missing else ""))
    print("1..%d" % n)
    return 1 if fails else 0


def signals_missing():
    """Signal names that the agent's code or Python's list has and the
    agent's SIGNALS section does not."""
    page = open(os.path.join(TOP, "man", "cellos-telemetry.8")).read()
    sect = page[page.index(".Sh SIGNALS"):page.index(".Sh ENVIRONMENT")]
    code = open(os.path.join(TOP, "src", "agent", "startup.c")).read()
    names = set(s.name for s in signal.Signals)
    names |= set(re.findall(r"\bSIG[A-Z0-9]+\b", code))
    return sorted(x for x in names if not re.search(r"\b%s\b" % x, sect))


if __name__ == "__main__":
    sys.exit(main())
