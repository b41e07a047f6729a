#!/bin/sh
# fetch-kernel.sh DIR: put Debian's current 6.1 kernel in DIR for the e2e
# guest: vmlinuz, its config, the three vsock modules (uncompressed) and the
# ELF vmlinux (extract-vmlinux.py), written last so its presence means the
# rest is there.  Bookworm's 6.1 packages ship modules as plain .ko
# (CONFIG_MODULE_COMPRESS_NONE); a compressed one is an error here.  The ABI name comes from the linux-image-amd64
# metapackage's dependency, never from this file.  Uses `apt-get download`
# (installs nothing) and keeps only what it extracts; the .deb files are
# deleted.  Prints what it fetched and how long it took.
set -eu

[ $# -eq 1 ] || { echo "usage: fetch-kernel.sh DIR" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$1"
dir=$(cd "$1" && pwd)
mods="vsock vmw_vsock_virtio_transport_common vsock_loopback"
t0=$(date +%s%N)

die() { echo "fetch-kernel: $*" >&2; exit 1; }

# apt-get download PKG... into the current folder; as root, keep apt from
# dropping to _apt (which cannot write here).
fetch() {
	if [ "$(id -u)" = 0 ]; then
		apt-get -qq -o APT::Sandbox::User=root download "$@"
	else
		apt-get -qq download "$@"
	fi
}

# Resolve the ABI from the metapackage and download that exact image
# package; sets dep (package=version), pkg and abi.
resolve() {
	rm -f ./*.deb
	fetch linux-image-amd64 || return 1
	# "linux-image-6.1.0-56-amd64 (= 6.1.192-2)" -> package=version
	dep=$(dpkg-deb -f linux-image-amd64_*.deb Depends |
		sed -n 's/^\(linux-image-[^ ,]*\) (= \([^)]*\)).*/\1=\2/p')
	[ -n "$dep" ] || die "cannot read linux-image-amd64's dependency"
	pkg=${dep%%=*}
	abi=${pkg#linux-image-}
	case $abi in
	6.1.*) ;;
	*) die "linux-image-amd64 points at $abi, not a 6.1 kernel" ;;
	esac
	fetch "$dep"
}

dl=$dir/dl
rm -rf "$dl" "$dir/vmlinux"
mkdir -p "$dl/x"
cd "$dl"

# Package lists that are missing or stale (the pinned version gone from
# the mirror) get one update, as root, then everything is resolved again.
if ! resolve; then
	[ "$(id -u)" = 0 ] || die "apt-get download failed (run apt-get update as root)"
	echo "fetch-kernel: apt-get update -qq" >&2
	apt-get update -qq
	resolve || die "apt-get download failed"
fi

kmod=./lib/modules/$abi/kernel/net/vmw_vsock
set -- "./boot/vmlinuz-$abi" "./boot/config-$abi"
for m in $mods; do set -- "$@" "$kmod/$m.ko"; done
dpkg-deb --fsys-tarfile "${pkg}"_*.deb | tar -x -C x "$@" ||
	die "$pkg lacks one of: $*"

mkdir -p "$dir/modules"
for m in $mods; do cp "x/$kmod/$m.ko" "$dir/modules/$m.ko"; done
cp "x/boot/config-$abi" "$dir/config"
cp "x/boot/vmlinuz-$abi" "$dir/vmlinuz"
echo "$dep" > "$dir/version"
"$here/extract-vmlinux.py" "$dir/vmlinuz" "$dir/vmlinux"
cd "$dir"
rm -rf "$dl"
t1=$(date +%s%N)
echo "fetch-kernel: $dep: vmlinux $(($(stat -c %s vmlinux) / 1024)) KiB," \
	"download+extract $(((t1 - t0) / 1000000)) ms"
