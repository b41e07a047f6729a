#!/bin/sh
# mkdeb.sh BUILD VERSION: build/cellos-telemetry_VERSION_ARCH.deb (the
# agent) and build/cellos-telemetry-host_VERSION_ARCH.deb (the receiver)
# with dpkg-deb, from a staged `make install` (PREFIX=/usr).  The host's
# Depends come from its ELF NEEDED entries and the packages that own them;
# the agent is static and depends on nothing.
set -eu
B=$1
V=$2
MAINT=${MAINTAINER:-cellos-telemetry developers <cellos-telemetry@example.org>}
ARCH=$(dpkg --print-architecture)
STAGE=$B/deb
rm -rf "$STAGE"
make -s install DESTDIR="$STAGE/root" PREFIX=/usr >/dev/null

# Depends of a dynamic binary: "pkg (>= version)" for each shared library.
depends() {
	objdump -p "$1" | awk '/NEEDED/ { print $2 }' | while read -r lib; do
		path=$(ldconfig -p | awk -v l="$lib" '$1 == l { print $NF; exit }')
		# merged /usr: dpkg may own the /usr/lib spelling of /lib
		pkg=$(dpkg-query -S "$path" "/usr$path" 2>/dev/null |
			head -n 1 | cut -d: -f1)
		[ -n "$pkg" ] || { echo "mkdeb: no package owns $lib" >&2; exit 1; }
		ver=$(dpkg-query -W -f='${Version}' "$pkg" | sed 's/-[^-]*$//')
		echo "$pkg (>= $ver)"
	done | sort -u | paste -sd, - | sed 's/,/, /g'
}

# pkg NAME DESCRIPTION DEPENDS FILE...: one package from staged files.
pkg() {
	name=$1 desc=$2 deps=$3
	shift 3
	root=$STAGE/$name
	mkdir -p "$root/DEBIAN" "$root/usr/share/doc/$name"
	for f in "$@"; do
		mkdir -p "$root/$(dirname "$f")"
		cp -p "$STAGE/root/$f" "$root/$f"
	done
	find "$root/usr/share/man" -type f -exec gzip -9n {} + 2>/dev/null || true
	printf 'cellos-telemetry (%s) unstable; urgency=medium\n\n  * Release %s.\n\n -- %s  %s\n' \
		"$V" "$V" "$MAINT" "$(date -R -d @"${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct)}")" |
		gzip -9n > "$root/usr/share/doc/$name/changelog.gz"
	if [ "$name" = cellos-telemetry ]; then	# static on purpose (doc/DESIGN.md)
		mkdir -p "$root/usr/share/lintian/overrides"
		echo "cellos-telemetry: statically-linked-binary [usr/sbin/cellos-telemetry]" \
			> "$root/usr/share/lintian/overrides/cellos-telemetry"
	fi
	cat > "$root/usr/share/doc/$name/copyright" <<EOT
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: cellos-telemetry
Files: *
Copyright: 2026 the cellos-telemetry authors
License: no license has been granted yet; see the source repository.
EOT
	size=$(du -sk "$root" | cut -f1)
	{
		echo "Package: $name"
		echo "Version: $V"
		echo "Architecture: $ARCH"
		echo "Maintainer: $MAINT"
		echo "Installed-Size: $size"
		[ -n "$deps" ] && echo "Depends: $deps"
		echo "Section: admin"
		echo "Priority: optional"
		echo "Description: $desc"
	} > "$root/DEBIAN/control"
	dpkg-deb --root-owner-group --build "$root" "$B/${name}_${V}_${ARCH}.deb" >/dev/null
	echo "$B/${name}_${V}_${ARCH}.deb"
}

pkg cellos-telemetry "in-guest telemetry agent for Firecracker microVMs
 Watches processes (proc connector), declared files (fanotify: who touched them; inotify), network
 connects (cgroup BPF) and capability denials (audit) inside a microVM and
 streams them to the host over vsock, counting every event it loses." "" \
	usr/sbin/cellos-telemetry usr/share/man/man8/cellos-telemetry.8 \
	usr/share/man/man7/cellos-telemetry-probes.7
pkg cellos-telemetry-host "host receiver for cellos-telemetry agents
 Receives microVM telemetry frames on one socket per cell, stamps them with
 the cell's identity and writes signed CloudEvents as JSON Lines." \
	"$(depends "$STAGE/root/usr/bin/cellos-telemetry-host")" \
	usr/bin/cellos-telemetry-host usr/share/man/man1/cellos-telemetry-host.1
