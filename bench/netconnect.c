/*
 * netconnect.c: benchmark of the net probe (make bench-probes, and
 * bench/netcost.py in make bench).
 *
 *   1. What the hooks cost the workload, in three configurations measured
 *      in the same run, rounds interleaved: no hooks (the baseline), the
 *      attempt hooks alone (--wire strict: connect4/6, sendmsg4/6), and
 *      with the outcome layer (bind, sock_ops, sock_release, egress):
 *      connect() refused on loopback, a connect+send(1 KiB)+close loop to
 *      a listener outside the cgroup, connect() of UDP, sendto() to one
 *      UDP destination (the dedupe's hit path).  Only the calls are
 *      timed; the probe's ring is drained between batches.
 *   2. What the probe sustains: refused connects (two records each with
 *      outcomes) from children in the cgroup at paced rates, then as
 *      fast as one and two children can; for each, records per second
 *      delivered, and records the ring had no room for (counted).
 *   0. (first, on a quiet namespace) Capture of a 1,000-connect burst
 *      (refused, loopback) for each mechanism: BPF hooks, sock_diag,
 *      /proc/net polling.
 *
 * Runs in a private network namespace and a child cgroup of its own, so
 * it sees and disturbs nothing else.  Root only.  Prints; asserts
 * nothing.  -r: also one tab-separated "row" line per figure, for
 * bench/netcost.py.  The kernel's BPF JIT is as the machine has it (a
 * stock Firecracker guest has none: the programs run interpreted there).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
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

#define ROUNDS	7
#define CALLS	10000
#define LOOPS	1000	/* connect+send+close per round and configuration */
#define PAYLOAD	1024
#define BATCH	500
#define BURST	1000
#define DSTS	16	/* 127.0.0.1..16: 4-tuples enough for TIME_WAIT */
#define RATE_NS	(1 * NS_PER_SEC)

enum { CFG_NONE, CFG_ATTEMPTS, CFG_OUTCOMES, NCFG };
static const char *const cfg_name[NCFG] = { "no hooks", "attempts only",
					    "with outcomes" };

static struct probe P = { .ops = &net_ops };	/* the net probe, alone */
static struct loop L;				/* the agent's loop */
static struct loop_timer until;			/* pump()'s end */
static struct sockaddr_in target;	/* 127.0.0.1:closed */
static struct sockaddr_in server;	/* 0.0.0.0:listening, outside the cell */
static char cg[NET_PATH_MAX + 32];
static unsigned seen, events;
static char want_dst[32], want_dst0[32];
static int rows;			/* -r */

/* Every event counts; a burst's attempts are matched by destination. */
static int on_event(struct event *ev)
{
	size_t n, m;
	const char *d = event_text(ev, EVK_DST, &n);

	events++;
	if (ev->source != PS_NET_CONNECT_ATTEMPTED)
		return 0;
	m = strlen(want_dst);
	if ((n == m && memcmp(d, want_dst, n) == 0) ||
	    (n == strlen(want_dst0) && memcmp(d, want_dst0, n) == 0))
		seen++;
	return 0;
}

/* One figure as a row (-r): base "" marks a cost row's baseline,
 * "vs-none" one compared with it, NULL neither. */
static void row(const char *table, const char *name, double v,
		const char *unit, const char *base)
{
	if (rows)
		printf("row\t%s\t%s\t%.1f\t%s\t%s\n", table, name, v, unit,
		       base ? base : "-");
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

/* Arm the probe in mode; -1 (said why) when refused. */
static int open_mode(int mode, int outcomes)
{
	struct net_cfg nc = { .mode = mode, .cgroup = cg, .poll_ns = 50 * NS_PER_MS,
			      .outcomes = outcomes,
			      .coalesce_ns = COALESCE_DEFAULT_MS * NS_PER_MS };

	seen = events = 0;
	P.why[0] = '\0';
	memset(P.dropped, 0, sizeof(P.dropped));
	if (net_arm(&P, &L, &nc) < 0) {
		printf("  (%s refused: %s)\n", mode == NET_MODE_BPF ? "bpf" :
		       mode == NET_MODE_DIAG ? "sock_diag" : "proc", P.why);
		return -1;
	}
	return 0;
}

/* A loop's time: wall time of the timed calls only, and this thread's
 * CPU time over the loop less the probe's draining (what the calls cost
 * the caller, kernel included, whatever else the machine runs). */
struct meter {
	uint64_t wall, cpu0, pumped;
};

static uint64_t cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * NS_PER_SEC + (uint64_t)ts.tv_nsec;
}

