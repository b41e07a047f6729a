#!/bin/sh
# run.sh DIR: boot the e2e guest built in DIR and judge the run.
#
# Boots DIR/kernel/vmlinux with DIR/initramfs.cpio in QEMU under TCG (no
# network, no default devices, always under `timeout`), the serial console
# to DIR/serial.log, then has check.py read that log.  Judges only by what
# the guest printed, never by QEMU's exit status.  Prints the timings and
# exactly one "E2E RESULT: PASS|FAIL" line; exits 0 only with PASS.  On
# failure it prints the tail of the console log.
set -u

[ $# -eq 1 ] || { echo "usage: run.sh DIR" >&2; exit 2; }
dir=$1
here=$(dirname "$0")
limit=${E2E_TIMEOUT:-120}
log=$dir/serial.log

rm -f "$log"
t0=$(date +%s%N)
timeout -k 5 "$limit" qemu-system-x86_64 -accel tcg -nodefaults -nic none \
	-no-reboot -display none -m 128 -serial "file:$log" \
	-kernel "$dir/kernel/vmlinux" -initrd "$dir/initramfs.cpio" \
	-append "console=ttyS0 panic=-1 quiet" </dev/null
qrc=$?
t1=$(date +%s%N)
ms=$(((t1 - t0) / 1000000))

echo "e2e: kernel $(cat "$dir/kernel/version"), vmlinux $(($(stat -c %s "$dir/kernel/vmlinux") / 1024)) KiB," \
	"initramfs $(($(stat -c %s "$dir/initramfs.cpio") / 1024)) KiB"
echo "e2e: qemu start to power-off $ms ms (exit $qrc); guest $(grep -a '^E2E UPTIME' "$log" | tr -d '\r')"
if [ "$qrc" -eq 124 ] || [ "$qrc" -eq 137 ]; then
	echo "e2e: qemu killed after ${limit}s"
fi
if /usr/bin/python3 "$here/check.py" "$log" "$here/steps"; then
	echo "E2E RESULT: PASS"
	exit 0
fi
echo "# serial console, last lines:"
tail -n 40 "$log" | tr -d '\r' | sed 's/^/# /'
echo "E2E RESULT: FAIL"
exit 1
