/*
 * proc_ops.c: the process probe in the agent: the connector socket and
 * the /proc directory fd it owns, the poll timer, the losses.
 *
 * Primary: the kernel's proc connector (proc_connector.c), which reports
 * every fork, exec and exit.  Fallback, and `--probe process=poll`: the
 * /proc diff at a fixed cadence (the CellOS 0.5 method).  A kernel
 * ENOBUFS means it dropped events: it is counted as kernel_nobufs and
 * /proc is rescanned once the socket is drained, the difference going
 * out as synthetic events.  The socket is a coalesced fd of the loop
 * (lib/coalesce.h): under a burst it is read every few ms instead of per
 * message.  Events are built in proc_track.c, datagrams parsed in
 * proc_cnmsg.c.
 *
 * Beside the connector, the exe source (hello's "process.exe"): a
 * fanotify group (proc_fanotify.c), read as part of each connector
 * drain (an exec's fanotify records are queued before its connector
 * message, so they are there when its exec is handled; no wakeup of its
 * own), and its mountinfo watch in the loop; where fanotify is refused,
 * exe comes from /proc/PID/exe as before, and hello says why.  The
 * probe's table answers actor.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include "agent/actor.h"
#include "agent/probe.h"
#include "lib/clock.h"
#include "lib/fmt.h"
#include "lib/log.h"
#include "lib/sys.h"
#include "proc_connector.h"
#include "proc_track.h"
#include "wire/frame.h"

/* The mode words' numbers (proc_ops.modes). */
enum { PROC_MODE_OFF, PROC_MODE_ON, PROC_MODE_POLL };

static struct ptable_ent slots[PROC_TABLE_CAP];

static struct {
	struct probe *p;
	struct loop *l;
	struct proc_track pt;
	struct loop_cfd nl;		/* the connector socket, fd -1 if none */
	struct loop_fd mounts;		/* /proc/self/mountinfo: EPOLLPRI */
	struct proc_fan f;		/* the fanotify group, f.fd -1 if none */
	struct cnproc_stats st;
	uint64_t poll_ns;		/* poll mode: the cadence; 0 otherwise */
	uint64_t untracked_seen;
	int resync;			/* ENOBUFS seen: rescan when drained */
} P;	/* no initializer: stays in .bss */

static void on_rec(void *ctx, const struct cnproc_rec *r)
{
	(void)ctx;
	proc_track_rec(&P.pt, r);	/* a late ack is not a process event */
}

