/*
 * net_ops.c: the net probe in the agent: it picks a backend at arming
 * (net_bpf.c, net_diag.c, net_poll.c), puts the backend's fds in the
 * loop and its deadline on the probe's timer, and stops it.
 *
 * It knows no backend's insides, only their ops (net_backend.h); nothing
 * here knows BPF or netlink.  Backends emit and count their losses
 * through the probe themselves.
 */
#include <string.h>
#include "lib/fmt.h"
#include "lib/log.h"
#include "lib/nitems.h"
#include "lib/sys.h"
#include "wire/frame.h"
#include "net_bpf.h"
#include "net_diag.h"
#include "net_ops.h"
#include "net_poll.h"
#include "net_track.h"

/* The backends in the order auto mode tries them; the first is the
 * primary one (armed), the others fallbacks. */
static const struct {
	int mode;
	const struct net_backend *be;
} backends[] = {
	{ NET_MODE_BPF, &net_bpf_backend },
	{ NET_MODE_DIAG, &net_diag_backend },
	{ NET_MODE_PROC, &net_poll_backend },
};

static struct {
	struct probe *p;
	struct loop *l;
	const struct net_backend *be;	/* the armed one, or NULL */
	int nfd;
	struct loop_cfd fd[NET_BACKEND_FDS];
	char why[MECH_WHY_MAX];		/* why better backends were refused */
	union {				/* the armed backend's state */
		struct net_bpf bpf;
		struct net_diag diag;
		struct net_poll poll;
	} b;
} N;	/* ~340 KiB, most of it the fallbacks' tables: static, in .bss */

/* The ephemeral port range (ip_local_port_range), or the kernel default. */
static void eph_range(uint16_t *lo, uint16_t *hi)
{
	char buf[64];
	ssize_t n;

	n = sys_read_file("/proc/sys/net/ipv4/ip_local_port_range", buf,
			  sizeof(buf));
	if (n <= 0 || nettrack_parse_range(buf, (size_t)n, lo, hi) < 0) {
		*lo = 32768;
		*hi = 60999;
	}
}

/* Append "; " and a reason to N.why, cut to fit. */
static void add_why(const char *why)
{
	size_t used = strlen(N.why), n = strlen(why);

	if (used && used + 2 < sizeof(N.why)) {
		memcpy(N.why + used, "; ", 2);
		used += 2;
	}
	if (n > sizeof(N.why) - used - 1)
		n = sizeof(N.why) - used - 1;
	memcpy(N.why + used, why, n);
	N.why[used + n] = '\0';
}

/* Open the first backend mode allows (auto: any), its fds in fds, their
 * number in N.nfd; the reasons of the others in N.why.  0 when the
 * primary one armed, 1 a fallback, -1 none. */
static int open_backend(int mode, const struct net_backend_cfg *bc,
			int *fds)
{
	char why[MECH_WHY_MAX];
	size_t i;

	for (i = 0; i < nitems(backends); i++) {
		if (mode != NET_MODE_AUTO && mode != backends[i].mode)
			continue;
		why[0] = '\0';
		N.nfd = backends[i].be->open(&N.b, bc, fds, why, sizeof(why));
		if (N.nfd >= 0) {
			N.be = backends[i].be;
			return i == 0 ? 0 : 1;
		}
		add_why(why);
	}
	N.nfd = 0;
	return -1;
}

/* The probe's timer follows the backend's deadline. */
static void rearm(void)
{
	N.p->timer.at = N.be->deadline ? N.be->deadline(&N.b) : 0;
}

static struct coalesce_drain on_readable(void *ctx)
{
	struct coalesce_drain d = N.be->read(&N.b, ((struct loop_cfd *)ctx)->fd);

	rearm();
	return d;
}

static void on_tick(void *ctx, uint64_t now)
{
	(void)ctx;
	N.be->tick(&N.b, now);
	rearm();
}