/* Drain the probe (not counted), every BATCH calls or at the end. */
static void drain(struct meter *m, int cfg, int i, int last)
{
	uint64_t c;

	if (cfg == CFG_NONE || (!last && i % BATCH != BATCH - 1))
		return;
	c = cpu_ns();
	pump(clock_mono_ns() + (last ? 5 : 1) * NS_PER_MS);
	m->pumped += cpu_ns() - c;
}

/* ns per call: wall, and CPU into *cpu. */
static double per_call(const struct meter *m, int n, double *cpu)
{
	*cpu = (double)(cpu_ns() - m->cpu0 - m->pumped) / n;
	return (double)m->wall / n;
}

/* CALLS connects of type (TCP: refused; UDP: no packet at all), the
 * connect() call timed.  ns per call. */
static double time_connects(int type, int cfg, double *cpu)
{
	struct meter m = { 0, cpu_ns(), 0 };
	uint64_t t0;
	int i, fd, rc;

	for (i = 0; i < CALLS; i++) {
		fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);
		t0 = clock_mono_ns();
		rc = connect(fd, (struct sockaddr *)&target, sizeof(target));
		if ((rc == 0) != (type == SOCK_DGRAM))
			fatal("connect: not what a closed loopback port gives");
		m.wall += clock_mono_ns() - t0;
		close(fd);
		drain(&m, cfg, i, i == CALLS - 1);
	}
	return per_call(&m, CALLS, cpu);
}

/* LOOPS of socket, connect, send PAYLOAD, close to the listener, all of
 * it timed.  ns per connection. */
static double time_sessions(int cfg, double *cpu)
{
	static const char buf[PAYLOAD];
	struct sockaddr_in to = server;
	struct meter m = { 0, cpu_ns(), 0 };
	uint64_t t0;
	int i, fd;

	for (i = 0; i < LOOPS; i++) {
		to.sin_addr.s_addr = htonl(INADDR_LOOPBACK + (uint32_t)(i % DSTS));
		t0 = clock_mono_ns();
		fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0 || connect(fd, (struct sockaddr *)&to, sizeof(to)) < 0 ||
		    send(fd, buf, sizeof(buf), 0) != (ssize_t)sizeof(buf))
			fatal("connect+send to the listener");
		close(fd);
		m.wall += clock_mono_ns() - t0;
		drain(&m, cfg, i, i == LOOPS - 1);
	}
	return per_call(&m, LOOPS, cpu);
}

/* sendto() to one destination: the sendmsg hook's dedupe hit path. */
static double time_sendto(int cfg, double *cpu)
{
	struct meter m = { 0, cpu_ns(), 0 };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), i;
	uint64_t t0;

	for (i = 0; i < CALLS; i++) {
		t0 = clock_mono_ns();
		sendto(fd, "x", 1, 0, (struct sockaddr *)&target, sizeof(target));
		m.wall += clock_mono_ns() - t0;
		drain(&m, cfg, i, i == CALLS - 1);
	}
	close(fd);
	return per_call(&m, CALLS, cpu);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* One line of the cost table: the median of each configuration. */
static void report(const char *what, const char *unit,
		   double v[NCFG][ROUNDS])
{
	double med[NCFG];
	char name[112];
	int c;

	for (c = 0; c < NCFG; c++) {
		qsort(v[c], ROUNDS, sizeof(double), cmp_double);
		med[c] = v[c][ROUNDS / 2];
	}
	printf("  %-36s %-4s %8.0f %8.0f %8.0f   %.3f  %.3f\n", what, unit,
	       med[0], med[1], med[2], med[1] / med[0], med[2] / med[0]);
	for (c = 0; c < NCFG; c++) {
		snprintf(name, sizeof(name), "%s, %s, %s", what, unit,
			 cfg_name[c]);
		row("cost", name, med[c], "ns/call", c ? "vs-none" : "");
	}
}

