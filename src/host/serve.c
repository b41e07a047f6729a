/*
 * serve.c: the epoll loop of serve.h.  Set-up may fail; once serve_run
 * runs, errors are counted and logged (rate limited), never fatal.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <unistd.h>
#include "lib/log.h"
#include "listen.h"
#include "serve.h"
#include "recv.h"
#include "stats.h"

enum { K_LISTEN = 1, K_CONN, K_SIGNAL, K_TIMER, K_VSOCK };
#define TAG(k, i) ((uint64_t)(k) << 32 | (uint32_t)(i))

static int watch(int ep, int fd, uint32_t events, uint64_t tag)
{
	struct epoll_event e = { .events = events, .data.u64 = tag };

	return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e);
}

/* signalfd for the signals the loop handles (blocked first). */
static int signals(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -1;
	signal(SIGPIPE, SIG_IGN);
	return signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
}

int serve_init(struct serve *l, struct host *h, int vsock_fd)
{
	unsigned i;

	memset(l, 0, sizeof(*l));
	l->vsock_fd = vsock_fd;
	l->pool = calloc(HOST_MAX_CONNS, sizeof(*l->pool));
	l->freelist = calloc(HOST_MAX_CONNS, sizeof(*l->freelist));
	if (!l->pool || !l->freelist)
		return -1;
	for (i = 0; i < HOST_MAX_CONNS; i++)
		l->freelist[i] = HOST_MAX_CONNS - 1 - i;
	l->nfree = HOST_MAX_CONNS;
	if ((l->ep = epoll_create1(EPOLL_CLOEXEC)) < 0 ||
	    (l->sfd = signals()) < 0 ||
	    (l->tfd = timerfd_create(CLOCK_MONOTONIC,
				     TFD_NONBLOCK | TFD_CLOEXEC)) < 0 ||
	    watch(l->ep, l->sfd, EPOLLIN, TAG(K_SIGNAL, 0)) < 0 ||
	    watch(l->ep, l->tfd, EPOLLIN, TAG(K_TIMER, 0)) < 0)
		return -1;
	if (vsock_fd >= 0 && watch(l->ep, vsock_fd, EPOLLIN, TAG(K_VSOCK, 0)) < 0)
		return -1;
	for (i = 0; i < h->ncells; i++)
		if (h->cells[i].lfd >= 0 &&
		    watch(l->ep, h->cells[i].lfd, EPOLLIN, TAG(K_LISTEN, i)) < 0)
			return -1;
	return 0;
}

/* Give the slot of a gone connection back (its silence is over). */
static void release(struct serve *l, struct hconn *c)
{
	ka_remove(&c->ka);
	c->cell->gone = NULL;
	l->freelist[l->nfree++] = (uint32_t)(c - l->pool);
}

/* Close c and give its slot back, or hold it as its cell's gone
 * connection (recv_close); partial frames are reported. */
static void drop(struct serve *l, struct host *h, struct hconn *c)
{
	int linger;

	recv_clock(h);
	linger = recv_close(h, c);
	out_flush(&h->out);
	log_info("cell %s: connection closed (%llu open)", c->cell->id,
		 (unsigned long long)c->cell->st.open);
	close(c->fd);
	c->fd = -1;
	if (!linger) {
		l->freelist[l->nfree++] = (uint32_t)(c - l->pool);
		return;
	}
	if (c->cell->gone)
		release(l, c->cell->gone);	/* one per cell: the newest */
	c->cell->gone = c;
}

/* A connection for cell (NULL: refused, unknown CID). */
static void adopt(struct serve *l, struct host *h, int fd,
		  struct host_cell *cell)
{
	struct hconn *c;

	if (!cell) {
		h->refused_unknown++;
		close(fd);
		return;
	}
	if (l->nfree == 0) {
		cell->st.refused++;
		LOG_RL(log_warnx, "cell %s: %d connections open: refusing",
		       cell->id, HOST_MAX_CONNS);
		close(fd);
		return;
	}
	c = &l->pool[l->freelist[--l->nfree]];
	recv_clock(h);
	recv_open(h, c, cell, fd);
	log_info("cell %s: connection open (%llu open)", cell->id,
		 (unsigned long long)cell->st.open);
	if (watch(l->ep, fd, EPOLLIN | EPOLLRDHUP, TAG(K_CONN, c - l->pool)) < 0) {
		LOG_RL(log_warn, "cell %s: epoll_ctl", cell->id);
		drop(l, h, c);
	}
}