static void on_peek(void *ctx, const struct cnproc_rec *r)
{
	(void)ctx;
	proc_track_peek(&P.pt, r);
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

/* fanotify records: into the exec chains, ahead of the connector's
 * records of the same execs, as far as the chain table has room. */
static void fan_read(void)
{
	if (P.pt.fan && proc_fan_drain(&P.f, 0) < 0)
		LOG_RL(log_warn, "process: fanotify read");
}

/* recvmmsg's slots: one datagram each, their headers set once. */
static struct {
	uint8_t buf[PROC_RECV_MSGS][PROC_DGRAM_BYTES] __attribute__((aligned(8)));
	struct iovec iov[PROC_RECV_MSGS];
	struct mmsghdr mm[PROC_RECV_MSGS];
} R;

static void recv_setup(void)
{
	int i;

	for (i = 0; i < PROC_RECV_MSGS; i++) {
		R.iov[i].iov_base = R.buf[i];
		R.iov[i].iov_len = PROC_DGRAM_BYTES;
		R.mm[i].msg_hdr.msg_iov = &R.iov[i];
		R.mm[i].msg_hdr.msg_iovlen = 1;
	}
}

/* The bytes of slot i to parse: none when the datagram was cut (the
 * parser counts it malformed). */
static size_t dgram_len(int i)
{
	return R.mm[i].msg_hdr.msg_flags & MSG_TRUNC ? 0 : R.mm[i].msg_len;
}

/* Handle the n datagrams of one recvmmsg, after a look at what exits
 * among them (its own counters: each record counts once, below). */
static void handle(int n)
{
	struct cnproc_stats seen = { 0, 0, 0 };
	int i;

	for (i = 0; i < n; i++)
		cnproc_parse(R.buf[i], dgram_len(i), on_peek, NULL, &seen);
	for (i = 0; i < n; i++)
		cnproc_parse(R.buf[i], dgram_len(i), on_rec, NULL, &P.st);
	proc_track_peek_end(&P.pt);
}

/* Drain the connector in bounded batches, several datagrams per system
 * call; resync after ENOBUFS (which recvmmsg reports on the call after
 * the datagrams it returned). */
static struct coalesce_drain on_readable(void *ctx)
{
	struct coalesce_drain d = { 0, 0, 0 };
	int n;

	(void)ctx;
	fan_read();
	while (d.items < PROC_READ_BATCH) {
		n = recvmmsg(P.nl.fd, R.mm, PROC_RECV_MSGS, MSG_DONTWAIT, NULL);
		if (n < 0) {
			if (errno == ENOBUFS) {
				P.p->dropped[LOSS_KERNEL_NOBUFS]++;
				P.resync = d.loss = 1;
				d.items++;
				continue;
			}
			if (errno != EAGAIN && errno != EINTR)
				LOG_RL(log_warn, "process: connector recv");
			break;
		}
		handle(n);
		d.items += (unsigned)n;
		if (n < PROC_RECV_MSGS)
			break;
	}
	d.more = d.items >= PROC_READ_BATCH;
	count_untracked();
	if (P.pt.fan && P.pt.conn_ns > PROC_PEND_NS)
		exejoin_expire(&P.f.join, P.pt.conn_ns - PROC_PEND_NS);
	if (!d.more && P.resync) {
		P.resync = 0;
		rescan();
	}
	return d;
}

/* actor.h's catch-up: the connector's queue into the table now, in at
 * most PROC_SYNC_ROUNDS batches (the loop's own reads come after). */
static void actor_sync(void)
{
	int i;

	for (i = 0; P.nl.fd >= 0 && i < PROC_SYNC_ROUNDS; i++)
		if (!on_readable(NULL).more)
			break;
}

/* The connector socket into the loop, coalesced: its capacity is the
 * receive buffer the kernel granted, in messages. */
static int add_socket(struct loop *l, const struct config *c)
{
	recv_setup();
	P.nl.drain = on_readable;
	P.nl.cfg.max_ns = c->coalesce_ms * NS_PER_MS;
	P.nl.cfg.capacity = sys_rcvbuf(P.nl.fd) / NETLINK_MSG_TRUESIZE;
	return loop_add_coalesced(l, &P.nl);
}

/* The mount table changed: mark the new mounts. */
static void on_mounts(void *ctx, uint32_t events)
{
	(void)ctx, (void)events;
	if (fan_marks_refresh(&P.f.marks) < 0)
		LOG_RL(log_warn, "process: /proc/self/mountinfo");
}

static int actor_answer(uint32_t pid, uint64_t from_ns, uint64_t at_ns,
			struct actor *a)
{
	return proc_track_actor(&P.pt, pid, from_ns, at_ns, a);
}

/* The exe source beside the connector: fanotify, or /proc (why). */
static void arm_fan(struct probe *p, const struct config *c, struct loop *l)
{
	struct probe_part *pp = &p->part;
	char why[PROBE_WHY_MAX - 8];

	pp->name = "exe";
	pp->state = PROBE_FALLBACK;
	P.f.fd = P.mounts.fd = -1;
	if (c->profile == WIRE_STRICT) {
		pp->state = PROBE_OFF;		/* v1.0 has no exec event */
		return;
	}
	if (P.nl.fd < 0) {
		fmt_str(pp->why, sizeof(pp->why), "proc (no exec events: poll)");
		return;
	}
	if (proc_fan_open(&P.f, P.pt.procfd, c->exe_hash, why,
			  sizeof(why)) < 0) {
		fmt_str(pp->why, sizeof(pp->why), "proc (%s)", why);
		log_info("process: exe from /proc: %s", why);
		return;
	}
	P.mounts.fd = P.f.marks.info_fd;
	P.mounts.fn = on_mounts;
	if (loop_add(l, &P.mounts, EPOLLPRI) < 0) {
		fmt_str(pp->why, sizeof(pp->why), "proc (epoll: %s)",
			 strerror(errno));
		proc_fan_close(&P.f);
		P.mounts.fd = -1;
		return;
	}
	P.pt.fan = &P.f;
	P.pt.hash = c->exe_hash;
	pp->state = PROBE_ARMED;
}

static void on_poll(void *ctx, uint64_t now)
{
	(void)ctx;
	rescan();
	P.p->timer.at = now + P.poll_ns;
}

/* The fallback (or the forced mode): a /proc diff every poll_ms. */
static void arm_poll(struct probe *p, const struct config *c,
		     const char *why)
{
	if (why)
		fmt_str(p->why, sizeof(p->why), "poll:%ums (%.60s)",
			 c->poll_ms, why);
	else
		fmt_str(p->why, sizeof(p->why), "poll:%ums", c->poll_ms);
	P.poll_ns = c->poll_ms * NS_PER_MS;
	p->timer.fn = on_poll;
	p->timer.at = clock_mono_ns() + P.poll_ns;
}

static int proc_arm(struct probe *p, const struct config *c, struct loop *l)
{
	int procfd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc = 0;
	char why[PROBE_WHY_MAX];

	P.p = p, P.l = l;
	P.nl.fd = -1;
	if (procfd < 0)
		return fmt_str(p->why, sizeof(p->why), "/proc: %s",
				strerror(errno)), -1;
	proc_track_init(&P.pt, slots, PROC_TABLE_CAP, procfd,
			c->profile == WIRE_STRICT, p);
	if (p->mode == PROC_MODE_POLL) {
		arm_poll(p, c, NULL);
		rc = 1;
	} else if ((P.nl.fd = proc_connector_open(c->proc_rcvbuf, why,
						  sizeof(why))) < 0) {
		arm_poll(p, c, why);
		rc = 1;
	} else {
		if (add_socket(l, c) < 0) {
			fmt_str(p->why, sizeof(p->why), "epoll: %s",
				 strerror(errno));
			proc_connector_close(P.nl.fd);
			close(procfd);
			return -1;
		}
	}
	arm_fan(p, c, l);
	actor_provide(actor_answer, actor_sync);
	rescan();		/* the start-up inventory, as synthetic events */
	return rc;
}

/* Copy in what the fanotify source counted (before a heartbeat). */
static void proc_refresh(struct probe *p)
{
	uint64_t now = clock_mono_ns();

	if (!P.pt.fan)
		return;
	/* a quiet connector: what waits are failed execs */
	if (now > PROC_PEND_NS)
		exejoin_expire(&P.f.join, now - PROC_PEND_NS);
	p->incomplete[INC_EXEC_FAILED] = P.f.join.failed;
	p->incomplete[INC_FANOTIFY_OVERFLOW] = proc_fan_lost(&P.f);
}

static void proc_stop(struct probe *p)
{
	if (P.nl.fd >= 0) {
		/* what a window held back, joined while fanotify is open */
		loop_del_coalesced(&P.nl);
		proc_connector_close(P.nl.fd);
		P.nl.fd = -1;
	}
	actor_provide(NULL, NULL);
	if (P.f.fd >= 0) {
		proc_refresh(p);	/* the last counts, for agent.stopping */
		loop_del(P.l, &P.mounts);
		proc_fan_close(&P.f);
		P.pt.fan = NULL;
	}
	close(P.pt.procfd);
}

const struct probe_ops proc_ops = {
	.name = "process",
	.modes = { [PROC_MODE_OFF] = "off", [PROC_MODE_ON] = "on",
		   [PROC_MODE_POLL] = "poll" },
	.default_mode = PROC_MODE_ON,
	.arm = proc_arm,
	.stop = proc_stop,
	.refresh = proc_refresh,
};
