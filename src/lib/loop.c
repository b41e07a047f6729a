/*
 * loop.c: epoll + signalfd + one timerfd (loop.h).
 *
 * Deadlines are absolute CLOCK_MONOTONIC times; the timerfd is re-armed
 * only when the earliest one changes.  Expired timers run after the fd
 * handlers of each pass, whether or not the timerfd fired, so a deadline
 * set in the past runs on the next pass.  It does not decide what a
 * signal means: it hands the number to on_signal.  A coalesced fd is one
 * fd record and one timer, switched between by coalesce_next; the drains
 * of coalesced fds due within a quarter window of a pass run in that
 * pass, so that fds coalescing together wake the agent once.
 */
#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <unistd.h>
#include "clock.h"
#include "log.h"
#include "loop.h"
#include "sys.h"

/* Read every pending signal and hand each to on_signal. */
static void on_sigfd(void *ctx, uint32_t events)
{
	struct loop *l = ctx;
	struct signalfd_siginfo si;
	ssize_t n;

	(void)events;
	for (;;) {
		n = read(l->sfd, &si, sizeof(si));
		if (n != (ssize_t)sizeof(si))
			break;
		l->on_signal(l->ctx, (int)si.ssi_signo);
	}
}

/* The timerfd fired: clear it; timers run after the pass. */
static void on_timerfd(void *ctx, uint32_t events)
{
	struct loop *l = ctx;
	uint64_t ticks;

	(void)events;
	if (read(l->tfd, &ticks, sizeof(ticks)) == (ssize_t)sizeof(ticks))
		l->armed = 0;
}

int loop_init(struct loop *l, const sigset_t *mask,
	      void (*on_signal)(void *ctx, int signo),
	      void (*before_wait)(void *ctx), void *ctx)
{
	memset(l, 0, sizeof(*l));
	l->on_signal = on_signal;
	l->before_wait = before_wait;
	l->ctx = ctx;
	l->ep = l->sfd = l->tfd = -1;
	if (sigprocmask(SIG_BLOCK, mask, NULL) < 0)
		return -1;
	l->ep = epoll_create1(EPOLL_CLOEXEC);
	l->sfd = signalfd(-1, mask, SFD_NONBLOCK | SFD_CLOEXEC);
	l->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (l->ep < 0 || l->sfd < 0 || l->tfd < 0)
		return -1;
	l->sig = (struct loop_fd){ l->sfd, on_sigfd, l };
	l->tim = (struct loop_fd){ l->tfd, on_timerfd, l };
	if (loop_add(l, &l->sig, EPOLLIN) < 0 ||
	    loop_add(l, &l->tim, EPOLLIN) < 0)
		return -1;
	return 0;
}

/* epoll_ctl with the record as the event's data. */
static int ctl(struct loop *l, int op, struct loop_fd *f, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = f };

	return epoll_ctl(l->ep, op, f->fd, &ev);
}

int loop_add(struct loop *l, struct loop_fd *f, uint32_t events)
{
	return ctl(l, EPOLL_CTL_ADD, f, events);
}

int loop_mod(struct loop *l, struct loop_fd *f, uint32_t events)
{
	return ctl(l, EPOLL_CTL_MOD, f, events);
}

int loop_del(struct loop *l, struct loop_fd *f)
{
	return ctl(l, EPOLL_CTL_DEL, f, 0);
}

int loop_timer_add(struct loop *l, struct loop_timer *t)
{
	if (l->ntimers == LOOP_TIMERS_MAX) {
		errno = ENOSPC;
		return -1;
	}
	l->timers[l->ntimers++] = t;
	return 0;
}

/* Drain a coalesced fd once and follow the policy: EPOLLIN off while
 * it coalesces, the timer at its next drain. */
