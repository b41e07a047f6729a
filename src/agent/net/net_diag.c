/*
 * net_diag.c: the net probe's first fallback, for when BPF is refused:
 * NETLINK_SOCK_DIAG destroy groups (every TCP/UDP socket that goes away,
 * IPv4 and IPv6) plus a periodic dump of live sockets.
 *
 * What it cannot know: the pid (the kernel does not say whose socket it
 * was: guest_pid is 0) and, after a refused connect, the destination port
 * (the kernel zeroes it before the destroy message: dst is "addr:0").
 * Unconnected UDP sends leave no trace here.  net_track.c decides which
 * sockets are connects and remembers what was reported.  With outcomes,
 * a TCP socket's destroy message (its final state and tcp_info) also
 * gives its net.connect_result (established or failed: no why), its
 * net.closed with the bytes, and an accepted one's net.accepted if no
 * dump saw it first; all of them when the socket goes, not when it was
 * decided.  ENOBUFS on the destroy socket counts as net_nobufs; a failed
 * or lost dump, or a bad message, as probe_error.
 */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include "lib/clock.h"
#include "lib/fmt.h"
#include "lib/log.h"
#include "lib/sys.h"
#include "net_diag.h"
#include "net_sock.h"
#include "net_diagmsg.h"

/* The four dumps of a round: family, protocol, TCP states wanted. */
#define TCP_STATES ((1u << 1) | (1u << 2) | (1u << 4) | (1u << 5) | \
		    (1u << 8) | (1u << 9) | (1u << 10) | (1u << 11))
static const struct { int family, proto; uint32_t states; } dumps[4] = {
	{ AF_INET, IPPROTO_TCP, TCP_STATES },
	{ AF_INET6, IPPROTO_TCP, TCP_STATES },
	{ AF_INET, IPPROTO_UDP, 1u << 1 },	/* connected UDP */
	{ AF_INET6, IPPROTO_UDP, 1u << 1 },
};

/* A bound, non-blocking NETLINK_SOCK_DIAG socket. */
static int nl_socket(void)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	int fd;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    NETLINK_SOCK_DIAG);
	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Join the four destroy groups; a large receive buffer for bursts. */
static int join_groups(int fd)
{
	int g, sz = (int)NET_DIAG_RCVBUF;

	for (g = SKNLGRP_INET_TCP_DESTROY; g <= SKNLGRP_INET6_UDP_DESTROY; g++)
		if (setsockopt(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &g,
			       sizeof(g)) < 0)
			return -1;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	return 0;
}

static void diag_close(void *vd)
{
	struct net_diag *d = vd;

	sys_close(&d->mc_fd);
	sys_close(&d->dump_fd);
}

static int diag_open(void *vd, const struct net_backend_cfg *bc, int *fds,
		     char *why, size_t whycap)
{
	struct net_diag *d = vd;

	memset(d, 0, sizeof(*d));
	d->p = bc->p;
	d->dump_fd = -1;
	d->mc_fd = nl_socket();
	if (d->mc_fd < 0 || join_groups(d->mc_fd) < 0 ||
	    (d->dump_fd = nl_socket()) < 0) {
		fmt_str(why, whycap, "sock_diag: %s", strerror(errno));
		diag_close(d);
		return -1;
	}
	nettrack_init(&d->track, bc->eph_lo, bc->eph_hi, 2);
	d->outcomes = bc->outcomes;
	d->step = -1;
	d->poll_ns = bc->poll_ns;
	d->next_ns = clock_mono_ns();
	fds[0] = d->mc_fd;
	fds[1] = d->dump_fd;
	return 2;
}

/* Send the dump request of the current step. */
static void dump_send(struct net_diag *d)
{
	uint8_t req[128];
	size_t n;

	n = sockdiag_dump_req(req, sizeof(req), ++d->seq, dumps[d->step].family,
			      dumps[d->step].proto, dumps[d->step].states);
	if (send(d->dump_fd, req, n, 0) < 0) {
		d->p->dropped[LOSS_PROBE_ERROR]++;
		LOG_RL(log_warn, "net: sock_diag dump request");
		d->step = -1;
		d->next_ns = clock_mono_ns() + d->poll_ns;
	}
}

/* When a round is due, or the one in flight has timed out. */
static uint64_t diag_deadline(const void *vd)
{
	const struct net_diag *d = vd;

	return d->step < 0 ? d->next_ns : d->next_ns + NET_DUMP_TIMEOUT_NS;
}

/* Start a dump round when it is due. */
static void diag_tick(void *vd, uint64_t now)
{
	struct net_diag *d = vd;

	if (d->step >= 0) {
		if (now < d->next_ns + NET_DUMP_TIMEOUT_NS)
			return;
		/* a round that never finished: start over */
		d->p->dropped[LOSS_PROBE_ERROR]++;
		LOG_RL(log_warnx, "net: sock_diag dump timed out");
	} else if (now < d->next_ns) {
		return;
	}
	d->next_ns = now;
	d->step = 0;
	dump_send(d);
}

/* A dump reached NLMSG_DONE (or failed): the next one, or the round end. */
static void dump_next(struct net_diag *d)
{
	if (++d->step < 4) {
		dump_send(d);
		return;
	}
	nettrack_round_end(&d->track);
	d->step = -1;
	d->next_ns = clock_mono_ns() + d->poll_ns;
}

/* What the outcome events carry here (hello's `outcomes`). */
static const struct probe_outcome diag_outcomes[] = {
	{ "net.connect_result", "src,dst,result" },
	{ "net.accepted", "src,dst" },
	{ "net.closed", "src,dst,direction,state,bytes_sent,bytes_received" },
	{ NULL, NULL },
};

