/*
 * cap_audit.c: capability.denied from the audit netlink, with the agent
 * as the guest's audit daemon (cap_audit.h).
 *
 * Set-up and clean stop talk to the kernel synchronously (request, wait
 * at most CAP_REPLY_TIMEOUT_MS for the reply); records that arrive
 * meanwhile are handled, not dropped.  In the loop only records and the
 * periodic AUDIT_GET (for `lost`) come in.  Parsing is cap_auditmsg.c's.
 */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/audit.h>
#include <linux/netlink.h>
#include "agent/actor.h"
#include "lib/clock.h"
#include "lib/fmt.h"
#include "lib/log.h"
#include "lib/sys.h"
#include "cap_audit.h"
#include "cap_auditmsg.h"

#if defined(__x86_64__)
static const uint32_t arches[2] = { AUDIT_ARCH_X86_64, AUDIT_ARCH_I386 };
#elif defined(__aarch64__)
static const uint32_t arches[2] = { AUDIT_ARCH_AARCH64, AUDIT_ARCH_ARM };
#else
#error "cap_audit: add this architecture's AUDIT_ARCH values"
#endif

/* Record time (wall clock, ms) -> the monotonic clock: now, less the
 * record's age. */
static uint64_t rec_mono(const struct audit_rec *r)
{
	uint64_t real = r->sec * NS_PER_SEC + r->ms * NS_PER_MS;
	uint64_t now_real = clock_real_ns(), mono = clock_mono_ns();
	uint64_t age = now_real > real ? now_real - real : 0;

	return mono > age ? mono - age : 0;
}

/* The kernel's `lost` (a u32 that wraps) as the loss since open. */
static void note_lost(struct cap_audit *a, uint32_t lost)
{
	a->p->dropped[LOSS_AUDIT_LOST] = (uint32_t)(lost - a->lost0);
}

/* An AUDIT_SYSCALL record: parse it and emit capability.denied. */
static void on_syscall(struct cap_audit *a, const uint8_t *p, size_t n)
{
	struct audit_rec r;

	if (audit_parse_syscall((const char *)p, n, &r) < 0) {
		a->p->dropped[LOSS_PROBE_ERROR]++;
		LOG_RL(log_warnx, "cap: an AUDIT_SYSCALL record did not parse");
		return;
	}
	audit_event(&r, &a->ev, rec_mono(&r));
	actor_stamp(&a->ev);		/* the denied process's start_ns */
	probe_emit(a->p, &a->ev);
}

/* Any message that is not the reply a synchronous request waits for. */
static void on_msg(struct cap_audit *a, uint16_t type, const uint8_t *p,
		   size_t n)
{
	struct audit_status st;

	if (type == AUDIT_SYSCALL) {
		on_syscall(a, p, n);
	} else if (type == AUDIT_GET && n >= offsetof(struct audit_status,
						      backlog)) {
		memset(&st, 0, sizeof(st));
		memcpy(&st, p, n < sizeof(st) ? n : sizeof(st));
		note_lost(a, st.lost);
	}
	/* PATH, CWD, PROCTITLE, EOE, CONFIG_CHANGE, BPF...: not ours. */
}

/* Every message of one received datagram; the one answering seq with
 * want_type (or an error for seq) is copied to out instead.  Returns 1
 * when that answer was seen (*err its errno, 0 for an ack). */
static int on_datagram(struct cap_audit *a, size_t len, uint32_t seq,
		       uint16_t want, void *out, size_t cap, int *err)
{
	struct audit_it it = { a->buf, len, 0 };
	const uint8_t *p;
	uint16_t type;
	uint32_t s;
	size_t n;
	int e, done = 0;

	while (audit_next(&it, &type, &s, &p, &n) == 1) {
		if (seq && s == seq && type == NLMSG_ERROR && n >= sizeof(int)) {
			memcpy(&e, p, sizeof(e));
			*err = -e;
			done = done || e != 0 || want == NLMSG_ERROR;
		} else if (seq && s == seq && type == want) {
			memcpy(out, p, n < cap ? n : cap);
			*err = 0;
			done = 1;
		} else {
			on_msg(a, type, p, n);
		}
	}
	return done;
}

/* Send a request and wait for its answer: the reply of type want, or the
 * ack when want is NLMSG_ERROR.  0, or -1 with errno (the kernel's). */
