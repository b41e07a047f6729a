/*
 * net_bpf.h: the net probe's primary backend: cgroup sock_addr BPF
 * programs on connect4/6 and UDP sendmsg4/6 that write one record per
 * attempt into a ring buffer, and (unless the wire is strict) the outcome
 * layer beside them: bind4/6, sock_ops, sock_release and egress programs
 * around a connection table (net_bpf_backend, net_backend.h).
 */
#pragma once
#include <stdint.h>
#include "lib/caps.h"
#include "net_backend.h"
#include "net_bpfprog.h"
#include "net_ringbuf.h"
#include "wire/event.h"


struct net_bpf {
	struct probe *p;
	int cg_fd;
	struct netprog_maps m;	/* conns/listeners -1: no outcome layer */
	int prog[NETPROG_N];
	int link[NETPROG_N];		/* bpf_link fd, or -1 */
	uint8_t legacy[NETPROG_N];	/* attached with BPF_PROG_ATTACH */
	int mounted;		/* we mounted cgroup2 at cgpath */
	char cgpath[NET_PATH_MAX];
	struct ringbuf rb;
	uint64_t drops_final[NETDROP_N];	/* when the map was closed */
	uint64_t expired;	/* table entries the sweep removed */
	uint64_t ttl_ns;	/* their age limit */
	uint64_t next_sweep;	/* CLOCK_MONOTONIC of the next sweep */
	uint64_t sweep_key;	/* where the last one stopped */
	int sweep_resume;	/* 1: go on after sweep_key */
	struct event ev;	/* the record being emitted */
};
