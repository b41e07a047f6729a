#!/usr/bin/python3
"""test_agent_cli.py: the agent's command line and kernel command line.

-h/-V (test_help.py has the GNU conventions of both binaries); bad flags and bad cellos.telemetry.* words end in exit 2 with a
message, before anything forks or arms; good cmdline words apply and
flags win over them; the release binary has no test source and links no
heap allocator; the test build's malloc trap does fire.
"""
import os
import signal
import subprocess

from agentlib import (AGENT, RELEASE, Agent, Receiver, Tap, env,
                      frames, tmp, wait_until)

t = Tap()


def run(binary, args, cmdline=None):
    """(exit status, stdout, stderr); status None if it ran for 30 s."""
    try:
        p = subprocess.run([binary] + args, env=env(cmdline),
                           capture_output=True, timeout=30)
    except subprocess.TimeoutExpired as e:
        return None, (e.stdout or b"").decode(), \
            (e.stderr or b"").decode() + "\n(still running after 30 s)"
    return p.returncode, p.stdout.decode(), p.stderr.decode()


def cmdline_file(text):
    path = tmp("cmdline.%d" % abs(hash(text)))
    with open(path, "w") as f:
        f.write(text)
    return path


rc, out, err = run(RELEASE, ["-h"])
t.ok(rc == 0 and out.startswith("usage: cellos-telemetry [-fhVv]"),
     "-h: usage on stdout, exit 0", out + err)
for opt in ["-f", "-h, --help", "-V, --version", "-v", "--connect",
            "--heartbeat-ms", "--on-failure", "--probe", "--ring-bytes",
            "--watch", "--wire"]:
    t.ok(("\n  %s " % opt) in out, "-h: a line for %s" % opt)
t.ok("test-" not in out, "-h: the release binary lists no test option")
rc, out, err = run(RELEASE, ["-V"])
t.ok(rc == 0 and out.startswith("cellos-telemetry "), "-V: version, exit 0",
     out)

mark = tmp("never-armed")
bad_flags = [
    ["--wire", "loose"], ["--bogus"], ["--ring-bytes", "1"],
    ["--ring-bytes", "2g"], ["--heartbeat-ms", "0"], ["--probe", "disk=on"],
    ["--probe", "net"], ["--watch", "relative"], ["--connect", "tcp:1.2.3.4"],
    ["--connect", "vsock:2"], ["--on-failure", "maybe"], ["extra-argument"],
    ["--wire"], ["--watch-mask", "create,opened"],
    ["--watch-mask", "/not-declared=open"],
    ["--watch", "/tmp", "--watch-mask", "/tmp/=open"],
]
for args in bad_flags:
    rc, out, err = run(AGENT, ["--test-mark", mark, "--connect",
                               "unix:" + tmp("nowhere")] + args)
    t.ok(rc == 2 and "cellos-telemetry" in err and out == "",
         "bad flag %s: exit 2 with a message" % " ".join(args), err)
t.ok(not os.path.exists(mark), "bad flags: exit before anything armed")

bad_words = [
    ("cellos.telemetry.wire=loose", "'loose'"),
    ("cellos.telemetry.bogus=1", "unknown setting 'bogus'"),
    ("cellos.telemetry.ring-bytes", "no =VALUE"),
    ("cellos.telemetry.heartbeat_ms=5", "heartbeat_ms"),
    ("cellos.telemetry.watch=etc", "absolute"),
    ("cellos.telemetry.probe=net=maybe", "'maybe'"),
]
for word, why in bad_words:
    rc, out, err = run(AGENT, ["--test-mark", mark, "--connect",
                               "unix:" + tmp("nowhere")],
                       cmdline_file("console=ttyS0 %s quiet\n" % word))
    t.ok(rc == 2 and "kernel command line" in err and why in err,
         "bad cmdline word %s: exit 2 with a message" % word, err)
t.ok(not os.path.exists(mark), "bad cmdline words: exit before anything armed")
# An unterminated quote: the word, up to the end of the line, is named.
rc, out, err = run(AGENT, ["--test-mark", mark, "--connect",
                           "unix:" + tmp("nowhere")],
                   cmdline_file('console=ttyS0 cellos.telemetry.watch="/x\n'))
t.ok(rc == 2 and 'kernel command line: cellos.telemetry.watch="/x: '
     'unterminated quote\n' in err and not os.path.exists(mark),
     "an unterminated quote: exit 2 naming the word, nothing armed", err)
rc, out, err = run(AGENT, ["--connect", "unix:" + tmp("nowhere")],
                   tmp("no-such-cmdline"))
t.ok(rc == 2 and "no-such-cmdline" in err,
     "an unreadable cmdline file named by the environment: exit 2", err)

# Good words apply (here even the address); flags win over them.
sock, out1 = tmp("cli.sock"), tmp("cli.jsonl")
rcv = Receiver(sock, out1)
cl = cmdline_file("quiet cellos.telemetry.connect=unix:%s "
                  "cellos.telemetry.wire=strict cellos.telemetry.ring_bytes=128k\n"
                  % sock)
a = Agent(sock, "--test-events", "5", connect=False, cmdline=cl)
wait_until(lambda: len(frames(out1)) >= 5)
fr = frames(out1)
t.ok(len(fr) >= 5 and all(f["content_version"] == 256 and len(f) == 5
                          for _, f in fr),
     "cmdline connect= and wire=strict apply: v1.0 bodies only", fr[:2])
a.signal(signal.SIGTERM)
t.ok(a.wait() == 0, "strict agent from the cmdline stops with exit 0")
a = Agent(sock, "--wire", "extended", "--test-events", "5", connect=False,
          cmdline=cl)
wait_until(lambda: any(f.get("probe_source") == "agent.hello"
                       for _, f in frames(out1)))
hello = [f for _, f in frames(out1) if f["probe_source"] == "agent.hello"]
t.ok(len(hello) == 1 and hello[0]["ring_bytes"] == 128 * 1024,
     "--wire extended wins over the cmdline; ring_bytes from the cmdline",
     hello)
a.signal(signal.SIGTERM)
t.ok(a.wait() == 0, "extended agent stops with exit 0")
rcv.stop()

# The release binary: no test source in it, and no allocator at all.
with open(RELEASE, "rb") as f:
    blob = f.read()
marks = [m for m in (b"test-events", b"synth_ops", b"nomalloc",
                     b"heap allocation in the loop") if m in blob]
t.ok(not marks, "the release binary contains no test source", marks)
# --connect unix: even if the flag were accepted, never the default vsock
rc, out, err = run(RELEASE, ["--connect", "unix:" + tmp("nowhere"),
                             "--test-events", "1"])
t.ok(rc == 2, "the release binary rejects --test-events", err)
nm = subprocess.run(["nm", RELEASE], capture_output=True, text=True,
                    timeout=30)
alloc = [l.split()[-1] for l in nm.stdout.splitlines()
         if l.split()[-1] in ("malloc", "calloc", "realloc", "free",
                              "aligned_alloc", "posix_memalign", "memalign",
                              "__libc_malloc", "__libc_malloc_impl")]
t.ok(nm.returncode == 0 and nm.stdout and not alloc,
     "the release binary links no heap allocator", alloc or nm.stderr)

# The malloc trap of the test build fires once the loop runs.
a = Agent(tmp("none.sock"), "--test-malloc")
rc = a.wait()
t.ok(rc == -signal.SIGABRT and "heap allocation in the loop: malloc"
     in a.stderr(), "test build: malloc inside the loop aborts", (rc, a.stderr()))
t.done()