/* The cell of a vsock peer CID, or NULL. */
static struct host_cell *by_cid(struct host *h, uint32_t cid)
{
	unsigned i;

	for (i = 0; i < h->ncells; i++)
		if (h->cells[i].cid == cid)
			return &h->cells[i];
	return NULL;
}

/* Accept what is waiting on lfd (a bounded number per wakeup). */
static void accept_some(struct serve *l, struct host *h, int lfd,
			struct host_cell *cell)
{
	uint32_t cid = 0;
	int i, fd;

	for (i = 0; i < 64; i++) {
		fd = listen_accept(lfd, &cid);
		if (fd < 0) {
			if (errno != EAGAIN && errno != ECONNABORTED)
				LOG_RL(log_warn, "accept");
			return;
		}
		adopt(l, h, fd, cell ? cell : by_cid(h, cid));
	}
}

/* Read c: at most HOST_READS_PER_WAKE reads, then flush and ack. */
static void readable(struct serve *l, struct host *h, struct hconn *c)
{
	static uint8_t buf[HOST_READ_CHUNK];
	int i, close_it = 0;
	ssize_t n;

	recv_clock(h);
	for (i = 0; i < HOST_READS_PER_WAKE && !close_it; i++) {
		n = read(c->fd, buf, sizeof(buf));
		if (n > 0) {
			close_it = recv_bytes(h, c, buf, (size_t)n) < 0;
			if ((size_t)n < sizeof(buf))
				break;
		} else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
			close_it = 1;
		} else if (errno == EAGAIN) {
			break;
		}
	}
	if (recv_done(h, c) < 0)
		close_it = 1;
	if (close_it)
		drop(l, h, c);
}

/* Arm the timer for the earliest keep-alive deadline, if it is earlier
 * than the one armed (deadlines only move later, so a timer that fires
 * early just finds nothing due and is armed again). */
static void arm(struct serve *l, struct host *h)
{
	uint64_t d = ka_deadline(&h->ka);
	struct itimerspec its;

	if (d == 0 || (l->armed != 0 && l->armed <= d))
		return;
	memset(&its, 0, sizeof(its));
	its.it_value.tv_sec = (time_t)(d / 1000000000u);
	its.it_value.tv_nsec = (long)(d % 1000000000u);
	if (timerfd_settime(l->tfd, TFD_TIMER_ABSTIME, &its, NULL) == 0)
		l->armed = d;
}

/* The keep-alive timer: report the silent, free the gone ones reported. */
static void timer(struct serve *l, struct host *h)
{
	uint64_t n;
	unsigned i;

	(void)!read(l->tfd, &n, sizeof(n));
	l->armed = 0;
	recv_clock(h);
	recv_silence(h);
	for (i = 0; i < h->ncells; i++)
		if (h->cells[i].gone && h->cells[i].gone->silenced)
			release(l, h->cells[i].gone);
}

/* Handle pending signals; returns 1 to stop. */
static int signal_in(struct serve *l, struct host *h)
{
	struct signalfd_siginfo si;
	int stop = 0;

	while (read(l->sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGUSR1)
			stats_print(h, STDERR_FILENO);
		else
			stop = 1;
	}
	return stop;
}

static int dispatch(struct serve *l, struct host *h, uint64_t tag)
{
	uint32_t i = (uint32_t)tag;

	switch (tag >> 32) {
	case K_LISTEN:
		accept_some(l, h, h->cells[i].lfd, &h->cells[i]);
		break;
	case K_VSOCK:
		accept_some(l, h, l->vsock_fd, NULL);
		break;
	case K_CONN:
		if (l->pool[i].fd >= 0)
			readable(l, h, &l->pool[i]);
		break;
	case K_TIMER:
		timer(l, h);
		break;
	case K_SIGNAL:
		return signal_in(l, h);
	}
	return 0;
}

void serve_run(struct serve *l, struct host *h)
{
	struct epoll_event ev[HOST_EPOLL_BATCH];
	int n, i, stop = 0;
	unsigned k;

	while (!stop) {
		arm(l, h);
		n = epoll_wait(l->ep, ev, HOST_EPOLL_BATCH, -1);
		if (n < 0 && errno != EINTR)
			LOG_RL(log_warn, "epoll_wait");
		for (i = 0; i < n; i++)
			stop |= dispatch(l, h, ev[i].data.u64);
	}
	for (k = 0; k < HOST_MAX_CONNS; k++)
		if (l->pool[k].cell && l->pool[k].fd >= 0) {
			ka_remove(&l->pool[k].ka);
			close(l->pool[k].fd);
		}
	out_flush(&h->out);
}
