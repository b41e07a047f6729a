/*
 * net_poll.h: the net probe's last fallback: polling
 * /proc/net/{tcp,udp}{,6} for connected sockets not seen before
 * (net_poll_backend, net_backend.h).
 */
#pragma once
#include <stdint.h>
#include "lib/caps.h"
#include "net_backend.h"
#include "net_track.h"
#include "wire/event.h"

struct net_poll {
	struct probe *p;
	uint64_t poll_ns;
	uint64_t next_ns;
	int outcomes;		/* send the outcome events too */
	struct nettrack track;
	struct event ev;	/* the socket being emitted */
	char buf[NET_PROC_BUF];
};
