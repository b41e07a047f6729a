/*
 * net_diag.h: the net probe's first fallback: NETLINK_SOCK_DIAG destroy
 * groups plus a periodic dump of live sockets (net_diag_backend,
 * net_backend.h).
 */
#pragma once
#include <stdint.h>
#include "lib/caps.h"
#include "net_backend.h"
#include "net_track.h"
#include "wire/event.h"

struct net_diag {
	struct probe *p;
	int mc_fd;		/* member of the four SKNLGRP_*_DESTROY groups */
	int dump_fd;		/* SOCK_DIAG_BY_FAMILY dumps */
	uint32_t seq;
	int step;		/* dump in flight: 0..3; -1 idle */
	uint64_t poll_ns;
	uint64_t next_ns;	/* next dump round */
	int outcomes;		/* send the outcome events too */
	struct nettrack track;
	struct event ev;	/* the socket being emitted */
	uint8_t buf[NET_NL_BUF];
};
