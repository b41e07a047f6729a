/*
 * probe_proc.c: the process probe.  Primary: the kernel's proc connector
 * (NETLINK_CONNECTOR, CN_IDX_PROC), which reports every fork, exec and
 * exit.  Fallback, and `--probe process=poll`: the /proc diff at a fixed
 * cadence (the CellOS 0.5 method).
 *
 * The connector answers LISTEN only in the initial pid and user namespace
 * (and with CAP_NET_ADMIN): no ack within PROC_ACK_WAIT_MS means refused.
 * A kernel ENOBUFS means it dropped events: it is counted as
 * kernel_nobufs and /proc is rescanned once the socket is drained, the
 * difference going out as synthetic events.  What this file does not do:
 * build events (proc_track.c) or parse datagrams (cnproc.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <linux/cn_proc.h>
#include <linux/connector.h>
#include <linux/netlink.h>
#include "agent/agent.h"
#include "lib/clock.h"
#include "lib/log.h"
#include "agent/probe.h"
#include "proc_track.h"
#include "wire/frame.h"

/* --probe process=poll: the /proc diff even when the connector works. */
enum { PROC_MODE_POLL = 2 };

static struct ptable_ent slots[PROC_TABLE_CAP];

static struct {
	struct probe *p;
	struct loop *l;
	struct proc_track pt;
	struct loop_fd nl;		/* the connector socket, fd -1 if none */
	struct cnproc_stats st;
	uint64_t poll_ns;		/* poll mode: the cadence; 0 otherwise */
	uint64_t untracked_seen;
	int resync;			/* ENOBUFS seen: rescan when drained */
	int acked;			/* the LISTEN ack came back */
	int ack_err;
} P;	/* no initializer: stays in .bss */

static void emit(void *ctx, struct event *ev)
{
	(void)ctx;
	agent_emit(ev);
}

static void on_rec(void *ctx, const struct cnproc_rec *r)
{
	(void)ctx;
	if (r->kind == CNP_ACK) {
		P.acked = 1;
		P.ack_err = (int)r->err;
		return;
	}
	if (P.acked)
		proc_track_rec(&P.pt, r);
}

/* Send one LISTEN/IGNORE request (old form when mask is 0). */
static int cn_send(uint32_t op, uint32_t mask)
{
	uint8_t buf[64];
	struct sockaddr_nl to = { .nl_family = AF_NETLINK };
	int n = cnproc_request(buf, sizeof(buf), op, mask, 0);

	return sendto(P.nl.fd, buf, (size_t)n, 0, (struct sockaddr *)&to,
		      sizeof(to)) == n ? 0 : -1;
}

/* Wait at set-up for the LISTEN ack; records before it are not ours yet. */
static void cn_wait_ack(void)
{
	static uint8_t buf[8192] __attribute__((aligned(8)));
	uint64_t end = clock_mono_ns() + PROC_ACK_WAIT_MS * NS_PER_MS;
	struct pollfd pfd = { .fd = P.nl.fd, .events = POLLIN };
	uint64_t now;
	ssize_t n;

	while (!P.acked && (now = clock_mono_ns()) < end) {
		if (poll(&pfd, 1, (int)((end - now) / NS_PER_MS + 1)) <= 0)
			continue;
		while (!P.acked && (n = recv(P.nl.fd, buf, sizeof(buf), 0)) > 0)
			cnproc_parse(buf, (size_t)n, on_rec, NULL, &P.st);
	}
}

/* Open the connector and LISTEN; -1 with the reason in why. */
static int cn_open(uint32_t rcvbuf, char *why, size_t cap)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK,
				  .nl_groups = CN_IDX_PROC };
	int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
			NETLINK_CONNECTOR);

	if (fd < 0)
		return snprintf(why, cap, "connector: %s", strerror(errno)), -1;
	P.nl.fd = fd;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		snprintf(why, cap, "connector: bind: %s", strerror(errno));
		goto out_close;
	}
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf,
		       sizeof(rcvbuf)) < 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf,
				 sizeof(rcvbuf));
	if (cn_send(PROC_CN_MCAST_LISTEN, 0) < 0) {
		snprintf(why, cap, "connector: send: %s", strerror(errno));
		goto out_close;
	}
	cn_wait_ack();
	if (!P.acked || P.ack_err) {
		snprintf(why, cap, "connector %s", P.acked ?
			 strerror(P.ack_err) : "refused: not the initial namespace");
		goto out_close;
	}
	/* 6.6+ filters in the kernel; older kernels ignore this form */
	(void)cn_send(PROC_CN_MCAST_LISTEN, PROC_EVENT_FORK | PROC_EVENT_EXEC |
		      PROC_EVENT_EXIT);
	return 0;
