/*
 * serve.c: the receiver on the shared loop (serve.h).  Set-up may fail;
 * once serve_run runs, errors are counted and logged (rate limited),
 * never fatal.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>
#include "lib/clock.h"
#include "lib/log.h"
#include "listen.h"
#include "serve.h"
#include "recv.h"
#include "stats.h"

static void on_listen(void *ctx, uint32_t events);
static void on_vsock(void *ctx, uint32_t events);
static void on_conn(void *ctx, uint32_t events);
static void on_signal(void *ctx, int signo);
static void on_keepalive(void *ctx, uint64_t now);
static void on_retry(void *ctx, uint64_t now);
static void settle(void *ctx);
static int wait_output(void *arg, uint64_t until);

/* The signals the loop takes; a closed pipe or a file past RLIMIT_FSIZE
 * must fail the write (EPIPE, EFBIG: the lines are held), not kill us. */
static int signals(struct serve *l)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGCHLD);		/* --on-violation's hooks */
	signal(SIGPIPE, SIG_IGN);
	signal(SIGXFSZ, SIG_IGN);
	return loop_init(&l->loop, &set, on_signal, settle, l);
}

/* A record for fd in the loop, reading. */
static int watch(struct serve *l, struct serve_fd *sf, int fd,
		 void (*fn)(void *, uint32_t), unsigned i)
{
	*sf = (struct serve_fd){ { fd, fn, sf }, l, i };
	return loop_add(&l->loop, &sf->f, EPOLLIN);
}

