#!/bin/sh
# agent_core.sh: the agent issue's numbers, measured, printed.
#
#   - the release agent's static binary size (as built, and stripped);
#   - frames/s of N (1M) synthetic events into a unix socket, the receiver
#     a C drain (build/tools/drain) reading as fast as it can; the agent's
#     own count of what it sent and what it had to overwrite;
#   - the agent's RSS after those events (VmRSS, VmHWM).
# Uses the test build (build/test/cellos-telemetry: the synthetic source
# lives only there).  Prints; asserts nothing.  Run after `make check`.
set -eu
B=${BUILD:-build}
N=${N:-1000000}
RATE=${RATE:-}			# events per ms; empty: as fast as it goes
T=$(mktemp -d /tmp/ct-bench-XXXXXX)
AP=; DP=
trap '[ -n "$AP" ] && kill $AP 2>/dev/null; [ -n "$DP" ] && kill $DP 2>/dev/null; rm -rf "$T"' EXIT INT TERM HUP PIPE

sz=$(stat -c %s "$B/cellos-telemetry")
strip -o "$T/stripped" "$B/cellos-telemetry"
echo "binary: $B/cellos-telemetry: $sz bytes as built (with -g)," \
     "$(stat -c %s "$T/stripped") stripped," \
     "$(file -b "$B/cellos-telemetry" | grep -o 'statically linked')"

"$B/tools/drain" "$T/s" > "$T/drain.out" & DP=$!
while [ ! -S "$T/s" ]; do sleep 0.01; done
echo "console=ttyS0" > "$T/cmdline"
CELLOS_TELEMETRY_CMDLINE=$T/cmdline "$B/test/cellos-telemetry" -f -v \
	--connect "unix:$T/s" --probe process=off --probe fs=off \
	--probe net=off --heartbeat-ms 3600000 \
	--test-events "$N${RATE:+:$RATE}" --test-mark "$T/mark" \
	2> "$T/agent.err" & AP=$!
until grep -q ' 1$' "$T/mark" 2>/dev/null; do sleep 0.05; done
sleep 0.5
echo "rss after $N events: VmRSS $(awk '/^VmRSS/ {print $2}' /proc/$AP/status) kB," \
     "VmHWM $(awk '/^VmHWM/ {print $2}' /proc/$AP/status) kB (1 MiB ring)"
kill -TERM $AP; wait $AP || true; AP=
wait $DP || true; DP=
echo "drain $(head -1 "$T/drain.out")"
echo "agent: $(grep 'stopping:' "$T/agent.err" | sed 's/^cellos-telemetry: //')"
