/*
 * serve.h: the receiver's one event loop: epoll over the listeners, the
 * connections, a signalfd (SIGUSR1: counters; SIGTERM/SIGINT: stop) and
 * one timerfd at the earliest keep-alive deadline.
 *
 * Connections come from a pool of HOST_MAX_CONNS slots allocated once;
 * when it is empty, new connections are accepted and closed at once
 * (counted as refused) so a flood cannot pin memory or spin the loop.
 * Reads are non-blocking, at most HOST_READS_PER_WAKE per wakeup.
 */
#pragma once
#include <stdint.h>
#include "host.h"

struct serve {
	int ep;
	int sfd;			/* signalfd */
	int tfd;			/* timerfd, CLOCK_MONOTONIC, absolute */
	int vsock_fd;			/* -1 unless --listen vsock:PORT */
	uint64_t armed;			/* deadline the timer is set to, 0 none */
	struct hconn *pool;
	uint32_t *freelist;
	unsigned nfree;
};

/* Set up around listeners already in h->cells[].lfd (and vsock_fd).
 * -1 with errno on failure (set-up may fail loudly). */
int serve_init(struct serve *l, struct host *h, int vsock_fd);
/* Run until SIGTERM or SIGINT; then close every connection. */
void serve_run(struct serve *l, struct host *h);