static void cost(void)
{
	static double t[4][NCFG][ROUNDS], u[4][NCFG][ROUNDS];
	static const char *const what[4] = {
		"connect() TCP, refused (loopback)",
		"connect+send 1 KiB+close (loopback)",
		"connect() UDP (no packet)",
		"sendto() UDP, one dest (dedupe hit)",
	};
	int r, c, i, k;

	/* each round starts with the next configuration, so that what
	 * builds up over the run (TIME_WAIT sockets) hits each alike */
	for (r = 0; r < ROUNDS; r++) {
		for (i = 0; i < NCFG; i++) {
			c = (r + i) % NCFG;
			if (c != CFG_NONE &&
			    open_mode(NET_MODE_BPF, c == CFG_OUTCOMES) < 0)
				return;
			t[0][c][r] = time_connects(SOCK_STREAM, c, &u[0][c][r]);
			t[1][c][r] = time_sessions(c, &u[1][c][r]);
			t[2][c][r] = time_connects(SOCK_DGRAM, c, &u[2][c][r]);
			t[3][c][r] = time_sendto(c, &u[3][c][r]);
			if (c != CFG_NONE)
				net_ops.stop(&P);
		}
	}
	printf("cost per call, median of %d rounds, configurations interleaved "
	       "(each round starts with the next)\n"
	       "(wall: the calls; cpu: the thread's CPU time over the loop, socket\n"
	       " and close included, the probe's draining not)\n"
	       "  %-36s %-4s %8s %8s %8s   ratio to none\n", ROUNDS, "(ns)", "",
	       "none", "attempts", "outcomes");
	for (k = 0; k < 4; k++) {
		report(what[k], "wall", t[k]);
		report(what[k], "cpu", u[k]);
	}
}

/* A child in the cell: refused connects for RATE_NS, at most rate per
 * second (0: as fast as it can).  Exits with how many it made / 1000. */
static pid_t generator(uint64_t rate)
{
	uint64_t t0, now, n = 0;
	pid_t pid = fork();
	int fd;

	if (pid != 0)
		return pid;
	t0 = clock_mono_ns();
	while ((now = clock_mono_ns()) - t0 < RATE_NS) {
		if (rate && n * NS_PER_SEC > (now - t0) * rate)
			continue;
		fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		connect(fd, (struct sockaddr *)&target, sizeof(target));
		close(fd);
		n++;
	}
	_exit((int)(n / 1000 > 255 ? 255 : n / 1000));
}

/* What the probe delivers while kids generators run at rate each. */
static void sustain(const char *name, int kids, uint64_t rate)
{
	uint64_t t0, t1, made = 0;
	pid_t pid[2];
	int i, st, left = kids;

	if (open_mode(NET_MODE_BPF, 1) < 0)
		return;
	t0 = clock_mono_ns();
	for (i = 0; i < kids; i++)
		pid[i] = generator(rate);
	while (left > 0) {
		pump(clock_mono_ns() + NS_PER_MS);
		for (i = 0; i < kids; i++)
			if (pid[i] > 0 && waitpid(pid[i], &st, WNOHANG) == pid[i]) {
				made += (uint64_t)WEXITSTATUS(st) * 1000;
				pid[i] = 0;
				left--;
			}
	}
	t1 = clock_mono_ns();
	pump(t1 + 100 * NS_PER_MS);
	net_ops.stop(&P);
	printf("  %-30s ~%6llu connects, %7u records, %9.0f records/s, "
	       "%llu counted lost\n", name, (unsigned long long)made, events,
	       events * 1e9 / (double)(t1 - t0),
	       (unsigned long long)P.dropped[LOSS_NET_RINGBUF]);
	row("sustain", name, events * 1e9 / (double)(t1 - t0), "records/s", NULL);
	row("sustain", name, (double)P.dropped[LOSS_NET_RINGBUF], "lost", NULL);
}

static void rates(void)
{
	static const uint64_t paced[] = { 10000, 25000, 50000, 100000 };
	char name[64];
	size_t i;

	printf("records the probe delivers (with outcomes: 2 per refused "
	       "connect), %.0f s each:\n", (double)RATE_NS / NS_PER_SEC);
	for (i = 0; i < sizeof(paced) / sizeof(paced[0]); i++) {
		snprintf(name, sizeof(name), "1 child, %llu connects/s",
			 (unsigned long long)paced[i]);
		sustain(name, 1, paced[i]);
	}
	sustain("1 child, flat out", 1, 0);
	sustain("2 children, flat out", 2, 0);
}

