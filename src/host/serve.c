/*
 * serve.c: the epoll loop of serve.h.  Set-up may fail; once serve_run
 * runs, errors are counted and logged (rate limited), never fatal.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <unistd.h>
#include "lib/clock.h"
#include "lib/log.h"
#include "listen.h"
#include "serve.h"
#include "recv.h"
#include "stats.h"

enum { K_LISTEN = 1, K_CONN, K_SIGNAL, K_TIMER, K_VSOCK, K_RETRY };
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
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -1;
	signal(SIGPIPE, SIG_IGN);	/* a closed pipe: EPIPE, held lines */
	signal(SIGXFSZ, SIG_IGN);	/* past RLIMIT_FSIZE: EFBIG, likewise */
	return signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
}

static int wait_output(void *arg, uint64_t until);

int serve_init(struct serve *l, struct host *h, int vsock_fd)
{
	unsigned i;

	memset(l, 0, sizeof(*l));
	l->h = h;
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
	    (l->rfd = timerfd_create(CLOCK_MONOTONIC,
				     TFD_NONBLOCK | TFD_CLOEXEC)) < 0 ||
	    watch(l->ep, l->sfd, EPOLLIN, TAG(K_SIGNAL, 0)) < 0 ||
	    watch(l->ep, l->tfd, EPOLLIN, TAG(K_TIMER, 0)) < 0 ||
	    watch(l->ep, l->rfd, EPOLLIN, TAG(K_RETRY, 0)) < 0)
		return -1;
	if (vsock_fd >= 0 && watch(l->ep, vsock_fd, EPOLLIN, TAG(K_VSOCK, 0)) < 0)
		return -1;
	for (i = 0; i < h->ncells; i++)
		if (h->cells[i].lfd >= 0 &&
		    watch(l->ep, h->cells[i].lfd, EPOLLIN, TAG(K_LISTEN, i)) < 0)
			return -1;
	h->out.wait = wait_output;
	h->out.wait_ctx = l;
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
	if (HOST_MAX_CONNS - l->nfree > h->conns_peak)
		h->conns_peak = HOST_MAX_CONNS - l->nfree;
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

/* Read c: at most HOST_READS_PER_WAKE reads; its ack waits for the end
 * of the pass (settle). */
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
	if (close_it)
		drop(l, h, c);
	else if (h->ack && l->npass < HOST_EPOLL_BATCH)
		l->pass[l->npass++] = c;
}

/* Set timerfd fd to fire at monotonic ns d; 0 or -1. */
static int set_timer(int fd, uint64_t d)
{
	struct itimerspec its;

	memset(&its, 0, sizeof(its));
	its.it_value.tv_sec = (time_t)(d / 1000000000u);
	its.it_value.tv_nsec = (long)(d % 1000000000u);
	return timerfd_settime(fd, TFD_TIMER_ABSTIME, &its, NULL);
}

/* Arm the timer for the earliest keep-alive deadline, if it is earlier
 * than the one armed (deadlines only move later, so a timer that fires
 * early just finds nothing due and is armed again). */
static void arm(struct serve *l, struct host *h)
{
	uint64_t d = ka_deadline(&h->ka);

	if (d == 0 || (l->armed != 0 && l->armed <= d))
		return;
	if (set_timer(l->tfd, d) == 0)
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

/* SIGHUP: reopen --out (logrotate has renamed it); stdout stays. */
static void hangup(struct host *h)
{
	int rc = out_reopen(&h->out);

	if (rc > 0)
		log_warnx("SIGHUP: the output is standard output: "
			  "nothing to reopen");
	else if (rc == 0)
		log_warnx("SIGHUP: reopened %s", h->out.path);
}

/* Handle pending signals; SIGTERM and SIGINT set l->stop. */
static void signal_in(struct serve *l, struct host *h)
{
	struct signalfd_siginfo si;

	while (read(l->sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGUSR1)
			stats_print(h, STDERR_FILENO);
		else if (si.ssi_signo == SIGHUP)
			hangup(h);
		else
			l->stop = 1;
	}
}

/* The output's wait hook (out.h): its buffer is full and it fails.
 * Wait for the retry at `until`, taking signals (a SIGHUP may give it a
 * new file); the time spent is no guest's silence.  -1 once stopping. */
static int wait_output(void *arg, uint64_t until)
{
	struct serve *l = arg;
	struct pollfd p = { .fd = l->sfd, .events = POLLIN };
	uint64_t t0 = clock_mono_ns();

	if (l->stop)
		return -1;
	(void)poll(&p, 1, until > t0 ? (int)((until - t0) / 1000000u) + 1 : 0);
	signal_in(l, l->h);
	ka_shift(&l->h->ka, clock_mono_ns() - t0);
	recv_clock(l->h);
	return l->stop ? -1 : 0;
}

/* The end of a pass: write what it made (once: one fsync per pass), ack
 * what is now written (this pass's connections, or every connection
 * after the output came back from a failure), and arm the retry. */
static void settle(struct serve *l, struct host *h)
{
	unsigned k;

	if (out_due(&h->out, clock_mono_ns()))
		out_flush(&h->out);
	if (h->ack && h->out.recovered != l->recovered) {
		l->recovered = h->out.recovered;
		for (k = 0; k < HOST_MAX_CONNS; k++)
			if (l->pool[k].fd >= 0 && l->pool[k].cell)
				recv_ack(h, &l->pool[k]);
	}
	for (k = 0; k < l->npass; k++)
		if (l->pass[k]->fd >= 0)
			recv_ack(h, l->pass[k]);
	l->npass = 0;
	if (h->out.stalled && l->retry_armed != h->out.retry_at &&
	    set_timer(l->rfd, h->out.retry_at) == 0)
		l->retry_armed = h->out.retry_at;
}

static void dispatch(struct serve *l, struct host *h, uint64_t tag)
{
	uint32_t i = (uint32_t)tag;
	uint64_t n;

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
	case K_RETRY:
		(void)!read(l->rfd, &n, sizeof(n));
		l->retry_armed = 0;	/* settle writes what is held */
		break;
	case K_SIGNAL:
		signal_in(l, h);
		break;
	}
}

void serve_run(struct serve *l, struct host *h)
{
	struct epoll_event ev[HOST_EPOLL_BATCH];
	int n, i;
	unsigned k;

	while (!l->stop) {
		arm(l, h);
		n = epoll_wait(l->ep, ev, HOST_EPOLL_BATCH, -1);
		if (n < 0 && errno != EINTR)
			LOG_RL(log_warn, "epoll_wait");
		for (i = 0; i < n; i++)
			dispatch(l, h, ev[i].data.u64);
		settle(l, h);
	}
	if (h->out.len > 0 && out_flush(&h->out) == 0)
		settle(l, h);		/* a last try, its acks before the close */
	for (k = 0; k < HOST_MAX_CONNS; k++)
		if (l->pool[k].cell && l->pool[k].fd >= 0) {
			ka_remove(&l->pool[k].ka);
			close(l->pool[k].fd);
		}
}
