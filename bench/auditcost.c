/*
 * auditcost.c: benchmark of the capability probe (make bench-probes): what
 * its audit rule costs each system call.
 *
 * Children time a loop of getppid() (a call the rule never matches: what
 * every syscall pays) and of a denied setuid(0) as uid 65534 (a call the
 * rule records), forked in three states:
 *   no audit      under a temporary `never,task` rule: the task gets no
 *                 audit context, as on a guest where audit never ran
 *   audit idle    audit disabled, but enabled once since boot: the task
 *                 still takes the syscall audit path (a machine where a
 *                 previous test or agent enabled audit)
 *   probe armed   after the probe armed: audit on, the rule in place; the
 *                 parent reads the records meanwhile
 * Same run, same machine.  Root only; restores audit as it found it.
 */
#include <errno.h>
#include <sys/epoll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/audit.h>
#include <linux/netlink.h>
#include "agent/cap/cap_auditmsg.h"
#include "agent/config.h"
#include "agent/probe.h"
#include "lib/clock.h"
#include "lib/log.h"
#include "lib/loop.h"

#define PPID_CALLS	1000000
#define DENY_CALLS	20000
#define REPS		3

extern const struct probe_ops cap_ops;
static struct probe P = { .ops = &cap_ops };	/* the probe, alone */
static struct loop L;				/* the agent's loop */
static uint64_t records;

static int on_event(struct event *ev)
{
	(void)ev;
	records++;
	return 0;
}

/* The child: min over REPS of ns per call, written to fd. */
static void child_loop(int deny, int fd)
{
	double best = 1e30, ns;
	long i, n = deny ? DENY_CALLS : PPID_CALLS;
	uint64_t t0;
	int r;

	if (deny && setuid(65534) < 0)
		_exit(1);
	for (r = 0; r < REPS; r++) {
		t0 = clock_mono_ns();
		for (i = 0; i < n; i++)
			syscall(deny ? SYS_setuid : SYS_getppid, 0);
		ns = (double)(clock_mono_ns() - t0) / (double)n;
		best = ns < best ? ns : best;
	}
	if (write(fd, &best, sizeof(best)) != sizeof(best))
		_exit(1);
	_exit(0);
}

struct kid {
	pid_t pid;
	int go, res;		/* pipes: start signal, result */
};

/* Fork a child that waits for go() before timing. */
static void spawn(struct kid *k, int deny)
{
	int g[2], r[2];
	char c;

	if (pipe(g) < 0 || pipe(r) < 0)
		fatal("pipe");
	k->pid = fork();
	if (k->pid == 0) {
		close(g[1]);
		close(r[0]);
		if (read(g[0], &c, 1) != 1)
			_exit(1);
		child_loop(deny, r[1]);
	}
	close(g[0]);
	close(r[1]);
	k->go = g[1];
	k->res = r[0];
}

/* The child's result came (or it died): leave the loop. */
static void on_result(void *ctx, uint32_t events)
{
	(void)ctx, (void)events;
	loop_stop(&L);
}

/* Start the child, run the loop (the probe, when armed) until it reports. */
static double finish(struct kid *k)
{
	struct loop_fd res = { k->res, on_result, NULL };
	double ns = -1;

	if (loop_add(&L, &res, EPOLLIN) < 0 || write(k->go, "g", 1) != 1)
		fatal("go");
	if (loop_run(&L) < 0)
		fatal("epoll_wait");
	loop_del(&L, &res);
	if (read(k->res, &ns, sizeof(ns)) != sizeof(ns))
		ns = -1;
	waitpid(k->pid, NULL, 0);
	close(k->go);
	close(k->res);
	return ns;
}

/* Add or delete `never,task`: tasks forked meanwhile get no audit context. */
static int never_task(uint16_t op)
{
	struct audit_rule_data r;
	uint8_t msg[NLMSG_HDRLEN + sizeof(r)], buf[8192];
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_AUDIT), e = -1;
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	size_t n;
	ssize_t got;

	memset(&r, 0, sizeof(r));
	r.flags = AUDIT_FILTER_TASK;
	r.action = AUDIT_NEVER;
	n = audit_msg(msg, sizeof(msg), op, NLM_F_ACK, 1, &r, sizeof(r));
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    send(fd, msg, n, 0) < 0)
		fatal("audit socket");
	while ((got = recv(fd, buf, sizeof(buf), 0)) > 0) {
		struct nlmsghdr h;

		memcpy(&h, buf, sizeof(h));
		if (h.nlmsg_type == NLMSG_ERROR) {
			memcpy(&e, buf + NLMSG_HDRLEN, sizeof(e));
			break;
		}
	}
	close(fd);
	return e;
}

static void row(const char *state, double ppid, double deny, double base_p,
		double base_d)
{
	printf("  %-13s %9.0f ns  (x%.2f)  %9.0f ns  (x%.2f)\n", state, ppid,
	       ppid / base_p, deny, deny / base_d);
}

int main(void)
{
	static struct config cfg;
	struct kid a, a2, b, b2, c, c2;
	double pa, da, pb, db, pcost, dc;
	sigset_t none;

	log_init("auditcost", 0);
	if (geteuid() != 0) {
		printf("auditcost: needs root; skipped\n");
		return 0;
	}
	sigemptyset(&none);
	config_defaults(&cfg);
	P.emit = on_event;
	if (loop_init(&L, &none, NULL, NULL, NULL) < 0 ||
	    loop_timer_add(&L, &P.timer) < 0)
		fatal("loop");
	if (never_task(AUDIT_ADD_RULE) != 0)
		fatalx("cannot add a never,task audit rule");
	spawn(&a, 0);
	spawn(&a2, 1);
	never_task(AUDIT_DEL_RULE);
	pa = finish(&a);
	da = finish(&a2);
	spawn(&b, 0);
	spawn(&b2, 1);
	pb = finish(&b);
	db = finish(&b2);
	if (cap_ops.arm(&P, &cfg, &L) < 0)
		fatalx("capability probe: %s", P.why);
	spawn(&c, 0);
	spawn(&c2, 1);
	pcost = finish(&c);
	dc = finish(&c2);
	cap_ops.stop(&P);
	printf("per-syscall cost of the audit rule (min of %d loops):\n"
	       "  %-13s %12s %9s %12s %9s\n", REPS, "child forked", "getppid()",
	       "", "setuid(0) denied", "");
	row("no audit", pa, da, pa, da);
	row("audit idle", pb, db, pa, da);
	row("probe armed", pcost, dc, pa, da);
	printf("  records read while armed: %llu events, audit lost %llu\n",
	       (unsigned long long)records,
	       (unsigned long long)P.dropped[LOSS_AUDIT_LOST]);
	return 0;
}