/* A child makes BURST refused connects while we run the probe. */
static void capture(int mode, const char *name)
{
	uint64_t t0, t1 = 0;
	pid_t pid;
	int i, fd, st;

	if (open_mode(mode, mode == NET_MODE_BPF) < 0)
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
	printf("  %-22s %4u of %u seen (%5.1f%%), burst took %.1f ms, "
	       "ring full %llu\n", name, seen, BURST, 100.0 * seen / BURST,
	       (double)(t1 - t0) / 1e6,
	       (unsigned long long)P.dropped[LOSS_NET_RINGBUF]);
	row("capture", name, 100.0 * seen / BURST, "% seen", NULL);
	if (mode == NET_MODE_BPF)
		row("capture", "BPF hooks: records the ring had no room for",
		    (double)P.dropped[LOSS_NET_RINGBUF], "records", NULL);
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

/* A port of 127.0.0.1 nobody listens on: bind, note, close. */
static void closed_port(void)
{
	socklen_t len = sizeof(target);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	target.sin_family = AF_INET;
	target.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&target, sizeof(target)) < 0 ||
	    getsockname(fd, (struct sockaddr *)&target, &len) < 0)
		fatal("closed port");
	close(fd);
}

/* The listener, a child that stays outside the cell: it reads every
 * connection to its end and closes it.  Returns its pid. */
static pid_t listener(void)
{
	socklen_t len = sizeof(server);
	char buf[4096];
	int fd = socket(AF_INET, SOCK_STREAM, 0), c, one = 1;
	pid_t pid;

	server.sin_family = AF_INET;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&server, sizeof(server)) < 0 ||
	    listen(fd, 4096) < 0 ||
	    getsockname(fd, (struct sockaddr *)&server, &len) < 0)
		fatal("listener");
	pid = fork();
	if (pid != 0) {
		close(fd);
		return pid;
	}
	for (;;) {
		c = accept(fd, NULL, NULL);
		if (c < 0)
			continue;
		while (read(c, buf, sizeof(buf)) > 0)
			;
		close(c);
	}
}

/* Our own namespace: loopback up, the whole port range (TIME_WAIT). */
static void netns(void)
{
	if (unshare(CLONE_NEWNET) < 0)
		fatal("unshare(CLONE_NEWNET)");
	lo_up();
	write_file("/proc/sys/net/ipv4/ip_local_port_range", "1024 65535");
}

int main(int argc, char **argv)
{
	char root[NET_PATH_MAX], home[NET_PATH_MAX * 2];
	char procs[NET_PATH_MAX * 2 + 16], pid[24], why[MECH_WHY_MAX];
	int mounted;
	pid_t srv;

	log_init("netconnect", 0);
	rows = argc > 1 && strcmp(argv[1], "-r") == 0;
	if (geteuid() != 0) {
		printf("netconnect: needs root; skipped\n");
		return 0;
	}
	netns();
	if (cgroup2_root(root, sizeof(root), &mounted, why, sizeof(why)) < 0)
		fatalx("%s", why);
	own_cgroup(root, home, sizeof(home));
	closed_port();
	srv = listener();			/* before we join the cell */
	snprintf(cg, sizeof(cg), "%s/cellos-bench-%d", root, (int)getpid());
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	if (mkdir(cg, 0700) < 0)
		fatal("mkdir %s", cg);
	snprintf(procs, sizeof(procs), "%s/cgroup.procs", cg);
	write_file(procs, pid);
	snprintf(want_dst, sizeof(want_dst), "127.0.0.1:%u", ntohs(target.sin_port));
	snprintf(want_dst0, sizeof(want_dst0), "127.0.0.1:0");
	loop_setup();
	printf("capture of a %d-connect burst (refused, loopback):\n", BURST);
	capture(NET_MODE_BPF, "BPF hooks");
	capture(NET_MODE_DIAG, "sock_diag (50 ms dump)");
	capture(NET_MODE_PROC, "/proc/net (50 ms poll)");
	cost();
	rates();
	kill(srv, SIGKILL);
	waitpid(srv, NULL, 0);
	snprintf(procs, sizeof(procs), "%s/cgroup.procs", home);
	write_file(procs, pid);
	if (rmdir(cg) < 0)
		log_warn("rmdir %s", cg);
	return 0;
}