static int request(struct cap_audit *a, uint16_t type, const void *payload,
		   size_t plen, uint16_t want, void *out, size_t cap)
{
	uint8_t msg[NLMSG_HDRLEN + sizeof(struct audit_rule_data) + 8];
	uint64_t now, end = clock_mono_ns() + CAP_REPLY_TIMEOUT_MS * NS_PER_MS;
	struct pollfd pfd = { .fd = a->fd, .events = POLLIN };
	uint32_t seq = ++a->seq;
	ssize_t r;
	size_t n;
	int err = 0;

	n = audit_msg(msg, sizeof(msg), type, want == NLMSG_ERROR ? NLM_F_ACK : 0,
		      seq, payload, plen);
	if (n == 0 || send(a->fd, msg, n, 0) < 0)
		return -1;
	while ((now = clock_mono_ns()) < end) {
		if (poll(&pfd, 1, (int)((end - now) / NS_PER_MS) + 1) < 0 &&
		    errno != EINTR)
			return -1;
		r = recv(a->fd, a->buf, sizeof(a->buf), MSG_DONTWAIT);
		/* ENOBUFS: an overrun; kauditd keeps the record for later (or
		 * counts it in `lost`), so nothing is lost unseen. */
		if (r < 0 && (errno == EAGAIN || errno == EINTR || errno == ENOBUFS))
			continue;
		if (r < 0)
			return -1;
		if (on_datagram(a, (size_t)r, seq, want, out, cap, &err)) {
			errno = err;
			return err ? -1 : 0;
		}
	}
	errno = ETIMEDOUT;
	return -1;
}

/* AUDIT_SET of the fields in mask; waits for the ack. */
static int set_status(struct cap_audit *a, uint32_t mask, uint32_t pid,
		      uint32_t enabled, uint32_t limit, uint32_t wait)
{
	struct audit_status s;

	memset(&s, 0, sizeof(s));
	s.mask = mask;
	s.pid = pid;
	s.enabled = enabled;
	s.backlog_limit = limit;
	s.backlog_wait_time = wait;
	return request(a, AUDIT_SET, &s, sizeof(s), NLMSG_ERROR, NULL, 0);
}

/* Add or delete rule i (0, 1: exit rules; 2: the exclude rule). */
static int rule_op(struct cap_audit *a, uint16_t op, int i)
{
	struct audit_rule_data r;
	size_t n = i < 2 ? audit_rule(&r, sizeof(r), arches[i])
			 : audit_rule_exclude(&r, sizeof(r));

	return request(a, op, &r, n, NLMSG_ERROR, NULL, 0);
}

#define STATUS_CFG (AUDIT_STATUS_ENABLED | AUDIT_STATUS_BACKLOG_LIMIT | \
		    AUDIT_STATUS_BACKLOG_WAIT_TIME)

/* Read what is queued, to leave room for a reply (bounded). */
static unsigned drain(struct cap_audit *a, unsigned max);

enum undo { UNDO_RULE, UNDO_CFG, UNDO_PID };

/* One step of restore: delete a rule, restore settings, or release. */
static int undo_once(struct cap_audit *a, int what, int rule)
{
	if (what == UNDO_RULE)
		return rule_op(a, AUDIT_DEL_RULE, rule);
	if (what == UNDO_CFG)
		return set_status(a, STATUS_CFG, 0, a->prev_enabled,
				  a->prev_backlog_limit, a->prev_backlog_wait);
	return set_status(a, AUDIT_STATUS_PID, 0, 0, 0, 0);
}

/* Under a flood of records the kernel may drop an ack for want of room
 * in our socket: drain first, and try again when no answer came.  Each
 * step is idempotent; a rule that is gone on a second try is removed. */
static int undo(struct cap_audit *a, int what, int rule)
{
	int k, rc = -1;

	for (k = 0; k < 3; k++) {
		drain(a, 4 * CAP_BATCH);
		rc = undo_once(a, what, rule);
		if (rc < 0 && what == UNDO_RULE && errno == ENOENT && k > 0)
			rc = 0;
		if (rc == 0 || errno != ETIMEDOUT)
			break;
	}
	return rc;
}

/* Undo what open did, in reverse: rules, settings, the audit pid. */
static void restore(struct cap_audit *a, int registered, int configured)
{
	int i;

	for (i = CAP_NRULES - 1; i >= 0; i--)
		if (a->added[i] && undo(a, UNDO_RULE, i) < 0)
			log_warn("cap: removing audit rule %d", i);
	memset(a->added, 0, sizeof(a->added));
	if (configured && undo(a, UNDO_CFG, 0) < 0)
		log_warn("cap: restoring audit settings");
	if (registered && undo(a, UNDO_PID, 0) < 0)
		log_warn("cap: releasing the audit pid");
}

