/*
 * net_poll.c: the net probe's last fallback: poll /proc/net/{tcp,udp}{,6}
 * and report connected sockets not seen before.
 *
 * It sees only what is alive at a poll: a connect refused in a
 * microsecond is invisible, a connection that closed first is seen while
 * it sits in TIME_WAIT.  No pid; the uid is the socket owner's.  With
 * outcomes, an accepted TCP connection seen for the first time is a
 * net.accepted, a connect seen established a net.connect_result
 * "established"; there is no end and no byte count here.  A file that
 * cannot be read counts as probe_error.  Lines are net_procnet.c's.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <unistd.h>
#include "lib/clock.h"
#include "lib/fmt.h"
#include "lib/log.h"
#include "net_poll.h"
#include "net_procnet.h"
#include "net_sock.h"

static const struct { const char *path; int family, proto; } files[4] = {
	{ "/proc/net/tcp", AF_INET, IPPROTO_TCP },
	{ "/proc/net/tcp6", AF_INET6, IPPROTO_TCP },
	{ "/proc/net/udp", AF_INET, IPPROTO_UDP },
	{ "/proc/net/udp6", AF_INET6, IPPROTO_UDP },
};

/* What the outcome events carry here (hello's `outcomes`). */
static const struct probe_outcome poll_outcomes[] = {
	{ "net.connect_result", "src,dst,result" },
	{ "net.accepted", "src,dst" },
	{ NULL, NULL },
};

static int poll_open(void *vp, const struct net_backend_cfg *bc, int *fds,
		     char *why, size_t whycap)
{
	struct net_poll *p = vp;

	memset(p, 0, sizeof(*p));
	if (access(files[0].path, R_OK) < 0) {
		fmt_str(why, whycap, "%s: %s", files[0].path, strerror(errno));
		return -1;
	}
	p->p = bc->p;
	p->outcomes = bc->outcomes;
	nettrack_init(&p->track, bc->eph_lo, bc->eph_hi, 1);
	p->poll_ns = bc->poll_ns;
	p->next_ns = clock_mono_ns();
	(void)fds;
	return 0;		/* no fds: it reads files when due */
}

/* FNV-1a over n bytes, continuing from h. */
static uint64_t fnv(uint64_t h, const uint8_t *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ b[i]) * 1099511628211ull;
	return h;
}

/* The seen-table key: a hash of protocol and 4-tuple.  Not the inode: a
 * connection keeps its tuple but not its inode when it enters TIME_WAIT
 * (the entry then has inode 0), and must not be reported twice. */
static uint64_t sock_key(const struct netsock *ns)
{
	uint8_t head[6] = { ns->family, ns->proto,
		(uint8_t)(ns->sport >> 8), (uint8_t)ns->sport,
		(uint8_t)(ns->dport >> 8), (uint8_t)ns->dport };
	uint64_t h = 1469598103934665603ull;

	h = fnv(h, head, sizeof(head));
	h = fnv(h, ns->src, sizeof(ns->src));
	h = fnv(h, ns->dst, sizeof(ns->dst));
	return h ? h : 1;	/* 0 marks an empty slot */
}

/* One socket of a poll: listeners noted, new connects reported. */
static void on_sock(struct net_poll *p, const struct netsock *ns)
{
	uint64_t key = sock_key(ns);
	int cls;

	if (ns->proto == IPPROTO_TCP && ns->state == 10) {	/* LISTEN */
		nettrack_listener(&p->track, ns->sport);
		return;
	}
	if (nettrack_seen(&p->track, key))
		return;
	cls = nettrack_classify(&p->track, ns);
	if (cls == NETTRACK_SKIP)
		return;
	/* Report only what the table remembers: else every poll repeats it. */
	if (nettrack_add(&p->track, key, cls) < 0) {
		LOG_RL(log_warnx, "net: socket table full (%llu times)",
		       (unsigned long long)p->track.full);
		return;
	}
	if (cls == NETTRACK_ACTIVE) {
		netsock_event(ns, &p->ev, clock_mono_ns());
		probe_emit(p->p, &p->ev);
	}
	if (!p->outcomes || ns->proto != IPPROTO_TCP ||
	    (cls == NETTRACK_ACTIVE && !netsock_established(ns)))
		return;
	netsock_outcome(ns, cls == NETTRACK_ACTIVE ? PS_NET_CONNECT_RESULT :
			PS_NET_ACCEPTED, cls == NETTRACK_PASSIVE, &p->ev,
			clock_mono_ns());
	probe_emit(p->p, &p->ev);
}

static const struct probe_outcome *poll_provides(const void *vp)
{
	return ((const struct net_poll *)vp)->outcomes ? poll_outcomes : NULL;
}

/* Every complete line in buf[0..n); returns the bytes of the partial one. */
static size_t lines(struct net_poll *p, int f, size_t n)
{
	struct netsock ns;
	char *s = p->buf, *nl, *end = p->buf + n;

	while ((nl = memchr(s, '\n', (size_t)(end - s))) != NULL) {
		if (procnet_line(s, (size_t)(nl - s), files[f].family,
				 files[f].proto, &ns) == PROCNET_SOCK)
			on_sock(p, &ns);
		s = nl + 1;
	}
	return (size_t)(end - s);
}

/* Read one /proc/net file in chunks, line by line. */
static void read_file(struct net_poll *p, int f)
{
	size_t have = 0, left;
	ssize_t n;
	int fd;

	fd = open(files[f].path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno != ENOENT)	/* no IPv6: no tcp6 */
			p->p->dropped[LOSS_PROBE_ERROR]++;
		return;
	}
	for (;;) {
		n = read(fd, p->buf + have, sizeof(p->buf) - have);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		have += (size_t)n;
		left = lines(p, f, have);
		memmove(p->buf, p->buf + have - left, left);
		have = left == sizeof(p->buf) ? 0 : left;  /* no line is 64 KiB */
	}
	if (n < 0)
		p->p->dropped[LOSS_PROBE_ERROR]++;
	close(fd);
}

/* Read the four files when due and report new connected sockets. */
static void poll_tick(void *vp, uint64_t now)
{
	struct net_poll *p = vp;
	int f;

	if (now < p->next_ns)
		return;
	for (f = 0; f < 4; f++)
		read_file(p, f);
	nettrack_round_end(&p->track);
	p->next_ns = now + p->poll_ns;
}

static uint64_t poll_deadline(const void *vp)
{
	return ((const struct net_poll *)vp)->next_ns;
}

/* Nothing to read when woken, nothing to close. */
const struct net_backend net_poll_backend = {
	.name = "proc_net",
	.open = poll_open,
	.deadline = poll_deadline,
	.tick = poll_tick,
	.provides = poll_provides,
};
