#!/bin/sh
# run.sh: every benchmark of `make bench`, in one invocation (BENCH.md).
#
# Runs the eleven benchmarks in order, each printing its table (every figure
# with its ratio to a baseline measured in this same run) and writing
# bench/results/NAME.csv (kernel, CPU count, commit and date in its
# header).  Measures and prints; asserts no speed.  Needs root (the proc
# connector, BPF, audit) and the binaries `make bench` builds first.
#   BENCH_QUICK=1   smaller sizes, for trying things out
#   BENCH_ONLY="encoder scale"   a subset
# After each benchmark, the CPU time the hypervisor stole from this guest
# meanwhile (/proc/stat's steal): a run with much of it measured a shared
# machine, and its wall-time ratios are noise.
set -eu
TOP=$(cd "$(dirname "$0")/.." && pwd)
B=${BUILD:-build}
case "$B" in /*) ;; *) B="$TOP/$B" ;; esac
export BUILD="$B"
cd "$TOP/bench"
PY=/usr/bin/python3
ALL="capture overhead encoder throughput footprint scale netcost fidelity coalescing policy fscost"
t0=$(date +%s)
echo "make bench: $(date -u +%Y-%m-%dT%H:%M:%SZ), kernel $(uname -r)," \
     "$(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')," \
     "commit $(git describe --always --dirty --abbrev=12 2>/dev/null || echo unknown)"
# the steal time of every CPU since boot, in clock ticks
steal() { awk '/^cpu /{ print $9 }' /proc/stat; }
hz=$(getconf CLK_TCK)
# seconds of steal since the tick count $1
stolen() { awk -v a="$1" -v b="$(steal)" -v hz="$hz" 'BEGIN { printf "%.1f", (b - a) / hz }'; }
st0=$(steal)
rc=0
for b in ${BENCH_ONLY:-$ALL}; do
	s=$(date +%s)
	ss=$(steal)
	$PY "$b.py" || { echo "bench: $b failed" >&2; rc=1; }
	echo "($b: $(( $(date +%s) - s )) s; stolen by the hypervisor:" \
	     "$(stolen "$ss") CPU-s of $(( ($(date +%s) - s) * $(nproc) )))"
done
echo
echo "make bench: done in $(( $(date +%s) - t0 )) s (stolen by the hypervisor:" \
     "$(stolen "$st0") CPU-s); CSV files in bench/results/"
exit $rc