/* A bound, non-blocking NETLINK_AUDIT socket with a large buffer. */
static int sock_open(struct cap_audit *a)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	int sz = (int)CAP_RCVBUF;

	a->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
			NETLINK_AUDIT);
	if (a->fd < 0 || bind(a->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -1;
	if (setsockopt(a->fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)) < 0)
		setsockopt(a->fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	return 0;
}

/* Become the audit daemon, enable audit without ever blocking a task on
 * a full backlog (wait time 0: a record is dropped and counted instead). */
static int take_audit(struct cap_audit *a)
{
	struct audit_status st;

	memset(&st, 0, sizeof(st));
	if (request(a, AUDIT_GET, NULL, 0, AUDIT_GET, &st, sizeof(st)) < 0) {
		fmt_str(a->why, sizeof(a->why), "AUDIT_GET: %s",
			 strerror(errno));
		return -1;
	}
	if (st.enabled == 2) {
		fmt_str(a->why, sizeof(a->why), "audit is locked (enabled=2)");
		return -1;
	}
	a->prev_enabled = st.enabled;
	a->prev_backlog_limit = st.backlog_limit;
	a->prev_backlog_wait = st.backlog_wait_time;
	a->lost0 = st.lost;
	if (set_status(a, AUDIT_STATUS_PID, (uint32_t)getpid(), 0, 0, 0) < 0) {
		if (errno == EEXIST)
			fmt_str(a->why, sizeof(a->why),
				 "audit pid held by pid %u", st.pid);
		else
			fmt_str(a->why, sizeof(a->why), "AUDIT_SET pid: %s",
				 strerror(errno));
		return -1;
	}
	if (set_status(a, STATUS_CFG, 0, 1, CAP_BACKLOG_LIMIT, 0) < 0) {
		fmt_str(a->why, sizeof(a->why), "AUDIT_SET enable: %s",
			 strerror(errno));
		restore(a, 1, 0);
		return -1;
	}
	return 0;
}

/* The native rule must go in; the compat one (an arch the kernel may
 * lack) and the exclude rule (a saving) may fail. */
static int add_rules(struct cap_audit *a)
{
	int i;

	for (i = 0; i < CAP_NRULES; i++) {
		/* EEXIST: a rule left by an agent that died; adopt it. */
		if (rule_op(a, AUDIT_ADD_RULE, i) == 0 || errno == EEXIST) {
			a->added[i] = 1;
			continue;
		}
		if (i == 0) {
			fmt_str(a->why, sizeof(a->why), "AUDIT_ADD_RULE: %s",
				 strerror(errno));
			restore(a, 1, 1);
			return -1;
		}
		log_debug("cap: audit rule %d refused: %s", i, strerror(errno));
	}
	return 0;
}

int cap_audit_open(struct cap_audit *a, struct probe *p)
{
	memset(a, 0, sizeof(*a));
	a->p = p;
	if (sock_open(a) < 0) {
		fmt_str(a->why, sizeof(a->why), "audit socket: %s",
			 strerror(errno));
		goto fail;
	}
	if (take_audit(a) < 0 || add_rules(a) < 0)
		goto fail;
	a->next_get_ns = clock_mono_ns() + CAP_LOST_POLL_NS;
	return 0;
fail:
	sys_close(&a->fd);
	return -1;
}

/* Read at most max datagrams; returns how many. */
static unsigned drain(struct cap_audit *a, unsigned max)
{
	unsigned i;
	ssize_t n;
	int err;

	for (i = 0; i < max; i++) {
		n = recv(a->fd, a->buf, sizeof(a->buf), MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == ENOBUFS)
			continue;	/* an overrun: see request() */
		if (n < 0) {
			if (errno != EAGAIN) {
				a->p->dropped[LOSS_PROBE_ERROR]++;
				LOG_RL(log_warn, "cap: audit socket");
			}
			break;
		}
		on_datagram(a, (size_t)n, 0, 0, NULL, 0, &err);
	}
	return i;
}

unsigned cap_audit_read(struct cap_audit *a)
{
	return drain(a, CAP_BATCH);
}

void cap_audit_tick(struct cap_audit *a, uint64_t now)
{
	uint8_t msg[NLMSG_HDRLEN];
	size_t n;

	if (now < a->next_get_ns)
		return;
	a->next_get_ns = now + CAP_LOST_POLL_NS;
	/* The reply comes in with the records; on_msg reads `lost`. */
	n = audit_msg(msg, sizeof(msg), AUDIT_GET, 0, ++a->seq, NULL, 0);
	if (send(a->fd, msg, n, MSG_DONTWAIT) < 0)
		a->p->dropped[LOSS_PROBE_ERROR]++;
}

void cap_audit_close(struct cap_audit *a)
{
	struct audit_status st;

	restore(a, 1, 1);
	/* Records already queued for us; then the final `lost`. */
	while (drain(a, CAP_BATCH) == CAP_BATCH)
		;
	memset(&st, 0, sizeof(st));
	if (request(a, AUDIT_GET, NULL, 0, AUDIT_GET, &st, sizeof(st)) == 0)
		note_lost(a, st.lost);
	sys_close(&a->fd);
}
