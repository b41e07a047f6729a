/*
 * netconnect.c: benchmark of the net probe (make bench-probes).
 *
 *   1. connect() cost with and without the BPF hooks attached, measured in
 *      the same run, rounds interleaved (refused loopback connects; the
 *      ring is drained between batches, outside the timed calls);
 *      likewise sendto() to one UDP destination (the dedupe's hit path).
 *   2. capture rate of a 1,000-connect burst (refused, loopback) for each
 *      mechanism: BPF hooks, sock_diag, /proc/net polling.
 *
 * Runs in a private network namespace and a child cgroup of its own, so
 * it sees and disturbs nothing else.  Root only.  Prints; asserts nothing.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "agent/net/net_cgroup2.h"
#include "agent/net/net_ops.h"
#include "lib/clock.h"
#include "lib/log.h"
#include "lib/loop.h"

#define ROUNDS	9
#define CALLS	20000
#define BATCH	1000
#define BURST	1000

static struct probe P = { .ops = &net_ops };	/* the net probe, alone */
static struct loop L;				/* the agent's loop */
static struct loop_timer until;			/* pump()'s end */
static struct sockaddr_in target;	/* 127.0.0.1:closed */
static unsigned seen;
static char want_dst[32], want_dst0[32];

static int on_event(struct event *ev)
{
	size_t n, m;
	const char *d = event_text(ev, EVK_DST, &n);

	m = strlen(want_dst);
	if ((n == m && memcmp(d, want_dst, n) == 0) ||
	    (n == strlen(want_dst0) && memcmp(d, want_dst0, n) == 0))
		seen++;
	return 0;
}

static void lo_up(void)
{
	struct ifreq ifr;
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, "lo");
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
		fatal("SIOCGIFFLAGS");
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
		fatal("SIOCSIFFLAGS");
	close(fd);
}

static void write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY);

	if (fd < 0 || write(fd, s, strlen(s)) < 0)
		fatal("%s", path);
	close(fd);
}

static void stop_loop(void *ctx, uint64_t now)
{
	(void)ctx, (void)now;
	loop_stop(&L);
}

/* Run the loop (the probe's input and deadlines) until `end`. */
static void pump(uint64_t end)
{
	until.at = end;
	if (loop_run(&L) < 0)
		fatal("epoll_wait");
}

/* The loop, its pump deadline and the probe's timer. */
static void loop_setup(void)
{
	sigset_t none;

	sigemptyset(&none);
	until = (struct loop_timer){ 0, stop_loop, NULL };
	P.emit = on_event;
	if (loop_init(&L, &none, NULL, NULL, NULL) < 0 ||
	    loop_timer_add(&L, &until) < 0 || loop_timer_add(&L, &P.timer) < 0)
		fatal("loop");
}

/* Time CALLS connects of type (TCP: refused; UDP: no packet at all), the
 * connect() call only, draining the probe between batches when one is
 * open.  Returns ns per call. */
static double time_connects(int type, int hooked)
{
	uint64_t t0, sum = 0;
	int i, fd, rc;

	for (i = 0; i < CALLS; i++) {
		fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);
		t0 = clock_mono_ns();
		rc = connect(fd, (struct sockaddr *)&target, sizeof(target));
		if ((rc == 0) != (type == SOCK_DGRAM))
			fatal("connect: not what a closed loopback port gives");
		sum += clock_mono_ns() - t0;
		close(fd);
		if (hooked && i % BATCH == BATCH - 1)
			pump(clock_mono_ns() + NS_PER_MS);
	}
	return (double)sum / CALLS;
}

/* sendto() to one destination: the sendmsg hook's dedupe hit path. */
static double time_sendto(int hooked)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), i;
	uint64_t t0 = clock_mono_ns();

	for (i = 0; i < CALLS; i++)
		sendto(fd, "x", 1, 0, (struct sockaddr *)&target, sizeof(target));
	t0 = clock_mono_ns() - t0;
	close(fd);
	if (hooked)
		pump(clock_mono_ns() + NS_PER_MS);
	return (double)t0 / CALLS;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static int open_mode(int mode, const char *cg)
{
	struct net_cfg nc = { mode, cg, 50 * NS_PER_MS, 1, 0 };

	seen = 0;
	P.why[0] = '\0';
	if (net_arm(&P, &L, &nc) < 0) {
		printf("  (%s refused: %s)\n", mode == NET_MODE_BPF ? "bpf" :
		       mode == NET_MODE_DIAG ? "sock_diag" : "proc", P.why);
		return -1;
	}
	return 0;
}

static void report(const char *what, double *without, double *with)
{
	qsort(without, ROUNDS, sizeof(double), cmp_double);
	qsort(with, ROUNDS, sizeof(double), cmp_double);
	printf("  %-34s %7.0f ns %7.0f ns   %.3f\n", what, without[ROUNDS / 2],
	       with[ROUNDS / 2], with[ROUNDS / 2] / without[ROUNDS / 2]);
}