int serve_init(struct serve *l, struct host *h, int vsock_fd)
{
	unsigned i;

	memset(l, 0, sizeof(*l));
	l->h = h;
	l->pool = calloc(HOST_MAX_CONNS, sizeof(*l->pool));
	l->freelist = calloc(HOST_MAX_CONNS, sizeof(*l->freelist));
	l->cfd = calloc(HOST_MAX_CONNS, sizeof(*l->cfd));
	l->lfd = calloc(h->ncells, sizeof(*l->lfd));
	if (!l->pool || !l->freelist || !l->cfd || !l->lfd)
		return -1;
	for (i = 0; i < HOST_MAX_CONNS; i++)
		l->freelist[i] = HOST_MAX_CONNS - 1 - i;
	l->nfree = HOST_MAX_CONNS;
	l->ka = (struct loop_timer){ 0, on_keepalive, l };
	l->retry = (struct loop_timer){ 0, on_retry, l };
	l->vsock.f.fd = -1;
	if (signals(l) < 0 || loop_timer_add(&l->loop, &l->ka) < 0 ||
	    loop_timer_add(&l->loop, &l->retry) < 0)
		return -1;
	if (vsock_fd >= 0 && watch(l, &l->vsock, vsock_fd, on_vsock, 0) < 0)
		return -1;
	for (i = 0; i < h->ncells; i++)
		if (h->cells[i].lfd >= 0 &&
		    watch(l, &l->lfd[i], h->cells[i].lfd, on_listen, i) < 0)
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
	unsigned i;

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
	i = l->freelist[--l->nfree];
	c = &l->pool[i];
	if (HOST_MAX_CONNS - l->nfree > h->conns_peak)
		h->conns_peak = HOST_MAX_CONNS - l->nfree;
	recv_clock(h);
	recv_open(h, c, cell, fd);
	log_info("cell %s: connection open (%llu open)", cell->id,
		 (unsigned long long)cell->st.open);
	l->cfd[i] = (struct serve_fd){ { fd, on_conn, &l->cfd[i] }, l, i };
	if (loop_add(&l->loop, &l->cfd[i].f, EPOLLIN | EPOLLRDHUP) < 0) {
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

static void on_listen(void *ctx, uint32_t events)
{
	struct serve_fd *sf = ctx;
	struct host_cell *cell = &sf->s->h->cells[sf->i];

	(void)events;
	accept_some(sf->s, sf->s->h, cell->lfd, cell);
}

static void on_vsock(void *ctx, uint32_t events)
{
	struct serve_fd *sf = ctx;

	(void)events;
	accept_some(sf->s, sf->s->h, sf->f.fd, NULL);
}

/* Read a connection: at most HOST_READS_PER_WAKE reads, each stamped
 * when it returned; its ack waits for the end of the pass (settle). */
static void on_conn(void *ctx, uint32_t events)
{
	static uint8_t buf[HOST_READ_CHUNK];
	struct serve_fd *sf = ctx;
	struct serve *l = sf->s;
	struct host *h = l->h;
	struct hconn *c = &l->pool[sf->i];
	int i, close_it = 0;
	ssize_t n;

	(void)events;
	if (c->fd < 0)
		return;			/* closed earlier in this pass */
	for (i = 0; i < HOST_READS_PER_WAKE && !close_it; i++) {
		n = read(c->fd, buf, sizeof(buf));
		if (n > 0) {
			recv_clock(h);
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
	else if (h->ack && l->npass < LOOP_EVENTS)
		l->pass[l->npass++] = c;
}

/* The keep-alive deadline: report the silent, free the gone ones
 * reported. */
static void on_keepalive(void *ctx, uint64_t now)
{
	struct serve *l = ctx;
	struct host *h = l->h;
	unsigned i;

	(void)now;
	recv_clock(h);
	recv_silence(h);
	for (i = 0; i < h->ncells; i++)
		if (h->cells[i].gone && h->cells[i].gone->silenced)
			release(l, h->cells[i].gone);
}

/* The output's retry is due: the pass ends with settle, which writes. */
static void on_retry(void *ctx, uint64_t now)
{
	(void)ctx, (void)now;
}

/* SIGHUP: reopen --out (logrotate has renamed it); stdout stays.  Then
 * the policies are read again. */
static void hangup(struct host *h)
{
	int rc = out_reopen(&h->out);

	if (rc > 0)
		log_warnx("SIGHUP: the output is standard output: "
			  "nothing to reopen");
	else if (rc == 0)
		log_warnx("SIGHUP: reopened %s", h->out.path);
	if (h->pols)
		polset_reload(h->pols, h);
}

static void on_signal(void *ctx, int signo)
{
	struct serve *l = ctx;

	if (signo == SIGUSR1) {
		stats_print(l->h, STDERR_FILENO);
	} else if (signo == SIGHUP) {
		hangup(l->h);
	} else if (signo == SIGCHLD) {
		if (l->h->hook)
			hook_reap(l->h->hook);
	} else {
		l->stop = 1;
		loop_stop(&l->loop);
	}
}

/* The output's wait hook (out.h): its buffer is full and it fails.
 * Wait for the retry at `until`, taking signals (a SIGHUP may give it a
 * new file) and killing the --on-violation hooks past their time; the
 * time spent is no guest's silence.  -1 once stopping. */
static int wait_output(void *arg, uint64_t until)
{
	struct serve *l = arg;
	struct pollfd p = { .fd = l->loop.sfd, .events = POLLIN };
	struct hook *hk = l->h->hook;
	uint64_t t0 = clock_mono_ns();

	if (l->stop)
		return -1;
	if (hk && hk->timer.at && hk->timer.at < until)
		until = hk->timer.at;
	(void)poll(&p, 1, until > t0 ? (int)((until - t0) / NS_PER_MS) + 1 : 0);
	loop_signals(&l->loop);
	if (hk)
		hook_tick(hk, clock_mono_ns());
	ka_shift(&l->h->ka, clock_mono_ns() - t0);
	recv_clock(l->h);
	return l->stop ? -1 : 0;
}

/* The end of a pass (the loop's before_wait): write what it made (once:
 * one fsync per pass), ack what is now written (this pass's connections,
 * or every connection after the output came back from a failure), then
 * set the deadlines: the keep-alive one only when earlier than the one
 * set (deadlines only move later, so a timer that fires early just finds
 * nothing due and is set again), the retry while the output stalls. */
static void settle(void *ctx)
{
	struct serve *l = ctx;
	struct host *h = l->h;
	uint64_t d;
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
	d = ka_deadline(&h->ka);
	if (d && (!l->ka.at || d < l->ka.at))
		l->ka.at = d;
	l->retry.at = h->out.stalled ? h->out.retry_at : 0;
}

void serve_run(struct serve *l, struct host *h)
{
	unsigned k;

	while (loop_run(&l->loop) < 0 && !l->stop)
		LOG_RL(log_warn, "epoll_wait");
	settle(l);			/* the last pass's lines and acks */
	if (h->out.len > 0 && out_flush(&h->out) == 0)
		settle(l);		/* a last try, its acks before the close */
	for (k = 0; k < HOST_MAX_CONNS; k++)
		if (l->pool[k].cell && l->pool[k].fd >= 0) {
			ka_remove(&l->pool[k].ka);
			close(l->pool[k].fd);
		}
	loop_close(&l->loop);
}
