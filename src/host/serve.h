/*
 * serve.h: the receiver's event loop: the shared one of src/lib/loop.h
 * (epoll, a signalfd, one timerfd at the earliest deadline) over the
 * listeners and the connections.  Signals: SIGUSR1 prints the counters,
 * SIGHUP reopens --out and reloads the policies, SIGCHLD reaps the
 * --on-violation hooks (hook.h), SIGTERM/SIGINT stop.  Two deadlines:
 * the earliest keep-alive one and the output's next retry after a
 * failed write (the hooks have their own timer).
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
#include "lib/loop.h"

/* An fd of the loop, and which listener (cell index) or pool slot. */
struct serve_fd {
	struct loop_fd f;
	struct serve *s;
	unsigned i;
};

struct serve {
	struct host *h;
	struct loop loop;
	struct loop_timer ka;		/* the earliest keep-alive deadline */
	struct loop_timer retry;	/* the output's next retry */
	struct serve_fd vsock;		/* fd -1 unless --listen vsock:PORT */
	struct serve_fd *lfd;		/* one per cell */
	struct serve_fd *cfd;		/* one per pool slot */
	int stop;			/* SIGTERM or SIGINT came */
	uint64_t recovered;		/* out.recovered when last seen */
	struct hconn *pool;
	uint32_t *freelist;
	unsigned nfree;
	unsigned npass;			/* connections read in this pass */
	struct hconn *pass[LOOP_EVENTS];
};

/* Set up around listeners already in h->cells[].lfd (and vsock_fd).
 * -1 with errno on failure (set-up may fail loudly). */
int serve_init(struct serve *l, struct host *h, int vsock_fd);
/* Run until SIGTERM or SIGINT; then close every connection. */
void serve_run(struct serve *l, struct host *h);