static void cost(const char *cg)
{
	double t0[ROUNDS], t1[ROUNDS], u0[ROUNDS], u1[ROUNDS];
	double s0[ROUNDS], s1[ROUNDS];
	int r;

	for (r = 0; r < ROUNDS; r++) {
		t0[r] = time_connects(SOCK_STREAM, 0);
		u0[r] = time_connects(SOCK_DGRAM, 0);
		s0[r] = time_sendto(0);
		if (open_mode(NET_MODE_BPF, cg) < 0)
			return;
		t1[r] = time_connects(SOCK_STREAM, 1);
		u1[r] = time_connects(SOCK_DGRAM, 1);
		s1[r] = time_sendto(1);
		net_ops.stop(&P);
	}
	printf("cost per call, median of %d rounds x %d calls, interleaved:\n"
	       "  %-34s %10s %10s   ratio\n", ROUNDS, CALLS, "",
	       "no hooks", "BPF hooks");
	report("connect() TCP, refused (loopback)", t0, t1);
	report("connect() UDP (no packet)", u0, u1);
	report("sendto() UDP, one dest (dedupe hit)", s0, s1);
}

/* A child makes BURST refused connects while we run the probe. */
static void capture(int mode, const char *cg, const char *name)
{
	uint64_t t0, t1 = 0;
	pid_t pid;
	int i, fd, st;

	if (open_mode(mode, cg) < 0)
		return;
	pump(clock_mono_ns() + 120 * NS_PER_MS);	/* a first dump/poll round */
	t0 = clock_mono_ns();
	pid = fork();
	if (pid == 0) {
		for (i = 0; i < BURST; i++) {
			fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
			connect(fd, (struct sockaddr *)&target, sizeof(target));
			close(fd);
		}
		_exit(0);
	}
	while (waitpid(pid, &st, WNOHANG) == 0)
		pump(clock_mono_ns() + NS_PER_MS);
	t1 = clock_mono_ns();
	pump(t1 + 300 * NS_PER_MS);		/* let late messages in */
	net_ops.stop(&P);
	printf("  %-22s %4u of %u seen (%5.1f%%), burst took %.1f ms\n", name,
	       seen, BURST, 100.0 * seen / BURST, (double)(t1 - t0) / 1e6);
}

/* The cgroup we started in (/proc/self/cgroup "0::/path"). */
static void own_cgroup(const char *root, char *out, size_t cap)
{
	char buf[4096], *p;
	FILE *f = fopen("/proc/self/cgroup", "r");

	snprintf(out, cap, "%s", root);
	while (f && fgets(buf, sizeof(buf), f)) {
		if (strncmp(buf, "0::", 3) != 0)
			continue;
		p = strchr(buf, '\n');
		if (p)
			*p = '\0';
		snprintf(out, cap, "%s%s", root, buf + 3);
	}
	if (f)
		fclose(f);
}

int main(void)
{
	char root[NET_PATH_MAX], cg[NET_PATH_MAX + 32], home[NET_PATH_MAX * 2];
	char procs[NET_PATH_MAX * 2 + 16], pid[24], why[MECH_WHY_MAX];
	socklen_t len = sizeof(target);
	int mounted, fd;

	log_init("netconnect", 0);
	if (geteuid() != 0) {
		printf("netconnect: needs root; skipped\n");
		return 0;
	}
	if (unshare(CLONE_NEWNET) < 0)
		fatal("unshare(CLONE_NEWNET)");
	lo_up();
	if (cgroup2_root(root, sizeof(root), &mounted, why, sizeof(why)) < 0)
		fatalx("%s", why);
	own_cgroup(root, home, sizeof(home));
	snprintf(cg, sizeof(cg), "%s/cellos-bench-%d", root, (int)getpid());
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	if (mkdir(cg, 0700) < 0)
		fatal("mkdir %s", cg);
	snprintf(procs, sizeof(procs), "%s/cgroup.procs", cg);
	write_file(procs, pid);
	/* A closed port: bind, note, close. */
	fd = socket(AF_INET, SOCK_STREAM, 0);
	target.sin_family = AF_INET;
	target.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&target, sizeof(target)) < 0 ||
	    getsockname(fd, (struct sockaddr *)&target, &len) < 0)
		fatal("closed port");
	close(fd);
	snprintf(want_dst, sizeof(want_dst), "127.0.0.1:%u", ntohs(target.sin_port));
	snprintf(want_dst0, sizeof(want_dst0), "127.0.0.1:0");
	loop_setup();
	cost(cg);
	printf("capture of a %d-connect burst (refused, loopback):\n", BURST);
	capture(NET_MODE_BPF, cg, "BPF hooks");
	capture(NET_MODE_DIAG, cg, "sock_diag (50 ms dump)");
	capture(NET_MODE_PROC, cg, "/proc/net (50 ms poll)");
	snprintf(procs, sizeof(procs), "%s/cgroup.procs", home);
	write_file(procs, pid);
	if (rmdir(cg) < 0)
		log_warn("rmdir %s", cg);
	return 0;
}
