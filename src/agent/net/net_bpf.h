/*
 * net_bpf.h: the net probe's primary backend: cgroup sock_addr BPF
 * programs on connect4/6 and UDP sendmsg4/6 that write one record per
 * attempt into a ring buffer (net_bpf_backend, net_backend.h).
 */
#pragma once
#include <stdint.h>
#include "lib/caps.h"
#include "net_backend.h"
#include "net_ringbuf.h"
#include "wire/event.h"

struct net_bpf {
	struct probe *p;
	int cg_fd;
	int map_rb, map_drops, map_dedupe;
	int prog[4];
	int link[4];		/* bpf_link fd, or -1 */
	uint8_t legacy[4];	/* attached with BPF_PROG_ATTACH */
	int mounted;		/* we mounted cgroup2 at cgpath */
	char cgpath[NET_PATH_MAX];
	struct ringbuf rb;
	uint64_t drops_final;	/* the drop count when the map was closed */
	struct event ev;	/* the record being emitted */
};
