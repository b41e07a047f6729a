/*
 * netmech.h: the net probe's three mechanisms (BPF hooks, sock_diag,
 * /proc/net polling) as probe_net.c drives them.  Internal to the probe:
 * the loop only sees probe_net.h.
 */
#pragma once
#include <stdint.h>
#include "lib/caps.h"
#include "wire/event.h"
#include "net_track.h"
#include "net_ringbuf.h"

/* Where mechanisms put events: one scratch event, stamped non-decreasing. */
struct net_out {
	void (*emit)(void *ctx, const struct event *ev);
	void *ctx;
	uint64_t last_ns;
	uint64_t emitted;
	struct event ev;
};

/* Hand o->ev to the emitter (its stamp raised to the last one if lower). */
void probe_net_out_emit(struct net_out *o);

/* ---- BPF cgroup hooks (net_bpf.c) ---- */

struct net_bpf {
	int cg_fd;
	int map_rb, map_drops, map_dedupe;
	int prog[4];
	int link[4];		/* bpf_link fd, or -1 */
	uint8_t legacy[4];	/* attached with BPF_PROG_ATTACH */
	int mounted;		/* we mounted cgroup2 at cgpath */
	char cgpath[NET_PATH_MAX];
	struct ringbuf rb;
	uint64_t bad;		/* records that did not parse */
	uint64_t drops_final;	/* the drop count when the map was closed */
};

/* Load and attach the four programs to cgroup (NULL: the cgroup2 root). */
int net_bpf_open(struct net_bpf *b, const char *cgroup, char *why,
		 size_t whycap);
/* Hand at most max records to o; returns how many were read. */
unsigned net_bpf_read(struct net_bpf *b, struct net_out *o, unsigned max);
/* Ring buffer writes that failed in the kernel (the programs count them). */
uint64_t net_bpf_drops(const struct net_bpf *b);
/* Detach the programs (no new records); the ring stays readable. */
void net_bpf_detach(struct net_bpf *b);
/* Detach, unmap, close every fd. */
void net_bpf_close(struct net_bpf *b);

/* ---- sock_diag destroy groups + periodic dump (net_diag.c) ---- */

struct net_diag {
	int mc_fd;		/* member of the four SKNLGRP_*_DESTROY groups */
	int dump_fd;		/* SOCK_DIAG_BY_FAMILY dumps */
	uint32_t seq;
	int step;		/* dump in flight: 0..3; -1 idle */
	uint64_t poll_ns;
	uint64_t next_ns;	/* next dump round */
	uint64_t nobufs;	/* ENOBUFS on the destroy socket */
	uint64_t errors;
	struct nettrack track;
	uint8_t buf[NET_NL_BUF];
};

int net_diag_open(struct net_diag *d, uint64_t poll_ns, char *why,
		  size_t whycap);
/* Read at most max datagrams from fd (one of mc_fd, dump_fd). */
void net_diag_read(struct net_diag *d, int fd, struct net_out *o,
		   unsigned max);
/* Start a dump round when it is due. */
void net_diag_tick(struct net_diag *d, uint64_t now);
void net_diag_close(struct net_diag *d);

/* ---- /proc/net/{tcp,udp}{,6} polling (net_proc.c) ---- */

struct net_proc {
	uint64_t poll_ns;
	uint64_t next_ns;
	uint64_t errors;
	struct nettrack track;
	char buf[NET_PROC_BUF];
};

int net_proc_open(struct net_proc *p, uint64_t poll_ns, char *why,
		  size_t whycap);
/* Read the four files when due and report new connected sockets. */
void net_proc_tick(struct net_proc *p, uint64_t now, struct net_out *o);

/* The ephemeral port range (ip_local_port_range), or the kernel default. */
void net_eph_range(uint16_t *lo, uint16_t *hi);
