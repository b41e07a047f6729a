/*
 * net_backend.h: the net probe's three backends (BPF hooks, sock_diag,
 * /proc/net polling) as its glue, net_ops.c, drives them.
 *
 * Calls go one way, down: the glue picks a backend and calls its ops;
 * a backend emits and counts losses through the struct probe it was
 * given (agent/probe.h) and never calls back up.  Each keeps its state
 * in its own struct (net_bpf.h, net_diag.h, net_poll.h), which the glue
 * holds and passes back as `b`.
 */
#pragma once
#include <stddef.h>
#include <stdint.h>
#include "agent/probe.h"
#include "lib/coalesce.h"

/* What the glue hands a backend at open. */
struct net_backend_cfg {
	struct probe *p;		/* where events and losses go */
	const char *cgroup;		/* BPF: cgroup2 directory; NULL: the root */
	size_t ringbuf_bytes;		/* BPF: the ring buffer, a power of two */
	uint64_t poll_ns;		/* fallbacks: dump or poll cadence */
	uint16_t eph_lo, eph_hi;	/* fallbacks: ip_local_port_range */
	int outcomes;			/* send net.connect_result, .accepted, .closed */
	uint64_t ttl_ns;		/* BPF: table entries' age limit; 0: default */
};

#define NET_BACKEND_FDS 2

/* A backend's ops; all but open may be NULL (nothing of the kind). */
struct net_backend {
	/* "bpf", "sock_diag", "proc_net": logs, and hello's fallback:NAME */
	const char *name;
	/* The number of fds to watch for input, put in fds (at most
	 * NET_BACKEND_FDS); or -1 with why (all it opened closed again). */
	int (*open)(void *b, const struct net_backend_cfg *bc, int *fds,
		    char *why, size_t cap);
	/* fd is readable: handle at most NET_BATCH records or datagrams;
	 * what it read, for the loop's coalescing (lib/coalesce.h). */
	struct coalesce_drain (*read)(void *b, int fd);
	/* What fd holds before the kernel drops, in records or datagrams
	 * (it bounds a coalescing window); NULL: what its receive buffer
	 * holds of NETLINK_MSG_TRUESIZE messages. */
	uint64_t (*capacity)(const void *b, int fd);
	/* The next absolute CLOCK_MONOTONIC time tick wants; 0: none. */
	uint64_t (*deadline)(const void *b);
	void (*tick)(void *b, uint64_t now);
	/* Copy the counts of losses the kernel keeps into dropped. */
	void (*refresh)(const void *b, uint64_t *dropped);
	/* What the outcome events it sends carry (hello's `outcomes`). */
	const struct probe_outcome *(*provides)(const void *b);
	/* Stop: hand out what is still queued, close everything. */
	void (*close)(void *b);
};

extern const struct net_backend net_bpf_backend, net_diag_backend,
	net_poll_backend;