/* The backend's fds into the loop, each a coalesced fd of its own. */
static int add_fds(const int *fds, uint64_t coalesce_ns)
{
	struct loop_cfd *f;
	int i;

	for (i = 0; i < N.nfd; i++) {
		f = &N.fd[i];
		f->fd = fds[i];
		f->drain = on_readable;
		f->ctx = f;
		f->cfg.max_ns = coalesce_ns;
		f->cfg.capacity = N.be->capacity ? N.be->capacity(&N.b, fds[i]) :
				  sys_rcvbuf(fds[i]) / NETLINK_MSG_TRUESIZE;
		if (loop_add_coalesced(N.l, f) < 0) {
			N.nfd = i;	/* net_stop takes out those added */
			return -1;
		}
	}
	return 0;
}

/* The kernel's counts (the BPF drop counter) into p->dropped. */
static void net_refresh(struct probe *p)
{
	if (N.be && N.be->refresh)
		N.be->refresh(&N.b, p->dropped);
}

static void net_stop(struct probe *p)
{
	int i;

	for (i = 0; i < N.nfd; i++)
		loop_del_coalesced(&N.fd[i]);	/* what a window held back */
	N.nfd = 0;
	if (N.be->close)
		N.be->close(&N.b);	/* hands out what is still queued */
	net_refresh(p);		/* the final counts */
	p->timer.at = 0;
	p->outcomes = NULL;
}

int net_arm(struct probe *p, struct loop *l, const struct net_cfg *nc)
{
	struct net_backend_cfg bc = {
		.p = p, .cgroup = nc->cgroup,
		.ringbuf_bytes = nc->ringbuf_bytes ? nc->ringbuf_bytes :
				 NET_RINGBUF_BYTES,
		.poll_ns = nc->poll_ns, .outcomes = nc->outcomes,
		.ttl_ns = nc->ttl_ns,
	};
	int fds[NET_BACKEND_FDS], rc;

	N.p = p, N.l = l;
	N.be = NULL;
	N.why[0] = '\0';
	eph_range(&bc.eph_lo, &bc.eph_hi);
	rc = open_backend(nc->mode, &bc, fds);
	if (rc < 0) {
		fmt_str(p->why, sizeof(p->why), "%.80s", N.why);
		return -1;
	}
	if (add_fds(fds, nc->coalesce_ns) < 0) {
		fmt_str(p->why, sizeof(p->why), "epoll");
		net_stop(p);
		return -1;
	}
	p->timer.fn = on_tick;
	p->outcomes = N.be->provides ? N.be->provides(&N.b) : NULL;
	rearm();
	if (N.why[0])
		log_warnx("net: %s; using %s", N.why, N.be->name);
	if (rc > 0)
		fmt_str(p->why, sizeof(p->why), "%s", N.be->name);
	return rc;
}

static int net_arm_config(struct probe *p, const struct config *c,
			  struct loop *l)
{
	struct net_cfg nc = {
		.mode = p->mode == NET_MODE_DIAG ? NET_MODE_DIAG :
			p->mode == NET_MODE_PROC ? NET_MODE_PROC : NET_MODE_AUTO,
		.cgroup = c->net_cgroup[0] ? c->net_cgroup : NULL,
		.poll_ns = NET_POLL_NS, .outcomes = c->profile != WIRE_STRICT,
		.coalesce_ns = c->coalesce_ms * NS_PER_MS,
		.ringbuf_bytes = c->net_ringbuf,
	};

	return net_arm(p, l, &nc);
}

const struct probe_ops net_ops = {
	.name = "net",
	.modes = { [NET_MODE_OFF] = "off", [NET_MODE_AUTO] = "on",
		   [NET_MODE_DIAG] = "diag", [NET_MODE_PROC] = "proc" },
	.default_mode = NET_MODE_AUTO,
	.arm = net_arm_config,
	.stop = net_stop,
	.refresh = net_refresh,
};
