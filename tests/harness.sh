#!/bin/sh
# harness.sh NAME=COMMAND...: run each test command, count TAP results.
#
# A command that prints TAP lines ("ok N", "not ok N") is counted line by
# line; one that prints none counts as one test, passed when it exits 0.
# A command that exits non-zero without a "not ok" line counts one failure
# more (it crashed or failed outside a test).  A "# SKIP" line (cmocka
# writes "not ok N # SKIP") is a skip, not a failure.  Ends with
# "N passed, N failed" (and the skips, when there were any).
#
# Every test bounds its own waits; as a backstop, a command still running
# after HARNESS_TIMEOUT seconds (900) is killed with its process group
# and counted as failed, with what it printed until then.
limit=${HARNESS_TIMEOUT:-900}
pass=0
fail=0
skip=0
log=${HARNESS_LOG:-build/check.log}
: > "$log"
for spec in "$@"; do
	name=${spec%%=*}
	cmd=${spec#*=}
	out=$(timeout -k 10 "$limit" sh -c "$cmd" 2>&1)
	rc=$?
	if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
		out=$(printf '%s\n%s' "$out" "# killed: still running after ${limit}s")
	fi
	printf '=== %s: %s (exit %d)\n%s\n' "$name" "$cmd" "$rc" "$out" >> "$log"
	ok=$(printf '%s\n' "$out" | grep -c '^ok ')
	nok=$(printf '%s\n' "$out" | grep '^not ok ' | grep -vc '# SKIP')
	sk=$(printf '%s\n' "$out" | grep -E '^(not )?ok ' | grep -c '# SKIP')
	skip=$((skip + sk))
	if [ "$ok" -eq 0 ] && [ "$nok" -eq 0 ]; then
		if [ "$rc" -eq 0 ]; then ok=1; else nok=1; fi
	elif [ "$rc" -ne 0 ] && [ "$nok" -eq 0 ]; then
		nok=1
	fi
	pass=$((pass + ok))
	fail=$((fail + nok))
	if [ "$nok" -eq 0 ]; then
		printf 'PASS %-16s %d\n' "$name" "$ok"
	else
		printf 'FAIL %-16s %d passed, %d failed\n' "$name" "$ok" "$nok"
		printf '%s\n' "$out" | grep -E '^(not ok|#)' | head -n 30
		[ "$nok" -gt 0 ] && printf '%s\n' "$out" | tail -n 15
	fi
done
echo "(full output in $log)"
if [ "$skip" -gt 0 ]; then
	echo "$pass passed, $fail failed ($skip skipped)"
else
	echo "$pass passed, $fail failed"
fi
[ "$fail" -eq 0 ]
