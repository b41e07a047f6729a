/*
 * init.c: /init, PID 1 of the QEMU end-to-end guest.
 *
 * Mounts what the agent needs (proc, sys, devtmpfs, cgroup2, tmpfs on /tmp
 * and /run), brings lo up, loads the three vsock modules with
 * finit_module (vsock, then the virtio transport common code, then the
 * loopback transport, which puts host and guest in this one kernel at
 * CID 1), runs the steps of /e2e/steps (step.c), ends what is left, prints
 * one "E2E RESULT: PASS|FAIL" line and powers the guest off.  PASS needs
 * every set-up item and every step to be ok, and at least one step.
 *
 * It refuses to run unless it is PID 1: it must never power off or mount
 * over a development machine.  It does not parse the kernel command line
 * and never exits (PID 1 exiting panics the kernel).
 */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "e2e.h"

#define STEP_FILE	"/e2e/steps"
#define MODULE_DIR	"/lib/modules"
/* Seconds the processes left at the end get between SIGTERM and SIGKILL. */
#define END_GRACE_S	3

static int steps_total, steps_failed;

/* Print "E2E " and the text as one line on the console. */
void e2e_say(const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (n > (int)sizeof(line) - 2)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	fflush(stdout);
	dprintf(1, "E2E %.*s", n, line);
}

/* Report one step; every failure makes the result FAIL. */
void e2e_step(const char *name, int ok, const char *detail)
{
	steps_total++;
	steps_failed += !ok;
	e2e_say("STEP %s %s %s", name, ok ? "ok" : "FAIL", detail);
}

/* CLOCK_MONOTONIC in nanoseconds. */
uint64_t e2e_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + ts.tv_nsec;
}

/* Mount the file systems the agent and the steps use. */
static void setup_mounts(void)
{
	static const struct { const char *type, *dir; } mounts[] = {
		{ "devtmpfs", "/dev" }, { "proc", "/proc" }, { "sysfs", "/sys" },
		{ "cgroup2", "/sys/fs/cgroup" }, { "tmpfs", "/tmp" }, { "tmpfs", "/run" },
	};
	char detail[E2E_DETAIL_MAX];
	size_t i;

	for (i = 0; i < sizeof(mounts) / sizeof(mounts[0]); i++) {
		mkdir(mounts[i].dir, 0755);
		if (mount(mounts[i].type, mounts[i].dir, mounts[i].type, MS_NOSUID, NULL) < 0) {
			snprintf(detail, sizeof(detail), "%s: %s", mounts[i].dir, strerror(errno));
			e2e_step("setup:mount", 0, detail);
			return;
		}
	}
	e2e_step("setup:mount", 1, "/dev /proc /sys /sys/fs/cgroup /tmp /run");
}

/* Give init a console when the kernel found no /dev/console to open. */
static void setup_console(void)
{
	int fd;

	if (fcntl(1, F_GETFD) >= 0)
		return;
	mount("devtmpfs", "/dev", "devtmpfs", MS_NOSUID, NULL);
	fd = open("/dev/console", O_RDWR);
	if (fd < 0)
		return;
	dup2(fd, 0);
	dup2(fd, 1);
	dup2(fd, 2);
	if (fd > 2)
		close(fd);
}

/* Bring the loopback interface up (the net scenarios connect on it). */
static void setup_lo(void)
{
	struct ifreq ifr = { 0 };
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int ok;

	strcpy(ifr.ifr_name, "lo");
	ok = s >= 0 && ioctl(s, SIOCGIFFLAGS, &ifr) == 0;
	ifr.ifr_flags |= IFF_UP;
	ok = ok && ioctl(s, SIOCSIFFLAGS, &ifr) == 0;
	e2e_step("setup:lo", ok, ok ? "up" : strerror(errno));
	if (s >= 0)
		close(s);
}

/* Load MODULE_DIR/NAME.ko, in dependency order. */
static void setup_modules(void)
{
	static const char *const mods[] = {
		"vsock", "vmw_vsock_virtio_transport_common", "vsock_loopback",
	};
	char path[128], name[64];
	size_t i;
	int fd, rc;

	for (i = 0; i < sizeof(mods) / sizeof(mods[0]); i++) {
		snprintf(path, sizeof(path), MODULE_DIR "/%s.ko", mods[i]);
		snprintf(name, sizeof(name), "setup:module:%s", mods[i]);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		rc = fd < 0 ? -1 : (int)syscall(SYS_finit_module, fd, "", 0);
		e2e_step(name, rc == 0, rc == 0 ? "loaded" : strerror(errno));
		if (fd >= 0)
			close(fd);
	}
}

/* End every process left, print the result line and power off. */
static void finish(int ok)
{
	struct timespec up;

	kill(-1, SIGTERM);
	child_reap_all(e2e_now_ns() + END_GRACE_S * 1000000000ull);
	kill(-1, SIGKILL);
	child_reap_all(e2e_now_ns() + END_GRACE_S * 1000000000ull);
	clock_gettime(CLOCK_BOOTTIME, &up);
	e2e_say("UPTIME %ld.%03ld", (long)up.tv_sec, up.tv_nsec / 1000000);
	e2e_say("RESULT: %s", ok ? "PASS" : "FAIL");
	sync();
	reboot(RB_POWER_OFF);
	for (;;)
		pause();
}

/* Set up, run the steps, end with the result line and power off. */
int main(void)
{
	int ok, before;

	if (getpid() != 1) {
		fprintf(stderr, "e2e init: not PID 1; runs only as the test guest's /init\n");
		return 2;
	}
	setup_console();
	child_init();
	setup_mounts();
	setup_lo();
	setup_modules();
	before = steps_total;
	ok = step_run_file(STEP_FILE) == 0 && steps_total > before;
	if (!ok)
		e2e_step("steps", 0, STEP_FILE ": cannot read, or no step in it");
	finish(ok && steps_failed == 0);
	return 1;
}
