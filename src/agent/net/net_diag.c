/*
 * net_diag.c: the net probe's first fallback, for when BPF is refused:
 * NETLINK_SOCK_DIAG destroy groups (every TCP/UDP socket that goes away,
 * IPv4 and IPv6) plus a periodic dump of live sockets.
 *
 * What it cannot know: the pid (the kernel does not say whose socket it
 * was: guest_pid is 0) and, after a refused connect, the destination port
 * (the kernel zeroes it before the destroy message: dst is "addr:0").
 * Unconnected UDP sends leave no trace here.  nettrack.c decides which
 * sockets are connects and remembers what was reported.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include "lib/clock.h"
#include "lib/log.h"
#include "net_backend.h"
#include "net_sock.h"
#include "net_sockdiag.h"

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

int net_diag_open(struct net_diag *d, uint64_t poll_ns, char *why,
		  size_t whycap)
{
	uint16_t lo, hi;

	memset(d, 0, sizeof(*d));
	d->dump_fd = -1;
	d->mc_fd = nl_socket();
	if (d->mc_fd < 0 || join_groups(d->mc_fd) < 0 ||
	    (d->dump_fd = nl_socket()) < 0) {
		snprintf(why, whycap, "sock_diag: %s", strerror(errno));
		net_diag_close(d);
		return -1;
	}
	net_eph_range(&lo, &hi);
	nettrack_init(&d->track, lo, hi, 2);
	d->step = -1;
	d->poll_ns = poll_ns;
	d->next_ns = clock_mono_ns();
	return 0;
}

/* Send the dump request of the current step. */
static void dump_send(struct net_diag *d)
{
	uint8_t req[128];
	size_t n;

	n = sockdiag_dump_req(req, sizeof(req), ++d->seq, dumps[d->step].family,
			      dumps[d->step].proto, dumps[d->step].states);
	if (send(d->dump_fd, req, n, 0) < 0) {
		d->errors++;
		LOG_RL(log_warn, "net: sock_diag dump request");
		d->step = -1;
		d->next_ns = clock_mono_ns() + d->poll_ns;
	}
}

void net_diag_tick(struct net_diag *d, uint64_t now)
{
	if (d->step >= 0) {
		if (now < d->next_ns + NET_DUMP_TIMEOUT_NS)
			return;
		d->errors++;	/* a round that never finished: start over */
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

/* Emit a socket as net.connect_attempted, stamped now. */
static void report(struct net_out *o, const struct netsock *ns)
{
	netsock_event(ns, &o->ev, clock_mono_ns());
	probe_net_out_emit(o);
}

/* A live socket from a dump: listeners are noted, connects reported once. */
static void on_dump(struct net_diag *d, const struct netsock *ns,
		    struct net_out *o)
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
	if (nettrack_add(&d->track, ns->cookie) < 0) {
		/* Its destroy message will report it instead. */
		LOG_RL(log_warnx, "net: socket table full (%llu times)",
		       (unsigned long long)d->track.full);
		return;
	}
	if (cls == NETTRACK_ACTIVE)
		report(o, ns);
}

/* A socket went away: report it unless a dump already did. */
static void on_destroy(struct net_diag *d, const struct netsock *ns,
		       struct net_out *o)
{
	int cls;

	if (nettrack_seen(&d->track, ns->cookie))
		return;
	cls = nettrack_classify(&d->track, ns);
	if (cls == NETTRACK_SKIP)
		return;
	nettrack_add(&d->track, ns->cookie);
	if (cls == NETTRACK_ACTIVE)
		report(o, ns);
}

/* Every message of one datagram. */
static void parse(struct net_diag *d, int mc, size_t n, uint32_t groups,
		  struct net_out *o)
{
	struct sockdiag_it it = { d->buf, n, 0, 0 };
	struct netsock ns;
	int kind, err, fam, proto;

	proto = mc ? sockdiag_group_proto(groups, &fam)
		   : dumps[d->step < 0 ? 0 : d->step].proto;
	while ((kind = sockdiag_next(&it, proto, &ns, &err)) != SOCKDIAG_END) {
		if (kind == SOCKDIAG_BAD) {
			d->errors++;
			return;
		}
		if (kind == SOCKDIAG_SOCK && mc)
			on_destroy(d, &ns, o);
		else if (mc || d->step < 0 || it.seq != d->seq)
			continue;	/* a reply to a dump we gave up on */
		else if (kind == SOCKDIAG_SOCK)
			on_dump(d, &ns, o);
		else if (kind == SOCKDIAG_DONE || kind == SOCKDIAG_ERROR)
			dump_next(d);
	}
}

void net_diag_read(struct net_diag *d, int fd, struct net_out *o,
		   unsigned max)
{
	struct sockaddr_nl sa;
	struct iovec iov = { d->buf, sizeof(d->buf) };
	struct msghdr mh = { .msg_name = &sa, .msg_namelen = sizeof(sa),
			     .msg_iov = &iov, .msg_iovlen = 1 };
	int mc = fd == d->mc_fd;
	ssize_t n;
	unsigned i;

	for (i = 0; i < max; i++) {
		mh.msg_namelen = sizeof(sa);
		n = recvmsg(fd, &mh, MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == ENOBUFS && mc) {
			d->nobufs++;	/* destroy messages lost: count unknown */
			continue;
		}
		if (n < 0 && errno == ENOBUFS) {
			d->errors++;	/* the dump lost replies: redo it */
			d->step = -1;
			continue;
		}
		if (n < 0) {
			if (errno != EAGAIN)
				d->errors++;
			return;
		}
		if (mh.msg_flags & MSG_TRUNC)
			d->errors++;	/* cannot happen: dumps are <= 32 KiB */
		parse(d, mc, (size_t)n, sa.nl_groups, o);
	}
}

void net_diag_close(struct net_diag *d)
{
	if (d->mc_fd >= 0)
		close(d->mc_fd);
	if (d->dump_fd >= 0)
		close(d->dump_fd);
	d->mc_fd = d->dump_fd = -1;
}
