/*
 * net_track.c: the fallbacks' memory: sockets already reported (open
 * addressing over a fixed table, rebuilt each round) and listening ports.
 *
 * It does not read sockets or files; net_diag.c and net_poll.c feed it.
 */
#include <netinet/in.h>
#include <string.h>
#include "lib/scan.h"
#include "net_addr.h"
#include "net_track.h"

#define MASK		(NET_TRACK_SEEN - 1)

_Static_assert((NET_TRACK_SEEN & (NET_TRACK_SEEN - 1)) == 0,
	       "NET_TRACK_SEEN must be a power of two");

void nettrack_init(struct nettrack *t, uint16_t eph_lo, uint16_t eph_hi,
		   uint32_t keep_rounds)
{
	memset(t, 0, sizeof(*t));
	t->eph_lo = eph_lo;
	t->eph_hi = eph_hi;
	t->keep_rounds = keep_rounds;
	t->gen = 1;
}

/* The first slot to probe for key (Fibonacci hashing). */
static size_t slot0(uint64_t key)
{
	return (size_t)((key * 0x9e3779b97f4a7c15ull) >> 40) & MASK;
}

/* The slot holding key, or -1. */
static long find(const struct nettrack *t, uint64_t key)
{
	const struct nettrack_ent *tab = t->tab[t->cur];
	size_t i = slot0(key), k;

	for (k = 0; k < NET_TRACK_SEEN; k++, i = (i + 1) & MASK) {
		if (tab[i].key == 0)
			return -1;
		if (tab[i].key == key)
			return (long)i;
	}
	return -1;
}

int nettrack_seen(struct nettrack *t, uint64_t key)
{
	long i = find(t, key);

	if (i < 0)
		return NETTRACK_SKIP;
	t->tab[t->cur][i].gen = t->gen;
	return t->tab[t->cur][i].cls;
}

/* Insert into tab without checking for a duplicate. */
static int put(struct nettrack_ent *tab, const struct nettrack_ent *e)
{
	size_t i = slot0(e->key), k;

	for (k = 0; k < NET_TRACK_SEEN; k++, i = (i + 1) & MASK) {
		if (tab[i].key == 0) {
			tab[i] = *e;
			return 0;
		}
	}
	return -1;
}

int nettrack_add(struct nettrack *t, uint64_t key, int cls)
{
	struct nettrack_ent e = { key, t->gen, (uint8_t)cls };

	if (key == 0 || nettrack_seen(t, key))
		return 0;
	/* Keep a quarter free so that lookups stay short. */
	if (t->nused >= NET_TRACK_SEEN - NET_TRACK_SEEN / 4 ||
	    put(t->tab[t->cur], &e) < 0) {
		t->full++;
		return -1;
	}
	t->nused++;
	return 0;
}

void nettrack_listener(struct nettrack *t, uint16_t port)
{
	uint32_t i;

	for (i = 0; i < t->nlisten[1]; i++)
		if (t->listen[1][i] == port)
			return;
	if (t->nlisten[1] < NET_TRACK_LISTEN)
		t->listen[1][t->nlisten[1]++] = port;
}

void nettrack_round_end(struct nettrack *t)
{
	struct nettrack_ent *from = t->tab[t->cur], *to = t->tab[!t->cur];
	size_t i;

	memcpy(t->listen[0], t->listen[1], t->nlisten[1] * sizeof(uint16_t));
	t->nlisten[0] = t->nlisten[1];
	t->nlisten[1] = 0;
	memset(to, 0, sizeof(t->tab[0]));
	t->nused = 0;
	for (i = 0; i < NET_TRACK_SEEN; i++) {
		if (from[i].key == 0 || t->gen - from[i].gen >= t->keep_rounds)
			continue;
		put(to, &from[i]);
		t->nused++;
	}
	t->cur = !t->cur;
	t->gen++;
}

/* 1 when port listens, in the last complete round or this one. */
static int is_listener(const struct nettrack *t, uint16_t port)
{
	uint32_t s, i;

	for (s = 0; s < 2; s++)
		for (i = 0; i < t->nlisten[s]; i++)
			if (t->listen[s][i] == port)
				return 1;
	return 0;
}

/* 1 when port is in the ephemeral (client) range. */
static int ephemeral(const struct nettrack *t, uint16_t port)
{
	return port >= t->eph_lo && port <= t->eph_hi;
}

/* TCP states (include/net/tcp_states.h). */
enum { ST_SYN_SENT = 2, ST_SYN_RECV = 3, ST_LISTEN = 10,
       ST_NEW_SYN_RECV = 12 };

int nettrack_classify(const struct nettrack *t, const struct netsock *ns)
{
	size_t alen = ns->family == AF_INET6 ? 16 : 4;
	int sp, dp;

	if (ns->state == ST_LISTEN || netaddr_is_zero(ns->dst, alen))
		return NETTRACK_SKIP;
	if (ns->proto == IPPROTO_UDP)
		return NETTRACK_ACTIVE;	/* connected UDP: connect() named dst */
	if (ns->dport == 0 || ns->state == ST_SYN_SENT)
		return NETTRACK_ACTIVE;	/* never reached: refused, unreachable */
	if (ns->state == ST_SYN_RECV || ns->state == ST_NEW_SYN_RECV)
		return NETTRACK_PASSIVE;
	if (is_listener(t, ns->sport))
		return NETTRACK_PASSIVE;
	sp = ephemeral(t, ns->sport);
	dp = ephemeral(t, ns->dport);
	if (dp && !sp)
		return NETTRACK_PASSIVE;
	/* sp && !dp is the usual client; both or neither: we cannot tell,
	 * and report rather than miss a connect. */
	return NETTRACK_ACTIVE;
}

int nettrack_parse_range(const char *s, size_t n, uint16_t *lo, uint16_t *hi)
{
	uint64_t v[2];
	size_t i = 0, digits;
	int k;

	for (k = 0; k < 2; k++) {
		while (i < n && (s[i] == ' ' || s[i] == '\t'))
			i++;
		digits = scan_dec(s + i, n - i, 65535, &v[k]);
		if (digits == 0)
			return -1;
		i += digits;
	}
	if (v[0] > v[1])
		return -1;
	*lo = (uint16_t)v[0];
	*hi = (uint16_t)v[1];
	return 0;
}
