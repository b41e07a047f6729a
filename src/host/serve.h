/*
 * serve.h: the receiver's one event loop: epoll over the listeners, the
 * connections, a signalfd (SIGUSR1: counters; SIGHUP: reopen --out;
 * SIGTERM/SIGINT: stop), one timerfd at the earliest keep-alive deadline
 * and one for the output's next retry after a failed write.
 *
 * Connections come from a pool of HOST_MAX_CONNS slots allocated once;
 * when it is empty, new connections are accepted and closed at once
 * (counted as refused) so a flood cannot pin memory or spin the loop.
 * Reads are non-blocking, at most HOST_READS_PER_WAKE per wakeup.  The
 * lines of one pass over the ready fds are written (and with --fsync
 * synced) once, at its end; then the connections of the pass get their
 * acks.  When the output fails and its buffer is full the loop waits on
 * it (out.h), taking only signals meanwhile.
 */
#pragma once
#include <stdint.h>
#include "host.h"

struct serve {
	struct host *h;
	int ep;
	int sfd;			/* signalfd */
	int tfd;			/* keep-alive timerfd, CLOCK_MONOTONIC */
	int rfd;			/* output retry timerfd, CLOCK_MONOTONIC */
	int vsock_fd;			/* -1 unless --listen vsock:PORT */
	int stop;			/* SIGTERM or SIGINT came */
	uint64_t armed;			/* deadline tfd is set to, 0 none */
	uint64_t retry_armed;		/* deadline rfd is set to, 0 none */
	uint64_t recovered;		/* out.recovered when last seen */
	struct hconn *pool;
	uint32_t *freelist;
	unsigned nfree;
	unsigned npass;			/* connections read in this pass */
	struct hconn *pass[HOST_EPOLL_BATCH];
};

/* Set up around listeners already in h->cells[].lfd (and vsock_fd).
 * -1 with errno on failure (set-up may fail loudly). */
int serve_init(struct serve *l, struct host *h, int vsock_fd);
/* Run until SIGTERM or SIGINT; then close every connection. */
void serve_run(struct serve *l, struct host *h);
