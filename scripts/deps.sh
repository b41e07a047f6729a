#!/bin/sh
# deps.sh GROUP...: make sure what the make goals need is installed.
#
# Each group lists Debian 12 packages, each with a witness: a command on
# PATH, an absolute path, py:MODULE (a python3 module) or clang-rt:LIB (a
# compiler-rt library clang can find).
#   - With dpkg: a package dpkg does not call installed is missing.  As
#     root, every missing package is installed by one apt-get (which waits
#     for the dpkg lock if someone else holds it; the package lists are
#     updated once if the install fails); otherwise deps.sh fails and
#     prints the apt-get line to run.
#   - Without dpkg (not Debian): deps.sh names each missing witness and
#     its Debian package, and succeeds: the build uses what is there.
# Groups: build, check, e2e, bench, demo.  Every command that a test, the
# demo, the e2e run or a benchmark runs is a witness of one of them.
set -eu

pkgs_build="gcc:gcc make:make libc6-dev:/usr/include/stdio.h binutils:nm
	pkg-config:pkg-config libsodium-dev:/usr/include/sodium.h
	libjansson-dev:/usr/include/jansson.h
	musl-tools:musl-gcc libbearssl-dev:/usr/include/bearssl/bearssl_hash.h"
pkgs_check="libcmocka-dev:/usr/include/cmocka.h python3:python3
	python3-cbor2:py:cbor2 libcbor-dev:/usr/include/cbor.h clang:clang
	libclang-rt-14-dev:clang-rt:libclang_rt.fuzzer-x86_64.a mandoc:mandoc
	util-linux:unshare util-linux:setpriv iproute2:ip mount:mount
	logrotate:logrotate procps:sysctl"
pkgs_e2e="qemu-system-x86:qemu-system-x86_64 busybox-static:/bin/busybox
	python3:python3 apt:apt-get dpkg:dpkg-deb"
pkgs_bench="forkstat:forkstat valgrind:valgrind valgrind:callgrind_annotate
	libcbor-dev:/usr/include/cbor.h python3-cbor2:py:cbor2
	util-linux:taskset binutils:strip file:file git:git"
pkgs_demo="bash:bash mawk:awk"

want=""
for g in "$@"; do
	case $g in
	build | check | e2e | bench | demo) eval "want=\"\$want \$pkgs_$g\"" ;;
	*) echo "deps: no group '$g' (build, check, e2e, bench, demo)" >&2; exit 2 ;;
	esac
done

# Is the witness W there?
have() {
	case $1 in
	/*) [ -e "$1" ] ;;
	py:*) python3 -c "import ${1#py:}" 2>/dev/null ;;
	clang-rt:*) lib=$(clang -print-file-name="${1#clang-rt:}" 2>/dev/null) &&
		[ -e "$lib" ] ;;
	*) command -v "$1" > /dev/null 2>&1 ;;
	esac
}

if ! command -v dpkg-query > /dev/null 2>&1; then
	gone=""
	for pw in $want; do
		have "${pw#*:}" || gone="$gone ${pw#*:} (Debian: ${pw%%:*})"
	done
	[ -n "$gone" ] && echo "deps: no dpkg here; missing, building with what" \
		"is there:$gone" >&2
	exit 0
fi

missing=""
for pw in $want; do
	p=${pw%%:*}
	case " $missing " in *" $p "*) continue ;; esac
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case "$st" in
	*" installed") ;;
	*) missing="$missing $p" ;;
	esac
done
[ -z "$missing" ] && exit 0

cmd="apt-get install -y --no-install-recommends$missing"
echo "deps: missing Debian packages:$missing" >&2
if [ "$(id -u)" != 0 ]; then
	echo "deps: run as root: $cmd" >&2
	exit 1
fi
echo "deps: $cmd" >&2
export DEBIAN_FRONTEND=noninteractive
apt="apt-get -o DPkg::Lock::Timeout=600 -y -qq --no-install-recommends"
# shellcheck disable=SC2086
$apt install $missing > /dev/null 2>&1 || {
	echo "deps: apt-get update -qq (package lists may be missing or stale)" >&2
	apt-get -o DPkg::Lock::Timeout=600 update -qq
	$apt install $missing
}
