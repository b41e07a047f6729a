#!/bin/sh
# deps.sh GROUP...: make sure the Debian packages a make target needs are
# installed.  As root, print the apt-get command and run it; otherwise fail
# with the exact command to run.  Groups: build, check, e2e, bench, demo.
set -eu

pkgs_build="gcc make libc6-dev pkg-config libsodium-dev libjansson-dev musl-tools"
pkgs_check="libcmocka-dev python3 python3-cbor2 libcbor-dev clang libclang-rt-14-dev mandoc inotify-tools util-linux"
pkgs_e2e="qemu-system-x86 busybox-static python3"
pkgs_bench="forkstat hyperfine valgrind libcbor-dev python3-cbor2 util-linux"
pkgs_demo=""

want=""
for g in "$@"; do
	eval "want=\"\$want \$pkgs_$g\""
done

missing=""
for p in $want; do
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
apt-get install -y -qq --no-install-recommends $missing >/dev/null 2>&1 || {
	echo "deps: apt-get update -qq (package lists may be stale)" >&2
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends $missing
}