/* Emit a socket as net.connect_attempted, stamped now. */
static void report(struct net_diag *d, const struct netsock *ns)
{
	netsock_event(ns, &d->ev, clock_mono_ns());
	probe_emit(d->p, &d->ev);
}

/* Emit one of a TCP socket's outcome events, when they are wanted. */
static void outcome(struct net_diag *d, const struct netsock *ns, int source,
		    int passive)
{
	if (!d->outcomes || ns->proto != IPPROTO_TCP)
		return;
	netsock_outcome(ns, source, passive, &d->ev, clock_mono_ns());
	probe_emit(d->p, &d->ev);
}

/* A socket seen for the first time: a connect's attempt, or an
 * accepted connection. */
static void first_sight(struct net_diag *d, const struct netsock *ns, int cls)
{
	if (cls == NETTRACK_ACTIVE)
		report(d, ns);
	else
		outcome(d, ns, PS_NET_ACCEPTED, 1);
}

/* A live socket from a dump: listeners are noted, others reported once. */
static void on_dump(struct net_diag *d, const struct netsock *ns)
{
	int cls;

	if (ns->proto == IPPROTO_TCP && ns->state == 10) {	/* LISTEN */
		nettrack_listener(&d->track, ns->sport);
		return;
	}
	if (nettrack_seen(&d->track, ns->cookie))
		return;
	cls = nettrack_classify(&d->track, ns);
	if (cls == NETTRACK_SKIP)
		return;
	if (nettrack_add(&d->track, ns->cookie, cls) < 0) {
		/* Its destroy message will report it instead. */
		LOG_RL(log_warnx, "net: socket table full (%llu times)",
		       (unsigned long long)d->track.full);
		return;
	}
	first_sight(d, ns, cls);
}

/* A socket went away: its first sight unless a dump had it (then it
 * keeps the class the dump gave it), a TCP connect's result, and a TCP
 * connection's end. */
static void on_destroy(struct net_diag *d, const struct netsock *ns)
{
	int cls = nettrack_seen(&d->track, ns->cookie), passive;

	if (cls == NETTRACK_SKIP) {
		cls = nettrack_classify(&d->track, ns);
		if (cls == NETTRACK_SKIP)
			return;
		nettrack_add(&d->track, ns->cookie, cls);
		first_sight(d, ns, cls);
	}
	passive = cls == NETTRACK_PASSIVE;
	if (!passive)
		outcome(d, ns, PS_NET_CONNECT_RESULT, 0);
	if (passive || netsock_established(ns))
		outcome(d, ns, PS_NET_CLOSED, passive);
}

static const struct probe_outcome *diag_provides(const void *vd)
{
	return ((const struct net_diag *)vd)->outcomes ? diag_outcomes : NULL;
}

/* Every message of one datagram. */
static void parse(struct net_diag *d, int mc, size_t n, uint32_t groups)
{
	struct sockdiag_it it = { d->buf, n, 0, 0 };
	struct netsock ns;
	int kind, err, fam, proto;

	proto = mc ? sockdiag_group_proto(groups, &fam)
		   : dumps[d->step < 0 ? 0 : d->step].proto;
	while ((kind = sockdiag_next(&it, proto, &ns, &err)) != SOCKDIAG_END) {
		if (kind == SOCKDIAG_BAD) {
			d->p->dropped[LOSS_PROBE_ERROR]++;
			return;
		}
		if (kind == SOCKDIAG_SOCK && mc)
			on_destroy(d, &ns);
		else if (mc || d->step < 0 || it.seq != d->seq)
			continue;	/* a reply to a dump we gave up on */
		else if (kind == SOCKDIAG_SOCK)
			on_dump(d, &ns);
		else if (kind == SOCKDIAG_DONE || kind == SOCKDIAG_ERROR)
			dump_next(d);
	}
}

/* Read at most NET_BATCH datagrams from fd (mc_fd or dump_fd); an
 * overrun of the destroy group is a loss to the coalescing policy. */
static struct coalesce_drain diag_read(void *vd, int fd)
{
	struct coalesce_drain dr = { 0, 0, 0 };
	struct net_diag *d = vd;
	struct sockaddr_nl sa;
	struct iovec iov = { d->buf, sizeof(d->buf) };
	struct msghdr mh = { .msg_name = &sa, .msg_namelen = sizeof(sa),
			     .msg_iov = &iov, .msg_iovlen = 1 };
	int mc = fd == d->mc_fd;
	ssize_t n;
	unsigned i;

	for (i = 0; i < NET_BATCH; i++) {
		mh.msg_namelen = sizeof(sa);
		n = recvmsg(fd, &mh, MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == ENOBUFS && mc) {
			/* destroy messages lost: how many, unknown */
			d->p->dropped[LOSS_NET_NOBUFS]++;
			dr.loss = 1;
			continue;
		}
		if (n < 0 && errno == ENOBUFS) {
			/* the dump lost replies: redo it */
			d->p->dropped[LOSS_PROBE_ERROR]++;
			d->step = -1;
			continue;
		}
		if (n < 0) {
			if (errno != EAGAIN)
				d->p->dropped[LOSS_PROBE_ERROR]++;
			break;
		}
		if (mh.msg_flags & MSG_TRUNC)	/* dumps are <= 32 KiB */
			d->p->dropped[LOSS_PROBE_ERROR]++;
		parse(d, mc, (size_t)n, sa.nl_groups);
	}
	dr.items = i;
	dr.more = i == NET_BATCH;
	return dr;
}

const struct net_backend net_diag_backend = {
	.name = "sock_diag",
	.open = diag_open,
	.read = diag_read,
	.deadline = diag_deadline,
	.tick = diag_tick,
	.provides = diag_provides,
	.close = diag_close,
};