out_close:
	close(fd);
	P.nl.fd = -1;
	return -1;
}

/* Count what the table could not hold: in poll mode such a process's
 * exit can never be reported, so it is a loss (probe_error). */
static void count_untracked(void)
{
	uint64_t n = P.pt.untracked - P.untracked_seen;

	if (n && P.poll_ns) {
		P.p->dropped[LOSS_PROBE_ERROR] += n;
		LOG_RL(log_warnx, "process table full: %llu untracked",
		       (unsigned long long)P.pt.untracked);
	}
	P.untracked_seen = P.pt.untracked;
}

static void rescan(void)
{
	if (proc_track_rescan(&P.pt) < 0) {
		P.p->dropped[LOSS_PROBE_ERROR]++;
		LOG_RL(log_warn, "process: /proc scan");
	}
	count_untracked();
}

/* Drain the connector in bounded batches; resync after ENOBUFS. */
static void on_readable(void *ctx, uint32_t events)
{
	static uint8_t buf[PROC_DGRAM_BYTES] __attribute__((aligned(8)));
	ssize_t n;
	int i;

	(void)ctx, (void)events;
	for (i = 0; i < PROC_READ_BATCH; i++) {
		n = recv(P.nl.fd, buf, sizeof(buf), 0);
		if (n < 0 && errno == ENOBUFS) {
			P.p->dropped[LOSS_KERNEL_NOBUFS]++;
			P.resync = 1;
			continue;
		}
		if (n < 0) {
			if (errno != EAGAIN && errno != EINTR)
				LOG_RL(log_warn, "process: connector recv");
			break;
		}
		cnproc_parse(buf, (size_t)n, on_rec, NULL, &P.st);
	}
	count_untracked();
	if (i < PROC_READ_BATCH && P.resync) {
		P.resync = 0;
		rescan();
	}
}

static void on_poll(void *ctx, uint64_t now)
{
	(void)ctx;
	rescan();
	P.p->timer.at = now + P.poll_ns;
}

static int proc_arm(struct probe *p, const struct config *c, struct loop *l)
{
	int procfd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int forced = p->mode == PROC_MODE_POLL, rc = 0;
	char why[PROBE_WHY_MAX];

	P.p = p, P.l = l;
	P.nl.fd = -1;
	if (procfd < 0)
		return snprintf(p->why, sizeof(p->why), "/proc: %s",
				strerror(errno)), -1;
	proc_track_init(&P.pt, slots, PROC_TABLE_CAP, procfd,
			c->profile == WIRE_STRICT, emit, NULL);
	if (forced || cn_open(c->proc_rcvbuf, why, sizeof(why)) < 0) {
		if (forced)
			snprintf(p->why, sizeof(p->why), "poll:%ums", c->poll_ms);
		else
			snprintf(p->why, sizeof(p->why), "poll:%ums (%.60s)",
				 c->poll_ms, why);
		P.poll_ns = c->poll_ms * NS_PER_MS;
		p->timer.fn = on_poll;
		p->timer.at = clock_mono_ns() + P.poll_ns;
		rc = 1;
	} else {
		P.nl.fn = on_readable;
		if (loop_add(l, &P.nl, EPOLLIN) < 0) {
			snprintf(p->why, sizeof(p->why), "epoll: %s",
				 strerror(errno));
			close(P.nl.fd);
			close(procfd);
			return -1;
		}
	}
	rescan();		/* the start-up inventory, as synthetic events */
	return rc;
}

static void proc_stop(struct probe *p)
{
	(void)p;
	if (P.nl.fd >= 0) {
		(void)cn_send(PROC_CN_MCAST_IGNORE, 0);
		loop_del(P.l, &P.nl);
		close(P.nl.fd);
		P.nl.fd = -1;
	}
	close(P.pt.procfd);
}

const struct probe_ops proc_ops = {
	.name = "process",
	.modes = { "off", "on", "poll" },
	.default_mode = 1,
	.arm = proc_arm,
	.stop = proc_stop,
};