static void cfd_drain(struct loop_cfd *c, uint64_t now)
{
	struct coalesce_drain d = c->drain(c->ctx);
	int was = c->co.on;
	uint64_t at = coalesce_next(&c->co, &c->cfg, now, &d);

	if (c->co.on != was &&
	    loop_mod(c->l, &c->lfd, c->co.on ? 0 : EPOLLIN) < 0) {
		LOG_RL(log_warn, "epoll_ctl (coalesced fd)");
		if (!c->co.on)		/* not woken again: keep polling it */
			at = now + (c->cfg.max_ns ? c->cfg.max_ns : NS_PER_MS);
	}
	c->timer.at = at;
}

static void on_cfd_ready(void *ctx, uint32_t events)
{
	(void)events;
	cfd_drain(ctx, clock_mono_ns());
}

static void on_cfd_timer(void *ctx, uint64_t now)
{
	cfd_drain(ctx, now);
}

int loop_add_coalesced(struct loop *l, struct loop_cfd *c)
{
	int i;

	c->l = l;
	coalesce_init(&c->co, &c->cfg);
	c->lfd = (struct loop_fd){ c->fd, on_cfd_ready, c };
	c->timer = (struct loop_timer){ 0, on_cfd_timer, c };
	for (i = 0; i < l->ntimers && l->timers[i] != &c->timer; i++)
		;
	if (i == l->ntimers && loop_timer_add(l, &c->timer) < 0)
		return -1;
	return loop_add(l, &c->lfd, EPOLLIN);
}

void loop_del_coalesced(struct loop_cfd *c)
{
	struct coalesce_drain d;
	uint64_t got = 0;

	c->timer.at = 0;
	loop_del(c->l, &c->lfd);
	do {
		d = c->drain(c->ctx);
		got += d.items;
	} while (d.more && got < (c->cfg.capacity ? c->cfg.capacity :
				   LOOP_DRAIN_LAST_MAX));
}

/* Keep the timerfd at the earliest deadline. */
static void arm_timerfd(struct loop *l)
{
	struct itimerspec its = { 0 };
	uint64_t min = 0;
	int i;

	for (i = 0; i < l->ntimers; i++)
		if (l->timers[i]->at && (!min || l->timers[i]->at < min))
			min = l->timers[i]->at;
	if (min == l->armed)
		return;
	its.it_value = clock_ns_ts(min);
	if (timerfd_settime(l->tfd, TFD_TIMER_ABSTIME, &its, NULL) < 0) {
		LOG_RL(log_warn, "timerfd_settime");
		return;
	}
	l->armed = min;
}

/* How early a timer may run: a coalesced fd's drain a quarter of its
 * window, so that the drains of several fds due close together share one
 * wakeup; any other timer not at all. */
static uint64_t early_ok(const struct loop_timer *t)
{
	if (t->fn != on_cfd_timer)
		return 0;
	return ((const struct loop_cfd *)t->ctx)->co.window_ns / 4;
}

/* Run every timer whose deadline has passed (or nearly, early_ok). */
static void run_timers(struct loop *l)
{
	uint64_t now = clock_mono_ns();
	struct loop_timer *t;
	int i;

	for (i = 0; i < l->ntimers; i++) {
		t = l->timers[i];
		if (t->at && t->at <= now + early_ok(t)) {
			t->at = 0;
			t->fn(t->ctx, now);
		}
	}
}

int loop_run(struct loop *l)
{
	struct epoll_event evs[LOOP_EVENTS];
	struct loop_fd *f;
	int n, i;

	l->done = 0;
	while (!l->done) {
		if (l->before_wait)
			l->before_wait(l->ctx);
		if (l->done)
			break;
		arm_timerfd(l);
		n = epoll_wait(l->ep, evs, LOOP_EVENTS, -1);
		if (n < 0 && errno != EINTR)
			return -1;
		for (i = 0; i < n; i++) {
			f = evs[i].data.ptr;
			f->fn(f->ctx, evs[i].events);
		}
		run_timers(l);
	}
	return 0;
}

void loop_signals(struct loop *l)
{
	on_sigfd(l, 0);
}

void loop_stop(struct loop *l)
{
	l->done = 1;
}

void loop_close(struct loop *l)
{
	sys_close(&l->tfd);
	sys_close(&l->sfd);
	sys_close(&l->ep);
	l->ntimers = 0;
}
