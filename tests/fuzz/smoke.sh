#!/bin/sh
# smoke.sh FUZZER SECONDS: run one libFuzzer target from its seed corpus
# for SECONDS and print one TAP line with the executions it ran.
# The working corpus lives in build/fuzz/corpus-NAME and grows run to run.
set -u
fz=$1
secs=$2
name=$(basename "$fz")
dir=$(dirname "$fz")
corpus=$dir/corpus-$name
seeds=$dir/seeds-$name
log=$dir/$name.log
${PYTHON:-/usr/bin/python3} tests/fuzz/seeds.py "$name" "$seeds" || exit 1
mkdir -p "$corpus"
"$fz" -artifact_prefix="$dir/" -max_total_time="$secs" -print_final_stats=1 -timeout=10 -rss_limit_mb=512 \
	"$corpus" "$seeds" > "$log" 2>&1
rc=$?
runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
if [ "$rc" -eq 0 ]; then
	echo "ok 1 - $name: ${runs:-?} executions in ${secs}s, no crash"
else
	echo "not ok 1 - $name: failed (exit $rc), see $log"
	grep -E 'ERROR|SUMMARY|abort|crash-' "$log" | head -n 10 | sed 's/^/# /'
fi
exit "$rc"
