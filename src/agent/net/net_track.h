/*
 * net_track.h: what the fallbacks (sock_diag, /proc/net) remember so that
 * each connect is reported once and accepted sockets are not reported.
 *
 * - seen: keys (sock_diag cookies, /proc 4-tuple hashes) of sockets already
 *   handled, with the round they were last seen in.  A destroyed socket
 *   stays until it ages out, so that a dump reply racing its destroy
 *   message does not report it twice.  Double-buffered: a round's end
 *   copies the entries seen in the last keep_rounds rounds into the other
 *   table and drops the rest.
 * - listeners: local ports in LISTEN, learnt from each round; a socket
 *   whose local port is a listener's is an accepted one.
 *
 * Fixed tables; pure functions over them.
 */
#pragma once
#include <stdint.h>
#include "lib/caps.h"
#include "net_sock.h"

struct nettrack_ent {
	uint64_t key;		/* 0: empty */
	uint32_t gen;
	uint8_t cls;		/* enum nettrack_class it was added with */
};

struct nettrack {
	struct nettrack_ent tab[2][NET_TRACK_SEEN];
	int cur;			/* the live seen table */
	uint32_t nused;			/* used slots in tab[cur] */
	uint16_t listen[2][NET_TRACK_LISTEN];
	uint32_t nlisten[2];		/* [0] complete set, [1] being built */
	uint32_t gen;			/* current round */
	uint32_t keep_rounds;		/* rounds an unseen entry is kept */
	uint16_t eph_lo, eph_hi;	/* ip_local_port_range */
	uint64_t full;			/* inserts refused: table full */
};

enum nettrack_class { NETTRACK_SKIP, NETTRACK_ACTIVE, NETTRACK_PASSIVE };

void nettrack_init(struct nettrack *t, uint16_t eph_lo, uint16_t eph_hi,
		   uint32_t keep_rounds);
/* Is this socket one a connect made (ACTIVE), an accepted one (PASSIVE)
 * or neither (unconnected, listening: SKIP)? */
int nettrack_classify(const struct nettrack *t, const struct netsock *ns);
/* The class key was added with when it is in the seen table (its round
 * is refreshed; never NETTRACK_SKIP), else 0 (NETTRACK_SKIP). */
int nettrack_seen(struct nettrack *t, uint64_t key);
/* Add key with its class; -1 when the table is full (counted in
 * t->full).  0 and keys already there change nothing. */
int nettrack_add(struct nettrack *t, uint64_t key, int cls);
/* Note a listening port for the round being built. */
void nettrack_listener(struct nettrack *t, uint16_t port);
/* A round is complete: its listeners become the known set, entries not
 * seen for keep_rounds rounds are dropped. */
void nettrack_round_end(struct nettrack *t);
/* Parse "lo\thi" (ip_local_port_range); 0 or -1.  Pure. */
int nettrack_parse_range(const char *s, size_t n, uint16_t *lo, uint16_t *hi);
